// Image files -> RGB bytes for applications (the runtime takes pixels, never
// files; see core/vision/preprocess.h). Part of the media library, which only
// applications link.
//
// Formats, chosen by the file's magic bytes (never its extension):
//   JPEG  libjpeg-turbo, its defaults (ISLOW IDCT, fancy upsampling), so the
//         pixels equal PIL's; baseline and progressive; gray -> R = G = B;
//         CMYK/YCCK -> RGB exactly as PIL's decode + convert("RGB") (PIL treats
//         every 4-channel JPEG as Adobe-inverted CMYK); 12-bit refused.
//   PNG   libpng (the reference PNG library, in every distribution; libspng
//         would be smaller but is less widely packaged): palette, gray
//         (1/2/4/8/16-bit), gray+alpha, RGB, RGBA, interlaced; 16-bit samples
//         keep their high byte (PIL's unpacking of 16-bit RGB).
//   PPM/PGM binary P6/P5 with maxval 255 (tests and tools).
// Alpha is DROPPED, not composited: HF's Gemma 4 processor calls
// transformers.image_transforms.convert_to_rgb, which is PIL convert("RGB")
// (the white-background compositing exists only in some other models'
// processors). A palette's transparency is dropped the same way.
// EXIF orientation (JPEG APP1, PNG eXIf before or after the image data) is
// applied like PIL's ImageOps.exif_transpose, which transformers' load_image
// calls.
//
// Bounded memory: the pixel count is read from the header and checked against
// options.max_pixels BEFORE any pixel buffer is allocated (a 20000 x 20000
// image or a decompression bomb is refused in kilobytes); progressive JPEGs are
// limited to kMaxJpegScans scans. Peak memory is about 3 bytes per pixel
// (6 with an EXIF rotation; libjpeg adds 2 per pixel and channel for a
// progressive JPEG). Errors name the file and the problem.
#ifndef EDGEMMA_MEDIA_IMAGE_FILE_H_
#define EDGEMMA_MEDIA_IMAGE_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"

namespace edgemma {

inline constexpr int64_t kDefaultMaxImagePixels = int64_t{64} << 20;  // 8192^2
inline constexpr int kMaxJpegScans = 1000;

struct ImageDecodeOptions {
  int64_t max_pixels = kDefaultMaxImagePixels;  // width * height limit
  bool exif_orientation = true;  // apply the EXIF orientation tag
};

struct RgbImage {
  int height = 0, width = 0;
  std::vector<uint8_t> rgb;  // [height, width, 3], row-major
};

enum class ImageFileFormat { kUnknown, kJpeg, kPng, kPnm };

// From the first bytes of a file (8 are enough).
ImageFileFormat SniffImageFormat(const uint8_t* head, size_t n);

// Reads and decodes a JPEG, PNG or binary PPM/PGM file into RGB.
Result<RgbImage> ReadImageFile(const std::string& path,
                               const ImageDecodeOptions& options = {});

// The same from the bytes of a whole image file in memory (a pipe, a socket,
// an archive member); `name` names it in errors. The bytes must outlive the
// call only and are never written.
Result<RgbImage> DecodeImageFile(const uint8_t* data, size_t size,
                                 const std::string& name,
                                 const ImageDecodeOptions& options = {});

}  // namespace edgemma

#endif  // EDGEMMA_MEDIA_IMAGE_FILE_H_
