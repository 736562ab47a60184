// `edgemma quantize IN_DIR OUT.gguf [--type T] [--keep-f16 GLOB]...
// [--tokenizer FILE] [--no-tokenizer] [--mmproj PATH] [--no-mmproj] [--force]`:
// HF checkpoint directory -> one GGUF for the text model plus llama.cpp's
// separate mmproj GGUF for the vision/audio towers
// (core/convert/quantize_model.h).
#include <cstdio>
#include <cstring>
#include <string>

#include "core/convert/quantize_model.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma quantize IN_DIR OUT.gguf [options]\n"
    "  Converts a Hugging Face Gemma 4 checkpoint directory (config.json, "
    "safetensors,\n"
    "  tokenizer.json) into one GGUF holding the text model, its tokenizer and "
    "config,\n"
    "  plus (as llama.cpp does) a separate mmproj GGUF with the vision and "
    "audio towers.\n"
    "options:\n"
    "  --type T          default | q4_0 | q8_0 | f16 | bf16 | f32 (default: "
    "Q4_0 linears,\n"
    "                    Q8_0 token embedding and PLE table, F32 norms)\n"
    "  --keep-f16 GLOB   keep tensors whose GGUF or HF name matches GLOB in "
    "F16 (repeatable)\n"
    "  --tokenizer FILE  tokenizer.json to embed (default: "
    "IN_DIR/tokenizer.json)\n"
    "  --no-tokenizer    write no tokenizer (the model then needs token ids)\n"
    "  --mmproj PATH     where to write the towers (default: "
    "mmproj-<OUT name> beside OUT;\n"
    "                    tower linears follow --type, default Q8_0)\n"
    "  --no-mmproj       convert the text model only\n"
    "  --force           overwrite OUT.gguf (and the mmproj) if they exist\n";

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
    } else if (a == "--mmproj") {
      const char* v = value("--mmproj");
      if (v == nullptr) return 2;
      opt.mmproj_path = v;
    } else if (a == "--no-mmproj") {
      opt.no_mmproj = true;
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
  if (opt.no_mmproj && !opt.mmproj_path.empty()) {
    std::fprintf(stderr,
                 "edgemma quantize: --mmproj and --no-mmproj exclude each "
                 "other\n");
    return 2;
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
  if (!summary.mmproj_path.empty()) {
    std::fprintf(stderr, "edgemma quantize: wrote %s (%d tensors, %.2f MiB:",
                 summary.mmproj_path.c_str(), summary.mmproj_tensors,
                 summary.mmproj_bytes / 1048576.0);
    for (const auto& [type, n] : summary.mmproj_type_counts)
      std::fprintf(stderr, " %s %d", type.c_str(), n);
    std::fprintf(stderr, ")\n");
  } else {
    std::fprintf(stderr, "edgemma quantize: %s\n", summary.mmproj_note.c_str());
  }
  if (summary.skipped_tower_tensors > 0) {
    std::fprintf(stderr, "  %d vision/audio tower tensors not converted\n",
                 summary.skipped_tower_tensors);
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("quantize",
                "HF checkpoint directory -> one GGUF (q4_0/q8_0/f16/bf16)",
                Quantize);

}  // namespace edgemma::cli
