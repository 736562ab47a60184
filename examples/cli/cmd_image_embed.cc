// `edgemma image-embed --model PATH --image F --budget B --out emb.npy`: an
// image file -> its soft tokens in the text space (preprocessing, vision
// encoder, embedder), float32 [n_soft, d_model].
#include <cstdio>
#include <string>
#include <vector>

#include "examples/cli/cli_image.h"
#include "examples/cli/cli_vision.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "tools/npy.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "image-embed";
constexpr char kUsage[] =
    "usage: edgemma image-embed --model PATH --image F --out emb.npy\n"
    "                           [--budget B] [--threads N] [--act q8|f32]\n"
    "                           [--max-pixels N]\n"
    "  PATH: an HF checkpoint directory, or a GGUF model with the\n"
    "        mmproj-<name>.gguf `edgemma quantize` wrote beside it, or that\n"
    "        mmproj itself.\n"
    "  F: JPEG, PNG or binary PPM/PGM.\n"
    "  B: soft-token budget, one of 70, 140, 280, 560, 1120 (default 280);\n"
    "     the image gives N <= B soft tokens, N = (h/48) * (w/48) of its\n"
    "     resized size.\n"
    "  Writes float32 [N, d_model]: the soft tokens that replace the image's\n"
    "  N <|image|> placeholders (not scaled by sqrt(d_model)).\n"
    "  --act: activations of Q4_0/Q8_0 tower weights, q8 (default) or f32.\n";

int ImageEmbed(int argc, char** argv) {
  std::string model, image, out, budget_s = "280", threads_s = "1",
                                 act_s = "q8", max_pixels_s;
  Flags flags(kCmd, kUsage);
  flags.String("--model", &model)
      .String("--image", &image)
      .String("--out", &out)
      .String("--budget", &budget_s)
      .String("--threads", &threads_s)
      .String("--act", &act_s)
      .String("--max-pixels", &max_pixels_s);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (model.empty() || image.empty() || out.empty())
    return flags.UsageError("--model, --image and --out are required");
  Result<int> budget = ParseImageBudget(budget_s);
  if (!budget.ok()) return flags.UsageError(budget.status().message());
  const int threads = std::atoi(threads_s.c_str());
  if (threads < 1 || threads > 256)
    return flags.UsageError("--threads: expected 1..256, got " + threads_s);
  ActType act;
  if (!ParseActType(act_s.c_str(), &act))
    return flags.UsageError("--act must be q8 or f32");
  auto v = OpenVision(model, budget.value(), threads, act);
  if (!v.ok()) return flags.Fail(v.status().ToString());
  if (!max_pixels_s.empty()) {
    Result<int64_t> m = ParseMaxPixels(max_pixels_s);
    if (!m.ok()) return flags.UsageError(m.status().message());
    v.value()->max_pixels = m.value();
  }
  auto emb = EncodeImageFile(*v.value(), image, budget.value());
  if (!emb.ok()) return flags.Fail(emb.status().ToString());
  const int64_t d = v.value()->encoder->text_d();
  const int64_t n = static_cast<int64_t>(emb->size()) / d;
  Status st = WriteNpyF32(out, emb->data(), {n, d});
  if (!st.ok()) return flags.Fail(st.ToString());
  std::printf("%s: %lld soft tokens x %lld (budget %d)\n", image.c_str(),
              static_cast<long long>(n), static_cast<long long>(d),
              budget.value());
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("image-embed",
                "image file -> soft tokens [N, d_model] as .npy (vision tower)",
                ImageEmbed);

}  // namespace edgemma::cli
