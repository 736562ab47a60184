// Gemma 4 configuration as plain data, parsed from an HF config.json (or GGUF
// metadata) and resolved into a per-layer table. E2B and E4B differ only in
// these numbers; nothing else in the runtime may hard-code a size or a token
// id.
#ifndef EDGEMMA_CORE_IO_CONFIG_H_
#define EDGEMMA_CORE_IO_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace edgemma {

enum class LayerType { kSliding, kFull };

// Everything the graph needs to run layer i, derived once (spec
// section 1.2/1.3).
struct LayerSpec {
  LayerType type = LayerType::kSliding;
  int head_dim =
      0;  // sliding: head_dim; full: global_head_dim (if set) else head_dim
  int n_kv_heads = 0;  // num_key_value_heads (num_global_key_value_heads on
                       // k_eq_v full layers)
  bool k_eq_v =
      false;  // attention_k_eq_v && full layer: no v_proj, V = raw K projection
  bool kv_shared =
      false;  // i >= first_shared: owns no KV, reads kv_source's cache
  int kv_source =
      0;  // == i when not shared; else last non-shared layer of the same type
  int d_ff =
      0;  // MLP width (2 * intermediate_size on shared layers if double-wide)
  float rope_theta = 0.f;
  int rope_pairs =
      0;  // pairs (j, j + head_dim/2) that rotate: head_dim/2 for "default",
          // int(partial_rotary_factor * head_dim / 2) for "proportional"
  bool rope_proportional =
      false;  // inv_freq exponent denominator is head_dim either way
};

struct TextConfig {
  int d_model = 0;            // hidden_size
  int n_layers = 0;           // num_hidden_layers
  int n_heads = 0;            // num_attention_heads
  int n_kv_heads = 0;         // num_key_value_heads
  int n_global_kv_heads = 0;  // num_global_key_value_heads (0 = null)
  int head_dim = 0;           // sliding-layer head dim
  int global_head_dim = 0;    // full-layer head dim (0 = null: use head_dim)
  int d_ff = 0;               // intermediate_size
  int vocab = 0;              // vocab_size
  int vocab_ple = 0;          // vocab_size_per_layer_input
  int d_ple = 0;              // hidden_size_per_layer_input (0 = no PLE)
  int window = 0;             // sliding_window
  int max_ctx = 0;            // max_position_embeddings
  int n_kv_shared = 0;        // num_kv_shared_layers
  float rms_eps = 1e-6f;
  float final_softcap = 0.f;  // final_logit_softcapping (0 = none)
  bool double_wide_mlp = false;
  bool k_eq_v = false;
  bool tie_embeddings = true;
  std::string activation;  // hidden_activation ("gelu_pytorch_tanh")
  std::string dtype;  // checkpoint dtype ("bfloat16", "float32", ...; "" if
                      // absent). HF rounds sqrt(d_model) to this dtype before
                      // scaling embeddings.
  int pad_id = 0, bos_id = 2, eos_id = 1;
  std::vector<LayerSpec> layers;  // [n_layers]

  int first_shared() const { return n_layers - n_kv_shared; }
};

// Multimodal sub-configs: kept as the raw JSON text (parsed by the towers when
// they exist) plus the fields the text side needs.
struct TowerConfig {
  bool present = false;
  int hidden_size = 0;
  std::string json;  // the sub-config object, serialized
};

struct Gemma4Config {
  TextConfig text;
  TowerConfig vision;
  TowerConfig audio;
  // Multimodal token ids; -1 when absent.
  int image_token_id = -1, video_token_id = -1, audio_token_id = -1;
  int boi_token_id = -1, eoi_token_id = -1, boa_token_id = -1,
      eoa_token_id = -1;
  int vision_soft_tokens_per_image = 0;
  // Stop ids: union of config.json eos_token_id(s) and generation_config.json's
  // (if read).
  std::vector<int> eos_ids;
  // Sampling defaults from generation_config.json (0 = not given).
  float temperature = 0.f, top_p = 0.f;
  int top_k = 0;
  std::string weight_prefix;  // "model.language_model." or "model." (set by the
                              // weight binder)

  // One line per layer: "i type head_dim kv_heads kv_source d_ff rope".
  std::string DescribeLayers() const;
};

// Parses config.json text (top-level "gemma4" or text-only "gemma4_text"),
// applies HF defaults and post-init rules (last layer forced full, default
// layer pattern, rope defaults), derives the per-layer table and validates it.
// Errors name the field and the problem.
Result<Gemma4Config> ParseGemma4Config(std::string_view config_json);
// Reads <dir>/config.json and, if present, <dir>/generation_config.json.
Result<Gemma4Config> LoadGemma4Config(const std::string& model_dir);
// Derives layers[] from the scalar fields + layer types (used by the JSON and
// GGUF paths).
Status DeriveLayerTable(TextConfig& text, const std::vector<LayerType>& types,
                        float sliding_theta, float full_theta,
                        bool full_proportional, float full_partial_factor);
// Consistency checks (positive sizes, heads divisible, window > 0, ...).
Status ValidateConfig(const Gemma4Config& cfg);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_CONFIG_H_
