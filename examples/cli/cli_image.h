// Image files for the CLI commands (image-preprocess, image-embed, logits/run
// --image, --video frames): JPEG/PNG/PPM -> RGB bytes through the media
// library, and the processor parameters of a model. A CLI built without
// edgemma_media reports that instead of reading.
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_IMAGE_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_IMAGE_H_

#include <cstdint>
#include <string>

#include "core/vision/preprocess.h"
#include "media/image_file.h"
#include "platform/status.h"

namespace edgemma::cli {

// Decodes `path` (format from its magic bytes, EXIF orientation applied,
// alpha dropped; see media/image_file.h). Errors name the file and the problem.
Result<RgbImage> LoadImageRgb(const std::string& path,
                              int64_t max_pixels = kDefaultMaxImagePixels);

// "--max-pixels N": a positive integer.
Result<int64_t> ParseMaxPixels(const std::string& text);

// "--budget B": one of kImageBudgets.
Result<int> ParseImageBudget(const std::string& text);

// patch_size / pooling_kernel_size from the vision_config of `model` (an HF
// directory or an mmproj .gguf); kInvalidArgument if it has no vision tower.
Result<ImageProcessorParams> ImageParamsFromModel(const std::string& model);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_IMAGE_H_
