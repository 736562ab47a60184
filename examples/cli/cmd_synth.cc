// `edgemma synth --config e2b|e4b|CONFIG.json [--format gguf|hf]
// [--tokenizer FILE] [--type T] [--shard-mib N] [--seed N] [--force] OUT`: a
// GGUF or an HF checkpoint directory with seeded random weights of a config's
// exact shapes (core/convert/synth_model.h), for benchmarks, demos and
// conversion tests without real weights.
#include <cstdio>
#include <string>
#include <vector>

#include "core/convert/synth_model.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma synth --config e2b|e4b|CONFIG.json [options] OUT\n"
    "  Writes seeded random weights (not a trained model) of the config's "
    "shapes:\n"
    "  OUT is a GGUF file (--format gguf) or an HF checkpoint directory "
    "(--format hf:\n"
    "  config.json, tokenizer.json with --tokenizer, BF16 "
    "model-0000k-of-0000N.safetensors\n"
    "  + model.safetensors.index.json; the input `edgemma quantize` takes).\n"
    "options:\n"
    "  --format F        gguf (default) | hf\n"
    "  --tokenizer FILE  use this tokenizer.json (its vocabulary sets the "
    "vocab size; gguf:\n"
    "                    embedded, hf: copied); without it no tokenizer is "
    "written and\n"
    "                    token ids must be given\n"
    "  --type T          gguf only: default | q4_0 | q8_0 | f16 | bf16 | f32 "
    "(hf is BF16)\n"
    "  --shard-mib N     hf only: start a new shard before N MiB (default "
    "4096)\n"
    "  --seed N          random seed (default 0)\n"
    "  --force           overwrite OUT if it exists (hf: only a directory of "
    "checkpoint files)\n";

int Synth(int argc, char** argv) {
  SynthOptions opt;
  std::vector<std::string> outs;
  std::string format = "gguf";
  bool type_given = false, shard_given = false;
  int shard_mib = 0;
  Flags flags("synth", kUsage);
  flags.String("--config", &opt.config)
      .String("--tokenizer", &opt.tokenizer_path)
      .Parsed("--type", &opt.preset, ParseQuantPreset)
      .Given(&type_given)
      .Choice("--format", &format, {"gguf", "hf"})
      .Int("--shard-mib", &shard_mib, 1, 1 << 30)
      .Given(&shard_given)
      .Uint64("--seed", &opt.seed)
      .Switch("--force", &opt.force)
      .Positionals(&outs, 1, 1);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (opt.config.empty()) return flags.UsageError("--config is required");
  const bool hf = format == "hf";
  opt.format = hf ? SynthFormat::kHf : SynthFormat::kGguf;
  if (shard_given) opt.shard_bytes = static_cast<uint64_t>(shard_mib) << 20;
  if ((hf && type_given) || (!hf && shard_given)) {
    return flags.UsageError(std::string(hf ? "--type" : "--shard-mib") +
                            " applies to --format " + (hf ? "gguf" : "hf") +
                            " only");
  }
  const std::string& out = outs[0];
  opt.out_path = out;
  opt.progress = TerminalProgress();
  QuantizeSummary summary;
  Status s = SynthModel(opt, &summary);
  if (!s.ok()) return flags.Fail(s);
  std::fprintf(stderr,
               "edgemma synth: wrote %s (random weights, seed %llu, %s%s)\n%s",
               out.c_str(), static_cast<unsigned long long>(opt.seed),
               hf ? "hf bf16" : QuantPresetName(opt.preset),
               opt.tokenizer_path.empty() ? ", no tokenizer" : "",
               DescribeSummary(summary).c_str());
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("synth",
                "write a GGUF or HF checkpoint with seeded random weights",
                Synth);

}  // namespace edgemma::cli
