// The vision tower of a model for the CLI commands (image-embed, logits
// --image, run --image/--video): the towers found from the model path (its HF
// directory or the mmproj beside a GGUF), an ImageEncoder planned once for the
// largest budget used, and image files decoded through the media library.
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_VISION_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_VISION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/io/config.h"
#include "core/io/mmproj.h"
#include "core/vision/image_encoder.h"
#include "examples/cli/cli_media.h"
#include "media/image_file.h"
#include "platform/status.h"

namespace edgemma::cli {

struct VisionTool {
  std::unique_ptr<TowerWeights> towers;
  std::unique_ptr<ImageEncoder> encoder;
  int64_t max_pixels = kDefaultMaxImagePixels;
};

// A model without a vision tower is a clear kInvalidArgument naming it.
Result<std::shared_ptr<VisionTool>> OpenVision(const std::string& model_path,
                                               int max_budget, int threads,
                                               ActType act);

// Soft tokens [n, d_model] of an image file at `budget`; errors name the file.
Result<std::vector<float>> EncodeImageFile(VisionTool& v,
                                           const std::string& file, int budget);

// The --image source of `edgemma logits`: each file fills the next block of
// image placeholders (image_token_id) at `budget`.
Result<MediaSource> ImageSource(const std::string& model_path,
                                const Gemma4Config& cfg, int threads,
                                ActType act, int budget,
                                std::vector<std::string> files);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_VISION_H_
