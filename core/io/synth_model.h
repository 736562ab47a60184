// `edgemma synth`: a GGUF with seeded random weights of the exact shapes of a
// config, written through the same layout/metadata code as `edgemma quantize`
// (gguf_gemma4.h), streaming: rows are generated on the fly, so a full-size
// E2B/E4B never sits in memory.
//
// Values (chosen so a forward pass stays finite and well scaled): norms 1 +
// N(0, 0.05^2), linear weights N(0, 1/fan_in), token embedding N(0, 1/d_model),
// PLE table N(0, 1/d_ple), layer scalars 1. Every value is a pure function of
// (seed, tensor name, element index), so the output is byte-identical for a
// seed regardless of chunking.
#ifndef EDGEMMA_CORE_IO_SYNTH_MODEL_H_
#define EDGEMMA_CORE_IO_SYNTH_MODEL_H_

#include <cstdint>
#include <string>

#include "core/io/config.h"
#include "core/io/gguf_gemma4.h"
#include "core/io/quantize_model.h"

namespace edgemma {

struct SynthOptions {
  std::string config;  // "e2b", "e4b" (KnownConfigJson) or a config.json path
  std::string tokenizer_path;  // optional tokenizer.json: its vocabulary sets
                               // vocab/vocab_ple and its special ids; without
                               // it no tokenizer is written
  QuantPreset preset = QuantPreset::kDefault;
  uint64_t seed = 0;
  bool force = false;
  std::string out_path;
  WriteProgress progress;
};

Status SynthModel(const SynthOptions& opt, QuantizeSummary* summary);

// Per-tensor key of the value stream: a hash of (seed, tensor name).
uint64_t SynthTensorKey(uint64_t seed, const std::string& name);
// Element `index` of a tensor: role kNorm -> 1 + 0.05 z, kScalar -> 1,
// otherwise std * z, with z ~ N(0, 1) a pure function of (key, index).
float SynthValue(uint64_t key, TensorRole role, float std, int64_t index);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_SYNTH_MODEL_H_
