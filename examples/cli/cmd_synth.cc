// `edgemma synth --config e2b|e4b|CONFIG.json [--tokenizer FILE] [--type T]
// [--seed N]
// [--force] OUT.gguf`: a GGUF with seeded random weights of a config's exact
// shapes (core/io/synth_model.h), for benchmarks and end-to-end demos without
// real weights.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/io/synth_model.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma synth --config e2b|e4b|CONFIG.json [options] OUT.gguf\n"
    "  Writes a GGUF with seeded random weights (not a trained model) of the "
    "config's shapes.\n"
    "options:\n"
    "  --tokenizer FILE  embed this tokenizer.json (its vocabulary sets the "
    "vocab size);\n"
    "                    without it no tokenizer is written and token ids must "
    "be given\n"
    "  --type T          default | q4_0 | q8_0 | f16 | bf16 | f32\n"
    "  --seed N          random seed (default 0)\n"
    "  --force           overwrite OUT.gguf if it exists\n";

int Synth(int argc, char** argv) {
  SynthOptions opt;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((a == "--config" || a == "--tokenizer" || a == "--type" ||
                a == "--seed") &&
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
    } else if (a == "--seed") {
      char* end = nullptr;
      opt.seed = std::strtoull(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0') {
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
               QuantPresetName(opt.preset),
               opt.tokenizer_path.empty() ? ", no tokenizer" : "",
               DescribeSummary(summary).c_str());
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("synth", "write a GGUF with seeded random weights for a config",
                Synth);

}  // namespace edgemma::cli
