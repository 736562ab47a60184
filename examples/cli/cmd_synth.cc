// `edgemma synth --config e2b|e4b|CONFIG.json [--format gguf|hf]
// [--tokenizer FILE] [--type T] [--shard-mib N] [--seed N] [--force] OUT`: a
// GGUF or an HF checkpoint directory with seeded random weights of a config's
// exact shapes (core/convert/synth_model.h), for benchmarks, demos and
// conversion tests without real weights.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/convert/synth_model.h"
#include "examples/cli/command.h"

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

// Parses a positive decimal integer; false on anything else.
bool ParseCount(const char* s, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtoull(s, &end, 10);
  return end != s && *end == '\0' && errno == 0 && s[0] != '-';
}

int Synth(int argc, char** argv) {
  SynthOptions opt;
  std::string out;
  bool type_given = false, shard_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((a == "--config" || a == "--tokenizer" || a == "--type" ||
                a == "--seed" || a == "--format" || a == "--shard-mib") &&
               !has_value) {
      std::fprintf(stderr, "edgemma synth: %s needs a value\n", a.c_str());
      return 2;
    } else if (a == "--config") {
      opt.config = argv[++i];
    } else if (a == "--tokenizer") {
      opt.tokenizer_path = argv[++i];
    } else if (a == "--type") {
      Result<QuantPreset> p = ParseQuantPreset(argv[++i]);
      if (!p.ok()) {
        std::fprintf(stderr, "edgemma synth: %s\n",
                     p.status().message().c_str());
        return 2;
      }
      opt.preset = p.value();
      type_given = true;
    } else if (a == "--format") {
      std::string f = argv[++i];
      if (f != "gguf" && f != "hf") {
        std::fprintf(stderr,
                     "edgemma synth: unknown --format '%s' (gguf, hf)\n",
                     f.c_str());
        return 2;
      }
      opt.format = f == "hf" ? SynthFormat::kHf : SynthFormat::kGguf;
    } else if (a == "--shard-mib") {
      uint64_t mib = 0;
      if (!ParseCount(argv[++i], &mib) || mib == 0 || mib > (1ull << 40)) {
        std::fprintf(stderr,
                     "edgemma synth: --shard-mib needs a positive integer\n");
        return 2;
      }
      opt.shard_bytes = mib << 20;
      shard_given = true;
    } else if (a == "--seed") {
      if (!ParseCount(argv[++i], &opt.seed)) {
        std::fprintf(stderr,
                     "edgemma synth: --seed needs a non-negative integer\n");
        return 2;
      }
    } else if (a == "--force") {
      opt.force = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "edgemma synth: unknown option '%s'\n%s", a.c_str(),
                   kUsage);
      return 2;
    } else if (out.empty()) {
      out = a;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (out.empty() || opt.config.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const bool hf = opt.format == SynthFormat::kHf;
  if ((hf && type_given) || (!hf && shard_given)) {
    std::fprintf(stderr, "edgemma synth: %s applies to --format %s only\n",
                 hf ? "--type" : "--shard-mib", hf ? "gguf" : "hf");
    return 2;
  }
  opt.out_path = out;
  opt.progress = TerminalProgress();
  QuantizeSummary summary;
  Status s = SynthModel(opt, &summary);
  if (!s.ok()) {
    std::fprintf(stderr, "edgemma synth: %s\n", s.ToString().c_str());
    return 1;
  }
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
