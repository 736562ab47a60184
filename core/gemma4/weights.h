// Gemma 4 text-decoder weights bound by name: HF safetensors names
// ("model.language_model." or "model." prefix) or llama.cpp GGUF gemma4 names
// ("token_embd", "blk.N.attn_q", ...).
//
// Ownership and memory: big matrices are WeightMatrix views into the
// ModelSource's mapping (never copied), so the source must outlive the Weights.
// Small 1-D tensors (norm weights, the layer scalar: a few KB in all) are
// converted to f32 once at load and owned here. With LoadOptions::quantize the
// linear weights (not the embedding / PLE tables, which are gathered row by
// row) are quantized once at load into buffers owned here; matrices whose cols
// are not a multiple of 32 keep their original type.
#ifndef EDGEMMA_CORE_GEMMA4_WEIGHTS_H_
#define EDGEMMA_CORE_GEMMA4_WEIGHTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/tensor.h"
#include "core/io/config.h"
#include "platform/status.h"
#include "quant/types.h"

namespace edgemma {

class ModelSource;

struct LayerWeights {
  const float* input_norm = nullptr;  // [d_model]
  WeightMatrix q;                     // [n_heads * head_dim, d_model]
  WeightMatrix k;  // [n_kv_heads * head_dim, d_model] (unused if kv_shared)
  WeightMatrix v;  // [n_kv_heads * head_dim, d_model] (empty if k_eq_v)
  WeightMatrix o;  // [d_model, n_heads * head_dim]
  const float* q_norm = nullptr;          // [head_dim]
  const float* k_norm = nullptr;          // [head_dim] (null if kv_shared)
  const float* post_attn_norm = nullptr;  // [d_model]
  const float* pre_ff_norm = nullptr;     // [d_model]
  const float* post_ff_norm = nullptr;    // [d_model]
  WeightMatrix gate;                      // [d_ff, d_model]
  WeightMatrix up;                        // [d_ff, d_model]
  WeightMatrix down;                      // [d_model, d_ff]
  WeightMatrix ple_gate;                  // [d_ple, d_model] (d_ple > 0 only)
  WeightMatrix ple_proj;                  // [d_model, d_ple]
  const float* ple_post_norm = nullptr;   // [d_model]
  float layer_scalar = 1.f;
};

struct Weights {
  WeightMatrix embed;      // [vocab, d_model] (gathered row by row)
  WeightMatrix lm_head;    // [vocab, d_model] (== embed when tied)
  WeightMatrix ple_table;  // [vocab_ple, n_layers * d_ple] (row gathers only)
  WeightMatrix ple_model_proj;           // [n_layers * d_ple, d_model]
  const float* ple_proj_norm = nullptr;  // [d_ple]
  const float* final_norm = nullptr;     // [d_model]
  std::vector<LayerWeights> layers;      // [n_layers]

  // Stable storage for converted vectors and quantized matrices (pointers above
  // point here).
  std::vector<std::unique_ptr<uint8_t[]>> owned;
  void* Own(size_t bytes);
};

// Looks a tensor up by its file name (nullptr if absent).
using TensorLookup = std::function<const TensorInfo*(std::string_view name)>;

enum class NameScheme { kHf, kGguf };

struct LoadOptions {
  // kF32: keep the file's types. kQ8_0 / kQ4_0: quantize linear weights in
  // memory at load (tests, experiments).
  DType quantize = DType::kF32;
};

// Binds every tensor the text decoder needs. `prefix` is the HF prefix
// ("model.language_model." or "model."; ignored for GGUF). Checks every shape
// against the config (error names the tensor, expected and actual shape) and
// every dtype (MatMul-capable for matrices; f32/f16/bf16 for vectors).
Result<Weights> BindWeights(const TextConfig& cfg, const TensorLookup& find,
                            NameScheme scheme, const std::string& prefix,
                            const LoadOptions& options = {});

// Detects the naming scheme / prefix of a source and binds it.
Result<Weights> BindWeights(const ModelSource& source,
                            const LoadOptions& options = {});

// The HF prefix present in `find` ("model.language_model." or "model."), or an
// error.
Result<std::string> DetectHfPrefix(const TensorLookup& find);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_GEMMA4_WEIGHTS_H_
