// Image file decoding (media/image_file.h): any bytes as a whole image file
// (JPEG, PNG, PPM/PGM by magic bytes) decoded from memory. The pixel limit is
// small (kMaxPixels) so that most headers the fuzzer writes pass the check and
// reach the decoders, while larger ones exercise the limit. A decoded image is
// within the limit, its buffer matches its size, and the vision preprocessing
// can plan it at every budget.
#include <cstdint>

#include "core/vision/preprocess.h"
#include "media/image_file.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(image_file) {
  using namespace edgemma;
  constexpr int64_t kMaxPixels = int64_t{1} << 16;
  ImageDecodeOptions options;
  options.max_pixels = kMaxPixels;
  Result<RgbImage> img = DecodeImageFile(data, size, "fuzz.img", options);
  if (!img.ok()) {
    FUZZ_CHECK(!img.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(img->width > 0 && img->height > 0);
  FUZZ_CHECK(int64_t{img->width} * img->height <= kMaxPixels);
  FUZZ_CHECK(img->rgb.size() == static_cast<size_t>(img->width) *
                                    static_cast<size_t>(img->height) * 3);
  const ImageProcessorParams params;
  for (int budget : kImageBudgets) {
    Result<ImagePlan> plan = PlanImage(params, img->height, img->width, budget);
    if (!plan.ok()) {
      FUZZ_CHECK(!plan.status().message().empty());
      continue;
    }
    FUZZ_CHECK(plan->n_soft_tokens > 0 && plan->n_soft_tokens <= budget);
  }
  return 0;
}
