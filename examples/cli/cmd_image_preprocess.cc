// `edgemma image-preprocess --image F --budget B --out patches.npy
// --pos-out pos.npy`: an image file -> the vision tower's input, exactly as
// the reference's preprocess_image (core/vision/preprocess.h).
#include <cstdio>
#include <string>
#include <vector>

#include "core/vision/preprocess.h"
#include "examples/cli/cli_image.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "tools/npy.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "image-preprocess";
constexpr char kUsage[] =
    "usage: edgemma image-preprocess --image F --budget B --out patches.npy\n"
    "                                --pos-out pos.npy [--model PATH]\n"
    "                                [--no-pad] [--max-pixels N]\n"
    "  F: JPEG, PNG or binary PPM/PGM (type from the magic bytes; EXIF\n"
    "     orientation applied; alpha dropped).\n"
    "  B: soft-token budget, one of 70, 140, 280, 560, 1120 (default 280).\n"
    "  Writes float32 [9B, 3*p*p] patch rows in [0, 1] ((dy, dx, c) order,\n"
    "  patches in raster order) and int32 [9B, 2] positions (x = column,\n"
    "  y = row; -1 for the padding rows), 9B = B * k^2 for pooling kernel k.\n"
    "  --model PATH  take patch size p and pooling kernel k from this model's\n"
    "                vision_config (HF directory or mmproj .gguf); default\n"
    "                p = 16, k = 3 (every Gemma 4 checkpoint)\n"
    "  --no-pad      write only the real patch rows\n"
    "  --max-pixels N  refuse larger images (default 67108864)\n"
    "  Prints one line: the resized size and the soft-token count.\n";

int ImagePreprocess(int argc, char** argv) {
  std::string image, out, pos_out, model;
  int budget = kDefaultImageBudget;
  int64_t max_pixels = kDefaultMaxImagePixels;
  bool no_pad = false;
  Flags flags(kCmd, kUsage);
  flags.String("--image", &image)
      .Parsed("--budget", &budget, ParseImageBudget)
      .String("--out", &out)
      .String("--pos-out", &pos_out)
      .String("--model", &model)
      .Parsed("--max-pixels", &max_pixels, ParseMaxPixels)
      .Switch("--no-pad", &no_pad);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (image.empty() || out.empty() || pos_out.empty()) {
    return flags.UsageError("--image, --out and --pos-out are required");
  }
  ImageProcessorParams params;
  if (!model.empty()) {
    Result<ImageProcessorParams> p = ImageParamsFromModel(model);
    if (!p.ok()) return flags.Fail(p.status());
    params = p.value();
  }
  Result<RgbImage> img = LoadImageRgb(image, max_pixels);
  if (!img.ok()) return flags.Fail(img.status());
  Result<ImagePlan> plan = PlanImage(params, img->height, img->width, budget);
  if (!plan.ok()) return flags.Fail(image + ": " + plan.status().message());
  const int rows = no_pad ? plan->n_patches : plan->max_patches;
  std::vector<float> patches(static_cast<size_t>(rows) * plan->patch_dim);
  std::vector<int32_t> pos(static_cast<size_t>(rows) * 2);
  std::vector<uint8_t> scratch(plan->scratch_bytes);
  Status s = PreprocessImage(params, *plan, img->rgb.data(), !no_pad,
                             {patches.data(), pos.data(), rows}, scratch.data(),
                             scratch.size());
  if (s.ok()) s = WriteNpyF32(out, patches.data(), {rows, plan->patch_dim});
  if (s.ok()) s = WriteNpyI32(pos_out, pos.data(), {rows, 2});
  if (!s.ok()) return flags.Fail(s);
  std::printf(
      "%s: %dx%d -> %dx%d, %d patches (%d rows), %d soft tokens (budget %d)\n",
      image.c_str(), img->width, img->height, plan->out_w, plan->out_h,
      plan->n_patches, rows, plan->n_soft_tokens, budget);
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("image-preprocess",
                "image file -> vision patch rows + positions (.npy)",
                ImagePreprocess);

}  // namespace edgemma::cli
