// Image file dispatch (by magic bytes), PPM/PGM, EXIF orientation and the
// pixel limit (contract in image_file.h; JPEG and PNG in image_jpeg.cc and
// image_png.cc).
#include "media/image_file.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "media/image_decode.h"

namespace edgemma {
namespace image_internal {

Status CheckPixels(const std::string& name, int64_t width, int64_t height,
                   int64_t max_pixels) {
  const std::string dims =
      std::to_string(width) + " x " + std::to_string(height);
  if (width <= 0 || height <= 0) {
    return Corrupt(name + ": image of " + dims + " pixels");
  }
  // Sides past INT_MAX (a PPM header may say 9999999999) cannot be held in
  // RgbImage whatever the limit; the product is printed in double, as it may
  // not fit in int64.
  if (width > INT_MAX || height > INT_MAX || width > max_pixels / height) {
    char pixels[32];
    std::snprintf(pixels, sizeof(pixels), "%.0f",
                  static_cast<double>(width) * static_cast<double>(height));
    return InvalidArgument(name + ": " + dims + " image (" + pixels +
                           " pixels) exceeds the pixel limit of " +
                           std::to_string(max_pixels));
  }
  return Status::Ok();
}

int ExifOrientation(const uint8_t* d, size_t n) {
  if (n >= 6 && std::memcmp(d, "Exif\0\0", 6) == 0) {
    d += 6;
    n -= 6;
  }
  if (n < 8) return 1;
  bool little;
  if (d[0] == 'I' && d[1] == 'I') {
    little = true;
  } else if (d[0] == 'M' && d[1] == 'M') {
    little = false;
  } else {
    return 1;
  }
  auto u16 = [&](size_t o) -> uint32_t {
    return little ? d[o] | d[o + 1] << 8 : d[o] << 8 | d[o + 1];
  };
  auto u32 = [&](size_t o) -> uint32_t {
    return little ? u16(o) | u16(o + 2) << 16 : u16(o) << 16 | u16(o + 2);
  };
  if (u16(2) != 42) return 1;
  const size_t ifd = u32(4);
  if (ifd > n - 2) return 1;
  const size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (e + 12 > n) break;
    if (u16(e) != 0x0112) continue;
    if (u16(e + 2) != 3) return 1;  // orientation is a SHORT
    const int v = static_cast<int>(u16(e + 8));
    return v >= 1 && v <= 8 ? v : 1;
  }
  return 1;
}

void ApplyOrientation(int orientation, RgbImage* img) {
  if (orientation < 2 || orientation > 8) return;
  const int H = img->height, W = img->width;
  const bool swap = orientation >= 5;  // transpose-like: sides exchange
  const int oh = swap ? W : H, ow = swap ? H : W;
  std::vector<uint8_t> out(img->rgb.size());
  for (int y = 0; y < oh; ++y) {
    for (int x = 0; x < ow; ++x) {
      int sy = y, sx = x;  // source pixel (PIL Image.transpose semantics)
      switch (orientation) {
        case 2:
          sx = W - 1 - x;
          break;  // FLIP_LEFT_RIGHT
        case 3:
          sy = H - 1 - y;
          sx = W - 1 - x;
          break;  // ROTATE_180
        case 4:
          sy = H - 1 - y;
          break;  // FLIP_TOP_BOTTOM
        case 5:
          sy = x;
          sx = y;
          break;  // TRANSPOSE
        case 6:
          sy = H - 1 - x;
          sx = y;
          break;  // ROTATE_270
        case 7:
          sy = H - 1 - x;
          sx = W - 1 - y;
          break;  // TRANSVERSE
        default:
          sy = x;
          sx = W - 1 - y;
          break;  // 8: ROTATE_90
      }
      std::memcpy(&out[(static_cast<size_t>(y) * ow + x) * 3],
                  &img->rgb[(static_cast<size_t>(sy) * W + sx) * 3], 3);
    }
  }
  img->rgb.swap(out);
  img->height = oh;
  img->width = ow;
}

namespace {

// Next header token of a PPM/PGM (whitespace and '#' comments skipped).
bool PnmToken(FILE* f, std::string* tok) {
  tok->clear();
  int c = std::fgetc(f);
  while (c != EOF && (std::isspace(c) || c == '#')) {
    if (c == '#') {
      while (c != EOF && c != '\n') c = std::fgetc(f);
    }
    c = std::fgetc(f);
  }
  while (c != EOF && !std::isspace(c) && tok->size() < 12) {
    tok->push_back(static_cast<char>(c));
    c = std::fgetc(f);
  }
  // The single whitespace after the last token was consumed, as the format
  // requires before the raster.
  return !tok->empty() && (c == EOF || std::isspace(c));
}

bool ParsePositive(const std::string& s, int64_t* v) {
  if (s.empty() || s.size() > 10) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + (c - '0');
  }
  return *v > 0;
}

Status DecodePnm(FILE* f, const std::string& name,
                 const ImageDecodeOptions& options, RgbImage* out) {
  std::string magic, ws, hs, ms;
  int64_t w = 0, h = 0, maxval = 0;
  if (!PnmToken(f, &magic) || (magic != "P5" && magic != "P6") ||
      !PnmToken(f, &ws) || !PnmToken(f, &hs) || !PnmToken(f, &ms) ||
      !ParsePositive(ws, &w) || !ParsePositive(hs, &h) ||
      !ParsePositive(ms, &maxval)) {
    return Corrupt(name + ": bad PPM/PGM header (binary P5/P6 expected)");
  }
  if (maxval != 255) {
    return Unsupported(name + ": PPM/PGM maxval " + std::to_string(maxval) +
                       " (only 255 is supported)");
  }
  EM_RETURN_IF_ERROR(CheckPixels(name, w, h, options.max_pixels));
  const int channels = magic == "P6" ? 3 : 1;
  out->height = static_cast<int>(h);
  out->width = static_cast<int>(w);
  out->rgb.resize(static_cast<size_t>(w) * h * 3);
  const size_t n = static_cast<size_t>(w) * h * channels;
  if (std::fread(out->rgb.data(), 1, n, f) != n) {
    return Corrupt(name + ": truncated PPM/PGM data");
  }
  if (channels == 1) {  // expand gray in place, from the end
    for (size_t i = n; i-- > 0;) {
      std::memset(&out->rgb[3 * i], out->rgb[i], 3);
    }
  }
  return Status::Ok();
}

}  // namespace
}  // namespace image_internal

