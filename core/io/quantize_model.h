// HF checkpoint directory -> one memory-mappable GGUF (`edgemma quantize`).
//
// Reads config.json (+ generation_config.json), single or sharded safetensors,
// tokenizer.json and the chat template (chat_template.jinja, else
// tokenizer_config.json "chat_template"), and writes the text model with
// llama.cpp gemma4 tensor names plus all config as metadata (gguf_gemma4.h).
// Vision/audio towers are NOT written: the file holds the text model only
// (llama.cpp-loadable; llama.cpp keeps towers in a separate mmproj file), their
// sub-configs are kept as edgemma.{vision,audio}_config JSON text. The count of
// skipped tower tensors is reported.
//
// Memory: tensors are converted in row chunks (~4 MiB of f32) straight from the
// mapping, and pages behind the cursor are dropped (MADV_DONTNEED), so resident
// memory stays bounded whatever the model size. Errors: missing inputs, missing
// tensors, shape mismatches and unsupported dtypes fail before the output is
// created; any failure leaves no output file behind.
#ifndef EDGEMMA_CORE_IO_QUANTIZE_MODEL_H_
#define EDGEMMA_CORE_IO_QUANTIZE_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/io/gguf_gemma4.h"
#include "core/io/gguf_writer.h"
#include "platform/status.h"

namespace edgemma {

struct QuantizeOptions {
  std::string in_dir;
  std::string out_path;
  QuantPreset preset = QuantPreset::kDefault;
  std::vector<std::string> keep_f16;  // fnmatch globs on GGUF or HF names
  bool force = false;                 // overwrite an existing output
  std::string tokenizer_path;         // "" = <in_dir>/tokenizer.json
  bool no_tokenizer = false;  // write no tokenizer (edgemma.tokenizer = "none")
  WriteProgress progress;     // optional
};

struct QuantizeSummary {
  int tensors = 0;
  int skipped_tower_tensors = 0;
  uint64_t data_bytes = 0;
  std::map<std::string, int> type_counts;      // "q4_0" -> tensors
  std::map<std::string, uint64_t> type_bytes;  // "q4_0" -> bytes
};

Status QuantizeModel(const QuantizeOptions& opt, QuantizeSummary* summary);

// A progress callback for the CLI tools: on a terminal (isatty(stderr)) it
// redraws one line "tensor  done/total MiB  ETA"; otherwise it is null (quiet).
WriteProgress TerminalProgress();
// One line per type: "q4_0: 12 tensors, 3.4 MiB", for the tools' final summary.
std::string DescribeSummary(const QuantizeSummary& s);

// The chat template of an HF directory ("" when it has none).
Result<std::string> ReadChatTemplate(const std::string& dir);

// Adds the planned tensors' types to *summary (shared with synth).
void CountTypes(const std::vector<PlannedTensor>& plan,
                const std::vector<DType>& types, QuantizeSummary* summary);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_QUANTIZE_MODEL_H_
