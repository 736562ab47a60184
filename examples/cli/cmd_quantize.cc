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
#include "examples/cli/flags.h"

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
  Flags flags("quantize", kUsage);
  flags.Parsed("--type", &opt.preset, ParseQuantPreset)
      .Strings("--keep-f16", &opt.keep_f16)
      .String("--tokenizer", &opt.tokenizer_path)
      .Switch("--no-tokenizer", &opt.no_tokenizer)
      .String("--mmproj", &opt.mmproj_path)
      .Switch("--no-mmproj", &opt.no_mmproj)
      .Switch("--force", &opt.force)
      .Positionals(&positional, 2, 2);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (opt.no_mmproj && !opt.mmproj_path.empty())
    return flags.UsageError("--mmproj and --no-mmproj exclude each other");
  opt.in_dir = positional[0];
  opt.out_path = positional[1];
  opt.progress = TerminalProgress();
  QuantizeSummary summary;
  Status s = QuantizeModel(opt, &summary);
  if (!s.ok()) return flags.Fail(s);
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
