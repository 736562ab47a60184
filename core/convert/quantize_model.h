// HF checkpoint directory -> one memory-mappable GGUF (`edgemma quantize`).
//
// Reads config.json (+ generation_config.json), single or sharded safetensors,
// tokenizer.json and the chat template (chat_template.jinja, else
// tokenizer_config.json "chat_template"), and writes the text model with
// llama.cpp gemma4 tensor names plus all config as metadata (gguf_gemma4.h).
// The vision/audio towers go, as in llama.cpp, to a separate mmproj GGUF
// (mmproj_plan.h; default path `mmproj-<OUT basename>` beside OUT); their
// sub-configs also stay in the main file as edgemma.{vision,audio}_config.
// A text-only checkpoint writes no mmproj (summary.mmproj_note says so);
// --no-mmproj skips it (the tower tensors are counted as skipped).
//
// Main + mmproj are one transaction: both are written completely under
// staging names in their final directories (each through the writer's own
// temp + rename), then renamed into place, mmproj first; any failure removes
// every file this run created, so an error never leaves one file of the pair.
// (If the very last rename fails, the mmproj just moved into place is removed
// again; with --force the previous files are then already replaced.)
// Both paths are checked against --force before anything is written.
//
// Memory: tensors are converted in row chunks (~4 MiB of f32) read with
// pread(2) into a bounded buffer (MappedFile::ReadAt), never through the
// safetensors mapping: a read fault on a mapping also maps the kernel's
// fault-around window, so page-by-page MADV_DONTNEED still left neighbours
// resident and file-backed RSS grew with the checkpoint. The pages the header
// parse touched are dropped (MADV_DONTNEED) right after opening, so the
// mapping holds no resident pages during conversion and resident memory is the
// metadata plus a few row-chunk buffers (source rows, f32, converted rows, the
// writer's 1 MiB), whatever the checkpoint size (tests/convert/
// quantize_memory_test.cc). The output goes through write(2), not a mapping;
// the page cache (clean input, written-back output) is the kernel's to evict.
// Errors: missing inputs, missing
// tensors, shape mismatches and unsupported dtypes fail before the output is
// created; any failure leaves no output file behind.
#ifndef EDGEMMA_CORE_CONVERT_QUANTIZE_MODEL_H_
#define EDGEMMA_CORE_CONVERT_QUANTIZE_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/gguf_writer.h"
#include "core/io/safetensors.h"
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
  std::string mmproj_path;    // "" = DefaultMmprojPath(out_path)
  bool no_mmproj = false;     // write the text model only
  WriteProgress progress;     // optional
};

struct QuantizeSummary {
  int tensors = 0;
  int skipped_tower_tensors = 0;
  uint64_t data_bytes = 0;
  std::map<std::string, int> type_counts;      // "q4_0" -> tensors
  std::map<std::string, uint64_t> type_bytes;  // "q4_0" -> bytes
  std::string mmproj_path;  // the mmproj written, "" when none
  std::string mmproj_note;  // why none was written
  int mmproj_tensors = 0;
  uint64_t mmproj_bytes = 0;
  std::map<std::string, int> mmproj_type_counts;
};

Status QuantizeModel(const QuantizeOptions& opt, QuantizeSummary* summary);

// A progress callback for the CLI tools: on a terminal (isatty(stderr)) it
// redraws one line "tensor  done/total MiB  ETA"; otherwise it is null (quiet).
WriteProgress TerminalProgress();
// One line per type: "q4_0: 12 tensors, 3.4 MiB", for the tools' final summary.
std::string DescribeSummary(const QuantizeSummary& s);

// The chat template of an HF directory ("" when it has none).
Result<std::string> ReadChatTemplate(const std::string& dir);

// Streams one checkpoint tensor (F32/F16/BF16 rows, `cols` = its innermost
// dimension, 1 for a scalar) as `type` into `sink`, calling `row_hook` (may be
// null) on each f32 row before conversion. Reads the rows with pread in
// StreamRows' chunks (contract above): the mapping is not touched.
using RowHook = std::function<void(float* row, int64_t cols)>;
Status ConvertSourceTensor(const SafetensorsModel& st, const TensorInfo& src,
                           DType type, const RowHook& row_hook,
                           TensorSink& sink);

// Drops every resident page of the checkpoint's mappings (after the headers
// are parsed; ConvertSourceTensor never faults them back in).
void ReleaseSourcePages(const SafetensorsModel& st);

// Adds the planned tensors' types to *summary (shared with synth).
void CountTypes(const std::vector<PlannedTensor>& plan,
                const std::vector<DType>& types, QuantizeSummary* summary);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_QUANTIZE_MODEL_H_