ImageFileFormat SniffImageFormat(const uint8_t* head, size_t n) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) {
    return ImageFileFormat::kJpeg;
  }
  if (n >= 8 && std::memcmp(head, kPng, 8) == 0) return ImageFileFormat::kPng;
  if (n >= 2 && head[0] == 'P' && (head[1] == '5' || head[1] == '6')) {
    return ImageFileFormat::kPnm;
  }
  return ImageFileFormat::kUnknown;
}

namespace {

// Sniffs, decodes and orients the image `f` holds (read from its start).
Result<RgbImage> DecodeStream(FILE* f, const std::string& name,
                              const ImageDecodeOptions& options) {
  using namespace image_internal;  // NOLINT: the decoders of this library
  uint8_t head[8] = {};
  const size_t n = std::fread(head, 1, sizeof(head), f);
  std::rewind(f);
  RgbImage img;
  int orientation = 1;
  switch (SniffImageFormat(head, n)) {
    case ImageFileFormat::kJpeg:
      EM_RETURN_IF_ERROR(DecodeJpeg(f, name, options, &img, &orientation));
      break;
    case ImageFileFormat::kPng:
      EM_RETURN_IF_ERROR(DecodePng(f, name, options, &img, &orientation));
      break;
    case ImageFileFormat::kPnm:
      EM_RETURN_IF_ERROR(DecodePnm(f, name, options, &img));
      break;
    default: {
      char hex[3 * sizeof(head) + 1] = {};
      for (size_t i = 0; i < n; ++i) {
        std::snprintf(hex + 3 * i, 4, "%02x ", head[i]);
      }
      return Unsupported(name + ": not a JPEG, PNG or PPM/PGM file (starts " +
                         "with " + std::string(hex, n ? 3 * n - 1 : 0) + ")");
    }
  }
  if (options.exif_orientation) ApplyOrientation(orientation, &img);
  return img;
}

Status CheckLimit(const std::string& name, const ImageDecodeOptions& options) {
  if (options.max_pixels > 0) return Status::Ok();
  return InvalidArgument(name + ": the pixel limit must be positive");
}

using FileHandle = std::unique_ptr<FILE, int (*)(FILE*)>;

}  // namespace

Result<RgbImage> ReadImageFile(const std::string& path,
                               const ImageDecodeOptions& options) {
  EM_RETURN_IF_ERROR(CheckLimit(path, options));
  FileHandle f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    const int err = errno;
    const std::string why = path + ": cannot open: " + std::strerror(err);
    return err == ENOENT ? NotFound(why) : IoError(why);
  }
  struct stat st;
  if (fstat(fileno(f.get()), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument(path + ": not a regular file");
  }
  if (st.st_size == 0) return Corrupt(path + ": empty file");
  return DecodeStream(f.get(), path, options);
}

Result<RgbImage> DecodeImageFile(const uint8_t* data, size_t size,
                                 const std::string& name,
                                 const ImageDecodeOptions& options) {
  EM_RETURN_IF_ERROR(CheckLimit(name, options));
  if (size == 0) return Corrupt(name + ": empty file");
  // A read-only stdio stream over the bytes (POSIX fmemopen), so the decoders
  // keep their one FILE* path; "r" never writes to the buffer.
  FileHandle f(::fmemopen(const_cast<uint8_t*>(data), size, "r"), &std::fclose);
  if (!f) {
    return OutOfMemory(
        name + ": cannot open the bytes as a stream: " + std::strerror(errno));
  }
  return DecodeStream(f.get(), name, options);
}

}  // namespace edgemma
