// Vision preprocessing (core/vision/preprocess.h) on arbitrary sizes, processor
// parameters and pixels. Input: bytes 0-3 height and width (int16 each, so
// also 0 and negative), byte 4 scales both up (bit 0: x 2^15, reaching the int
// limit) and picks padding (bit 1), byte 5 the budget (one of kImageBudgets,
// or a raw invalid value), bytes 6-7 patch_size and pooling_kernel_size (near
// and beyond their limits); the rest are the pixels, repeated to fill the
// image. A plan that succeeds is consistent and within PreprocessScratchBound;
// when the image is small enough to hold here it is preprocessed into buffers
// of exactly the planned sizes (ASan sees any overrun) and every value is a
// rescaled byte at a position inside the patch grid.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/vision/preprocess.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

// Images preprocessed here (larger ones are only planned), so that one input
// takes a few milliseconds under ASan: the real parameters (p 16, k 3) give at
// least 484k floats and are only planned (vision_preprocess_test has them
// against the reference); smaller patches (p 8 at budget 70: 121k) run the
// same resize and patch code.
constexpr int64_t kMaxPixels = int64_t{1} << 14;
constexpr int64_t kMaxOutputFloats = int64_t{1} << 17;

int16_t I16(const uint8_t* p) {
  return static_cast<int16_t>(static_cast<uint16_t>(p[0] | p[1] << 8));
}

}  // namespace

EDGEMMA_FUZZ_TARGET(image_preprocess) {
  using namespace edgemma;
  if (size < 8) return 0;
  const bool big = data[4] & 1, pad = data[4] & 2;
  const int64_t h64 = I16(data) * (big ? int64_t{1} << 15 : 1);
  const int64_t w64 = I16(data + 2) * (big ? int64_t{1} << 15 : 1);
  const int height = static_cast<int>(h64), width = static_cast<int>(w64);
  const int budget = data[5] % 8 < 5 ? kImageBudgets[data[5] % 8] : data[5];
  ImageProcessorParams params;
  params.patch_size = data[6] % 2 ? data[6] / 2 : 16 - data[6] / 32;
  params.pooling_kernel_size = data[7] % 2 ? data[7] / 8 : 3;
  const uint8_t* pixels = data + 8;
  const size_t n_pixels = size - 8;

  Result<ImagePlan> plan = PlanImage(params, height, width, budget);
  if (!plan.ok()) {
    FUZZ_CHECK(!plan.status().message().empty());
    return 0;
  }
  const int p = params.patch_size, k = params.pooling_kernel_size;
  FUZZ_CHECK(plan->in_h == height && plan->in_w == width);
  FUZZ_CHECK(plan->out_h > 0 && plan->out_w > 0);
  FUZZ_CHECK(plan->out_h % (k * p) == 0 && plan->out_w % (k * p) == 0);
  FUZZ_CHECK(plan->grid_h * p == plan->out_h &&
             plan->grid_w * p == plan->out_w);
  FUZZ_CHECK(plan->n_patches == plan->grid_h * plan->grid_w);
  FUZZ_CHECK(plan->n_patches <= plan->max_patches);
  FUZZ_CHECK(int64_t{plan->max_patches} == int64_t{budget} * k * k);
  FUZZ_CHECK(plan->n_soft_tokens > 0 && plan->n_soft_tokens <= budget);
  FUZZ_CHECK(plan->patch_dim == 3 * p * p);
  FUZZ_CHECK(
      plan->scratch_bytes <=
      PreprocessScratchBound(params, budget, height > width ? height : width));

  const int rows = pad ? plan->max_patches : plan->n_patches;
  if (int64_t{height} * width > kMaxPixels ||
      int64_t{rows} * plan->patch_dim > kMaxOutputFloats) {
    return 0;
  }
  std::vector<uint8_t> rgb(static_cast<size_t>(height) * width * 3);
  for (size_t i = 0; i < rgb.size(); ++i) {
    rgb[i] = n_pixels ? pixels[i % n_pixels] : static_cast<uint8_t>(i);
  }
  std::vector<float> out(static_cast<size_t>(rows) * plan->patch_dim, -1.f);
  std::vector<int32_t> pos(static_cast<size_t>(rows) * 2, -7);
  std::vector<uint8_t> scratch(plan->scratch_bytes);
  const ImagePatches dst{out.data(), pos.data(), rows};
  // Exactly the planned sizes: one row or one scratch byte short fails.
  FUZZ_CHECK(PreprocessImage(params, *plan, rgb.data(), pad, dst,
                             scratch.data(), scratch.size())
                 .ok());
  if (plan->scratch_bytes > 0) {
    FUZZ_CHECK(!PreprocessImage(params, *plan, rgb.data(), pad, dst,
                                scratch.data(), scratch.size() - 1)
                    .ok());
  }
  const float top = static_cast<float>(255.0 * params.rescale_factor);
  for (int r = 0; r < rows; ++r) {
    const int32_t x = pos[2 * r], y = pos[2 * r + 1];
    const float* v = out.data() + static_cast<size_t>(r) * plan->patch_dim;
    if (r < plan->n_patches) {
      FUZZ_CHECK(x == r % plan->grid_w && y == r / plan->grid_w);
      for (int i = 0; i < plan->patch_dim; ++i) {
        FUZZ_CHECK(v[i] >= 0.f && v[i] <= top);
      }
    } else {
      FUZZ_CHECK(x == -1 && y == -1);
      for (int i = 0; i < plan->patch_dim; ++i) FUZZ_CHECK(v[i] == 0.f);
    }
  }
  return 0;
}
