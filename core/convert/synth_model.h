// `edgemma synth`: seeded random weights of the exact shapes of a config,
// streaming (rows are generated on the fly, so a full-size E2B/E4B never sits
// in memory), in one of two formats:
//  - kGguf: a GGUF written through the same layout/metadata code as `edgemma
//    quantize` (gguf_gemma4.h).
//  - kHf: an HF checkpoint directory as the real release ships it: config.json
//    (the config text used; with a tokenizer, its vocab and special ids set as
//    for the GGUF), tokenizer.json (copied, only with a tokenizer) and BF16
//    safetensors `model-0000k-of-0000N.safetensors` (always the sharded
//    layout, even for N = 1: tensors in plan order, a new shard when the next
//    tensor would pass shard_bytes) + `model.safetensors.index.json`
//    ("metadata.total_size", "weight_map"). Text tensors are named
//    `model.language_model.<hf_name>` (`lm_head.weight` when untied), tower
//    tensors PlanTowerTensors' hf_name / hf_shape; optional tower tensors
//    (absent from the E2B/E4B checkpoints) are left out. Written into a
//    staging directory beside OUT and renamed into place at the end; any error
//    removes the staging directory. An existing OUT is refused unless force;
//    with force it is replaced only if it holds nothing but checkpoint files
//    (config/tokenizer/generation JSON, chat_template.jinja, *.safetensors,
//    the index), so a mistyped path cannot delete unrelated data.
//
// Values (chosen so a forward pass stays finite and well scaled): norms 1 +
// N(0, 0.05^2), linear weights N(0, 1/fan_in), token embedding N(0, 1/d_model),
// PLE table N(0, 1/d_ple), layer scalars 1. Every value is a pure function of
// (seed, tensor name, element index), so the output is byte-identical for a
// seed regardless of chunking. The key name is the GGUF name in both formats,
// so a text tensor of the HF checkpoint is the BF16 rounding (nearest even) of
// the same tensor in an f32 GGUF of the same seed. Tower tensors (HF only):
// 2-D+ weights N(0, 1/fan_in) with fan_in = numel / shape[0], norms and other
// 1-D scales 1 + N(0, 0.05^2), biases N(0, 0.05^2), clip bounds (*_min /
// *_max) -/+ kSynthClipBound (clipping inactive).
#ifndef EDGEMMA_CORE_CONVERT_SYNTH_MODEL_H_
#define EDGEMMA_CORE_CONVERT_SYNTH_MODEL_H_

#include <cstdint>
#include <string>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/quantize_model.h"
#include "core/io/config.h"

namespace edgemma {

class Tokenizer;

enum class SynthFormat { kGguf, kHf };

// Default shard cap of --format hf (the release's shards are a few GB).
inline constexpr uint64_t kDefaultSynthShardBytes = uint64_t{4} << 30;
inline constexpr float kSynthClipBound = 1024.0f;

struct SynthOptions {
  std::string config;  // "e2b", "e4b" (KnownConfigJson) or a config.json path
  std::string tokenizer_path;  // optional tokenizer.json: its vocabulary sets
                               // vocab/vocab_ple and its special ids; without
                               // it no tokenizer is written
  QuantPreset preset = QuantPreset::kDefault;  // kGguf only (kHf is BF16)
  SynthFormat format = SynthFormat::kGguf;
  uint64_t shard_bytes = kDefaultSynthShardBytes;  // kHf: cap per shard
  uint64_t seed = 0;
  bool force = false;
  std::string out_path;  // the .gguf file, or the kHf directory
  WriteProgress progress;
};

Status SynthModel(const SynthOptions& opt, QuantizeSummary* summary);

// Per-tensor key of the value stream: a hash of (seed, tensor name).
uint64_t SynthTensorKey(uint64_t seed, const std::string& name);
// Element `index` of a tensor: role kNorm -> 1 + 0.05 z, kScalar -> 1,
// otherwise std * z, with z ~ N(0, 1) a pure function of (key, index).
float SynthValue(uint64_t key, TensorRole role, float std, int64_t index);

// Shared by the two formats (synth_model.cc, synth_hf.cc).
// The config.json text for "e2b", "e4b" or a path.
Result<std::string> SynthConfigText(const std::string& name);
// The standard deviation SynthValue gets for a planned text tensor.
float SynthTextStd(const PlannedTensor& p, const TextConfig& t);
// The tokenizer's vocabulary and special ids replace the config's (vocab,
// vocab_ple when d_ple > 0, bos/eos/pad where the tokenizer has them; eos_ids
// keeps the ids the new vocabulary covers, else [eos_id]).
void ApplySynthTokenizer(const Tokenizer& tok, Gemma4Config& cfg);
// The kHf writer (SynthModel dispatches to it).
Status SynthHfCheckpoint(const SynthOptions& opt, QuantizeSummary* summary);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_SYNTH_MODEL_H_
