// RGB -> soft tokens (contracts in image_encoder.h).
#include "core/vision/image_encoder.h"

#include <algorithm>
#include <string>

namespace edgemma {

Result<std::unique_ptr<ImageEncoder>> ImageEncoder::Create(
    const TowerWeights& weights, const ImageEncoderOptions& options,
    const Kernels* kernels) {
  if (options.max_image_side < 1) {
    return InvalidArgument("image encoder: max_image_side must be >= 1");
  }
  std::unique_ptr<ImageEncoder> e(new ImageEncoder());
  e->options_ = options;
  EM_ASSIGN_OR_RETURN(e->encoder_,
                      VisionEncoder::Create(weights, options.encoder, kernels));
  e->params_.patch_size = e->encoder_->patch_size();
  e->params_.pooling_kernel_size = e->encoder_->pool_k();
  // The resize scratch of the largest image at any HF budget up to the
  // planned one.
  for (int b : kImageBudgets) {
    if (b > options.encoder.max_budget) break;
    e->scratch_bytes_ =
        std::max(e->scratch_bytes_,
                 PreprocessScratchBound(e->params_, b, options.max_image_side));
  }
  const size_t P = static_cast<size_t>(e->encoder_->max_patches());
  const size_t pix = size_t{3} * e->params_.patch_size * e->params_.patch_size;
  const int rows = e->plan_.Add("image.patches", P * pix * sizeof(float));
  const int pos = e->plan_.Add("image.positions", P * 2 * sizeof(int32_t));
  const int scratch = e->plan_.Add("image.resize", e->scratch_bytes_);
  EM_RETURN_IF_ERROR(e->arena_.Init(e->plan_));
  e->rows_ = e->arena_.RegionAs<float>(rows);
  e->positions_ = e->arena_.RegionAs<int32_t>(pos);
  e->scratch_ = e->arena_.Region(scratch);
  return e;
}

ImageEncoder::~ImageEncoder() = default;

Result<ImagePlan> ImageEncoder::Plan(int height, int width, int budget) const {
  EM_RETURN_IF_ERROR(CheckImageBudget(budget));
  if (budget > options_.encoder.max_budget) {
    return InvalidArgument("image budget " + std::to_string(budget) +
                           " is above the " +
                           std::to_string(options_.encoder.max_budget) +
                           " this encoder was planned for");
  }
  if (height > options_.max_image_side || width > options_.max_image_side) {
    return InvalidArgument("image of " + std::to_string(width) + "x" +
                           std::to_string(height) +
                           " pixels: a side is above the limit of " +
                           std::to_string(options_.max_image_side));
  }
  return PlanImage(params_, height, width, budget);
}

Result<int> ImageEncoder::CountSoftTokens(int height, int width,
                                          int budget) const {
  EM_ASSIGN_OR_RETURN(ImagePlan plan, Plan(height, width, budget));
  return plan.n_soft_tokens;
}

Result<int> ImageEncoder::Encode(const uint8_t* rgb, int height, int width,
                                 int budget, float* out, int64_t out_rows) {
  if (rgb == nullptr) return InvalidArgument("image encoder: no pixels");
  EM_ASSIGN_OR_RETURN(ImagePlan plan, Plan(height, width, budget));
  ImagePatches dst;
  dst.rows = rows_;
  dst.positions = positions_;
  dst.capacity = encoder_->max_patches();
  EM_RETURN_IF_ERROR(PreprocessImage(params_, plan, rgb, /*pad=*/false, dst,
                                     scratch_, scratch_bytes_));
  VisionInput in;
  in.patches = rows_;
  in.positions = positions_;
  in.rows = plan.n_patches;
  return encoder_->Encode(in, out, out_rows);
}

}  // namespace edgemma
