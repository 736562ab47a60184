// What a Gemma 4 GGUF holds, shared by `edgemma quantize` (HF checkpoint ->
// GGUF) and `edgemma synth` (random weights -> GGUF): the text tensor plan
// (llama.cpp gemma4 names, HF names, PyTorch-order shapes, all derived from the
// config), the per-tensor type policy, and the metadata writers (config keys,
// tokenizer keys). ConfigFromGguf (gguf_config.cc) is the inverse.
#ifndef EDGEMMA_CORE_CONVERT_GGUF_GEMMA4_H_
#define EDGEMMA_CORE_CONVERT_GGUF_GEMMA4_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/convert/gguf_writer.h"
#include "core/io/config.h"
#include "platform/status.h"
#include "quant/types.h"

namespace edgemma {

class Tokenizer;

// How a tensor's values look (synth uses it to pick a distribution).
enum class TensorRole {
  kEmbedding,
  kTiedHead,  // output.weight of a tied model: a copy of the embedding
  kPleTable,
  kLinear,
  kNorm,
  kScalar,
  kRopeFreqs
};

struct PlannedTensor {
  std::string gguf_name;       // "blk.3.attn_q.weight"
  std::string hf_name;         // without the model prefix
                               // ("layers.3.self_attn.q_proj.weight");
                               // "" for generated tensors (rope_freqs)
  std::vector<int64_t> shape;  // PyTorch order, [out, in] for matrices
  TensorRole role = TensorRole::kLinear;
};

// The text model's tensors for `cfg`, in file order. KV-shared layers carry no
// k/v/k_norm; k_eq_v full layers no v; no PLE tensors when d_ple == 0;
// output.weight when untied, or when `tied_head_copy` (see StoresTiedHeadCopy):
// then a tied model's output.weight is planned as a copy of the embedding
// (role kTiedHead, same source tensor), so the LM head gets its own type.
std::vector<PlannedTensor> PlanTextTensors(const Gemma4Config& cfg,
                                           bool tied_head_copy = false);

// --type presets. kDefault: Q4_0 linears, Q8_0 token embedding, kDefaultPleType
// PLE table, and a tied LM head stored as its own Q4_0 output.weight.
enum class QuantPreset { kDefault, kQ4_0, kQ8_0, kF16, kBF16, kF32 };
Result<QuantPreset> ParseQuantPreset(
    const std::string& name);  // "default", "q4_0", ...
const char* QuantPresetName(QuantPreset p);

// Whether a preset stores a tied LM head as its own output.weight: the
// default mix does (the gather table stays Q8_0 and is read row by row, never
// resident; the head, streamed whole every token, is 4-bit). Other presets keep
// one table.
inline bool StoresTiedHeadCopy(QuantPreset p) {
  return p == QuantPreset::kDefault;
}

// The default mix's LM head (the tied head's copy, or an untied head): Q4_0.
// Measured (tests/gemma4/head_type_test.cc, tiny models, only the table
// quantized, top-1 over 245 golden rows): a Q4_0 *head* keeps 218/209 of 245
// (e2b/e4b; Q8_0 243/244, every decisive row but 3 on e4b), while a Q4_0
// *embedding gather* drops to 117/121 (Q8_0 226/234): the error of a gathered
// row is carried through every layer, the head's only into the logits. Cost on
// E2B: the head is read whole per token, 0.23 GB in Q4_0 vs 0.43 GB Q8_0
// resident; the Q8_0 gather table (0.43 GB, file only) stays out of RSS.
inline constexpr DType kDefaultLmHeadType = DType::kQ4_0;

// The default mix's choices for the two lookup tables. Q8_0 over Q4_0 by
// measurement on the tiny models (tests/convert/gguf_logits_test.cc): max logit
// error vs the bf16 run 0.81 / 0.72 of max|logit| with Q8_0 tables vs 0.88 /
// 0.97 all-Q4_0 (e2b / e4b). Cost on real E2B: the PLE table is 2.37 GiB in
// Q8_0 vs 1.26 GiB in Q4_0 (mmapped, only gathered rows resident).
inline constexpr DType kDefaultEmbeddingType = DType::kQ8_0;
inline constexpr DType kDefaultPleType = DType::kQ8_0;

// Type policy: 1-D tensors, scalars and rope_freqs F32; 2-D tensors the
// preset's type, F16 when the row length is not a multiple of 32 (block types)
// or when a --keep-f16 glob (fnmatch) matches the GGUF or HF name.
DType ChooseTensorType(const PlannedTensor& t, QuantPreset preset,
                       const std::vector<std::string>& keep_f16);

// rope_freqs.weight values: 1.0 for the rotated pairs of full layers, 1e30 for
// the rest
// ([global_head_dim / 2]).
std::vector<float> RopeFreqs(const Gemma4Config& cfg);

// general.*, gemma4.* and edgemma.* keys for `cfg`. `source` goes to
// edgemma.source.
void WriteConfigMetadata(const Gemma4Config& cfg, QuantPreset preset,
                         const std::string& name, const std::string& source,
                         GgufWriter& w);
// tokenizer.ggml.* keys as llama.cpp writes them (model "gemma4") plus the
// edgemma.tokenizer.* lookup tables (WriteTokenizerTables), special ids
// from `cfg`, plus tokenizer.chat_template when non-empty. Errors if the
// tokenizer's vocabulary exceeds cfg.text.vocab (the embedding would not cover
// it). with_tables = false leaves out the edgemma.tokenizer.* tables (a file
// as llama.cpp's converter would write it; for tests and benchmarks).
Status WriteTokenizerMetadata(const Tokenizer& tok, const Gemma4Config& cfg,
                              const std::string& chat_template, GgufWriter& w,
                              bool with_tables = true);
// Adds the edgemma.tokenizer.* lookup tables of `tok` (layout:
// core/text/tokenizer_builder.h), after the tokenizer.ggml.* keys.
void WriteTokenizerTables(const Tokenizer& tok, GgufWriter& w);
// Marks a file without tokenizer (edgemma.tokenizer = "none"): callers must
// feed token ids.
void WriteNoTokenizerMetadata(GgufWriter& w);

// Streams `rows` rows of `cols` floats, produced by `fill(row0, nrows, dst)`
// into a bounded scratch (at most ~4 MiB of f32), converted to `type`, into
// `sink`.
using RowFiller =
    std::function<Status(int64_t row0, int64_t nrows, float* dst)>;
Status StreamRows(DType type, int64_t rows, int64_t cols, const RowFiller& fill,
                  TensorSink& sink);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_GGUF_GEMMA4_H_
