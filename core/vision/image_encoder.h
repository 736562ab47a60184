// RGB pixels -> soft tokens: the exact preprocessing (preprocess.h) into
// planned patch buffers, then the vision encoder (encoder.h). The runtime
// takes pixels, never files (media/ decodes files for applications).
//
// Memory: the patch rows, positions and resize scratch are planned once at
// Create() (for max_budget and images whose sides are <= max_image_side), next
// to the encoder's own arena; Encode() allocates nothing. One thread at a
// time; the TowerWeights must outlive the object.
#ifndef EDGEMMA_CORE_VISION_IMAGE_ENCODER_H_
#define EDGEMMA_CORE_VISION_IMAGE_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/base/arena.h"
#include "core/io/mmproj.h"
#include "core/vision/encoder.h"
#include "core/vision/preprocess.h"
#include "platform/status.h"

namespace edgemma {

struct ImageEncoderOptions {
  VisionEncoderOptions encoder;  // max_budget, threads, activations
  int max_image_side = 8192;     // larger images are refused (resize scratch)
};

class ImageEncoder {
 public:
  static Result<std::unique_ptr<ImageEncoder>> Create(
      const TowerWeights& weights, const ImageEncoderOptions& options,
      const Kernels* kernels = nullptr);
  ~ImageEncoder();
  ImageEncoder(const ImageEncoder&) = delete;
  ImageEncoder& operator=(const ImageEncoder&) = delete;

  // Soft tokens an image of height x width gives at `budget` (one of 70, 140,
  // 280, 560, 1120): the N of its <|image> N x <|image|> <image|> block.
  Result<int> CountSoftTokens(int height, int width, int budget) const;
  // rgb: [height, width, 3] row-major bytes. Writes out[n_soft, text_d]
  // (out_rows >= n_soft) and returns n_soft. Errors name the problem (budget
  // not allowed or above max_budget, a side above max_image_side, ...).
  Result<int> Encode(const uint8_t* rgb, int height, int width, int budget,
                     float* out, int64_t out_rows);

  VisionEncoder& encoder() { return *encoder_; }
  int text_d() const { return encoder_->text_d(); }
  int max_soft_tokens() const { return encoder_->max_soft_tokens(); }
  size_t arena_bytes() const {
    return plan_.total_bytes() + encoder_->arena_bytes();
  }

 private:
  ImageEncoder() = default;
  Result<ImagePlan> Plan(int height, int width, int budget) const;

  ImageEncoderOptions options_;
  ImageProcessorParams params_;
  std::unique_ptr<VisionEncoder> encoder_;
  ArenaPlan plan_;
  Arena arena_;
  float* rows_ = nullptr;         // [max_patches, 3pp]
  int32_t* positions_ = nullptr;  // [max_patches, 2]
  void* scratch_ = nullptr;       // resize scratch
  size_t scratch_bytes_ = 0;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_VISION_IMAGE_ENCODER_H_
