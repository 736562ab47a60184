#include "examples/cli/cli_image.h"

#include <cstdint>
#include <string>

#include "core/io/mmproj.h"
#include "examples/cli/flags.h"

namespace edgemma::cli {

Result<RgbImage> LoadImageRgb(const std::string& path, int64_t max_pixels) {
#ifdef EDGEMMA_HAVE_MEDIA
  ImageDecodeOptions options;
  options.max_pixels = max_pixels;
  return ReadImageFile(path, options);
#else
  (void)max_pixels;
  return Unsupported(path +
                     ": this edgemma was built without the media "
                     "library (libjpeg-turbo, libpng): image files cannot be "
                     "read");
#endif
}

Result<int64_t> ParseMaxPixels(const std::string& text) {
  int64_t v = 0;
  if (!ParseInt(text, 1, INT64_MAX, &v)) {
    return InvalidArgument("--max-pixels: expected a positive integer, got '" +
                           text + "'");
  }
  return v;
}

Result<int> ParseImageBudget(const std::string& text) {
  int64_t v = 0;
  if (!ParseInt(text, 1, 1 << 20, &v)) {
    return InvalidArgument("--budget: expected a number, got '" + text + "'");
  }
  EM_RETURN_IF_ERROR(CheckImageBudget(static_cast<int>(v)));
  return static_cast<int>(v);
}

Result<ImageProcessorParams> ImageParamsFromModel(const std::string& model) {
  EM_ASSIGN_OR_RETURN(std::unique_ptr<TowerWeights> towers,
                      TowerWeights::Open(model));
  const VisionDims& v = towers->dims().vision;
  if (!v.present) {
    return InvalidArgument(model + ": the model has no vision tower");
  }
  ImageProcessorParams params;
  params.patch_size = v.patch;
  params.pooling_kernel_size = v.pool;
  return params;
}

}  // namespace edgemma::cli
