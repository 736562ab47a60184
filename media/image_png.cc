// PNG through libpng (contract in image_file.h). libpng reports errors by
// longjmp, so each phase runs in a function holding no C++ object with a
// destructor: the header phase (size, transforms to 8-bit RGB, eXIf), then,
// once the caller has allocated the pixels and row pointers, the image phase.
#include <png.h>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "media/image_decode.h"

namespace edgemma::image_internal {
namespace {

constexpr png_alloc_size_t kMaxChunkBytes = 8 << 20;  // ancillary chunks

struct PngContext {
  png_structp png;
  png_infop info;
  char message[256];
  png_uint_32 width, height;
  int orientation;
  int64_t max_pixels;
  bool too_large;  // over max_pixels: stop before libpng allocates rows
};

void OnError(png_structp png, png_const_charp msg) {
  PngContext* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
  // libpng's stdio reader says "Read Error" for a short read.
  const bool eof = std::strcmp(msg, "Read Error") == 0;
  std::snprintf(ctx->message, sizeof(ctx->message), "%s",
                eof ? "unexpected end of file (truncated PNG)" : msg);
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

// Phase 1: signature, IHDR and the chunks before the image data; sets the
// transforms to 8-bit RGB (alpha and 16-bit low bytes dropped, palette and
// low-bit gray expanded, gray replicated). False on a libpng error.
bool ReadHeader(PngContext* ctx, FILE* f) {
  if (setjmp(png_jmpbuf(ctx->png))) return false;
  png_structp png = ctx->png;
  png_infop info = ctx->info;
  png_init_io(png, f);
  // A corrupt chunk is an error whatever its kind (PIL refuses any bad CRC).
  png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  png_set_chunk_malloc_max(png, kMaxChunkBytes);
  // libpng 1.6.39 (Debian 1.6.39-2+deb12u4) allocates 1.7 GB while reading
  // the iCCP chunk of a 42-byte file, despite the chunk limit above
  // (tests/fuzz/corpus/image_file/regress-png-iccp-alloc). Profiles and
  // compressed text are never used (PIL's convert("RGB") ignores profiles
  // too), so those chunks are skipped unread; their CRC is still checked.
  static const png_byte kSkipped[] = "iCCP\0zTXt\0iTXt";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kSkipped, 3);
  png_read_info(png, info);
  ctx->width = png_get_image_width(png, info);
  ctx->height = png_get_image_height(png, info);
  if (static_cast<uint64_t>(ctx->width) * ctx->height >
      static_cast<uint64_t>(ctx->max_pixels)) {
    ctx->too_large = true;
    return true;
  }
  const int color = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) {
    png_set_expand_gray_1_2_4_to_8(png);
  }
  if (depth == 16) png_set_strip_16(png);
  // Palette expansion turns a tRNS chunk into alpha: dropped like any alpha.
  if ((color & PNG_COLOR_MASK_ALPHA) ||
      png_get_valid(png, info, PNG_INFO_tRNS)) {
    png_set_strip_alpha(png);
  }
  if (!(color & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return png_get_rowbytes(png, info) == static_cast<size_t>(ctx->width) * 3;
}

// The orientation of an eXIf chunk read so far (1 if none).
int PngOrientation(png_structp png, png_infop info) {
  png_uint_32 n_exif = 0;
  png_bytep exif = nullptr;
  if (png_get_eXIf_1(png, info, &n_exif, &exif) && exif) {
    return ExifOrientation(exif, n_exif);
  }
  return 1;
}

// Phase 2: the image into `rows` (one pointer per output row), then the
// chunks after it (an eXIf there counts too, as in PIL).
bool ReadImage(PngContext* ctx, png_bytepp rows) {
  if (setjmp(png_jmpbuf(ctx->png))) return false;
  png_read_image(ctx->png, rows);
  png_read_end(ctx->png, ctx->info);
  ctx->orientation = PngOrientation(ctx->png, ctx->info);
  return true;
}

}  // namespace

Status DecodePng(FILE* f, const std::string& name,
                 const ImageDecodeOptions& options, RgbImage* out,
                 int* orientation) {
  PngContext ctx;
  std::memset(&ctx, 0, sizeof(ctx));
  ctx.orientation = 1;
  ctx.max_pixels = options.max_pixels;
  ctx.png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, OnError, OnWarning);
  if (ctx.png) ctx.info = png_create_info_struct(ctx.png);
  struct Destroy {  // runs on every return, never across a longjmp
    PngContext* c;
    ~Destroy() {
      if (c->png) png_destroy_read_struct(&c->png, &c->info, nullptr);
    }
  } destroy{&ctx};
  if (!ctx.png || !ctx.info) return OutOfMemory(name + ": PNG: no memory");
  if (!ReadHeader(&ctx, f)) {
    if (!ctx.message[0]) {
      std::snprintf(ctx.message, sizeof(ctx.message), "unexpected row size");
    }
    return Corrupt(name + ": PNG: " + ctx.message);
  }
  EM_RETURN_IF_ERROR(
      CheckPixels(name, ctx.width, ctx.height, options.max_pixels));
  if (ctx.too_large) return Internal(name + ": PNG: pixel check disagrees");
  out->width = static_cast<int>(ctx.width);
  out->height = static_cast<int>(ctx.height);
  out->rgb.resize(static_cast<size_t>(out->width) * out->height * 3);
  std::vector<png_bytep> rows(ctx.height);
  for (png_uint_32 y = 0; y < ctx.height; ++y) {
    rows[y] = out->rgb.data() + static_cast<size_t>(y) * out->width * 3;
  }
  if (!ReadImage(&ctx, rows.data())) {
    return Corrupt(name + ": PNG: " + ctx.message);
  }
  *orientation = ctx.orientation;
  return Status::Ok();
}

}  // namespace edgemma::image_internal
