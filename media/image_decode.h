// Internals shared by the image decoders (media/image_*.cc); not a public API.
#ifndef EDGEMMA_MEDIA_IMAGE_DECODE_H_
#define EDGEMMA_MEDIA_IMAGE_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "media/image_file.h"
#include "platform/status.h"

namespace edgemma::image_internal {

// Decoders read `f` from its start into `out` (RGB) and report the EXIF
// orientation they found (1 = none). `name` prefixes every error. They check
// the header's pixel count with CheckPixels before allocating pixels.
Status DecodeJpeg(FILE* f, const std::string& name,
                  const ImageDecodeOptions& options, RgbImage* out,
                  int* orientation);
Status DecodePng(FILE* f, const std::string& name,
                 const ImageDecodeOptions& options, RgbImage* out,
                 int* orientation);

// kInvalidArgument (naming the file, the size and the limit) unless
// 0 < width, height and width * height <= max_pixels.
Status CheckPixels(const std::string& name, int64_t width, int64_t height,
                   int64_t max_pixels);

// The orientation tag (0x0112) of IFD0 in EXIF data: a TIFF header
// ("II"/"MM") optionally preceded by "Exif\0\0". 1 when absent or invalid.
int ExifOrientation(const uint8_t* data, size_t n);

// Transposes/rotates `img` in place for EXIF orientations 2..8 (PIL's
// exif_transpose); 1 and unknown values leave it as is.
void ApplyOrientation(int orientation, RgbImage* img);

}  // namespace edgemma::image_internal

#endif  // EDGEMMA_MEDIA_IMAGE_DECODE_H_
