// `edgemma quantize IN_DIR OUT.gguf [--type T] [--keep-f16 GLOB]...
// [--tokenizer FILE]
// [--no-tokenizer] [--force]`: HF checkpoint directory -> one GGUF
// (core/io/quantize_model.h).
#include <cstdio>
#include <cstring>
#include <string>

#include "core/io/quantize_model.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma quantize IN_DIR OUT.gguf [options]\n"
    "  Converts a Hugging Face Gemma 4 checkpoint directory (config.json, "
    "safetensors,\n"
    "  tokenizer.json) into one GGUF holding the text model, its tokenizer and "
    "config.\n"
    "  Vision/audio towers are not converted (their configs are kept as "
    "metadata).\n"
    "options:\n"
    "  --type T          default | q4_0 | q8_0 | f16 | bf16 | f32 (default: "
    "Q4_0 linears,\n"
    "                    Q8_0 token embedding and PLE table, F32 norms)\n"
    "  --keep-f16 GLOB   keep tensors whose GGUF or HF name matches GLOB in "
    "F16 (repeatable)\n"
    "  --tokenizer FILE  tokenizer.json to embed (default: "
    "IN_DIR/tokenizer.json)\n"
    "  --no-tokenizer    write no tokenizer (the model then needs token ids)\n"
    "  --force           overwrite OUT.gguf if it exists\n";

int Quantize(int argc, char** argv) {
  QuantizeOptions opt;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edgemma quantize: %s needs a value\n", flag);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--type") {
      const char* v = value("--type");
      if (v == nullptr) return 2;
      Result<QuantPreset> p = ParseQuantPreset(v);
      if (!p.ok()) {
        std::fprintf(stderr, "edgemma quantize: %s\n",
                     p.status().message().c_str());
        return 2;
      }
      opt.preset = p.value();
    } else if (a == "--keep-f16") {
      const char* v = value("--keep-f16");
      if (v == nullptr) return 2;
      opt.keep_f16.push_back(v);
    } else if (a == "--tokenizer") {
      const char* v = value("--tokenizer");
      if (v == nullptr) return 2;
      opt.tokenizer_path = v;
    } else if (a == "--no-tokenizer") {
      opt.no_tokenizer = true;
    } else if (a == "--force") {
      opt.force = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "edgemma quantize: unknown option '%s'\n%s",
                   a.c_str(), kUsage);
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  opt.in_dir = positional[0];
  opt.out_path = positional[1];
  opt.progress = TerminalProgress();
  QuantizeSummary summary;
  Status s = QuantizeModel(opt, &summary);
  if (!s.ok()) {
    std::fprintf(stderr, "edgemma quantize: %s\n", s.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "edgemma quantize: wrote %s (%s)\n%s",
               opt.out_path.c_str(), QuantPresetName(opt.preset),
               DescribeSummary(summary).c_str());
  if (summary.skipped_tower_tensors > 0) {
    std::fprintf(
        stderr,
        "  %d vision/audio tower tensors not converted (text model only)\n",
        summary.skipped_tower_tensors);
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("quantize",
                "HF checkpoint directory -> one GGUF (q4_0/q8_0/f16/bf16)",
                Quantize);

}  // namespace edgemma::cli
