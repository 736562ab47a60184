// The real google/gemma-4-E2B-it and gemma-4-E4B-it config.json files,
// reconstructed by shared/reference/gemma4ref/config.py. kE2BConfig is
// REAL_E2B_CONFIG dumped with json.dumps(indent=2, sort_keys=True); E4B is
// derived from it (see E4bConfig()).
#include "core/convert/known_configs.h"

#include <nlohmann/json.hpp>

namespace edgemma {
namespace {

constexpr char kE2BConfig[] = R"json({
  "architectures": [
    "Gemma4ForConditionalGeneration"
  ],
  "audio_config": {
    "attention_chunk_size": 12,
    "attention_context_left": 13,
    "attention_context_right": 0,
    "attention_invalid_logits_value": -1000000000.0,
    "attention_logit_cap": 50.0,
    "conv_kernel_size": 5,
    "gradient_clipping": 10000000000.0,
    "hidden_act": "silu",
    "hidden_size": 1024,
    "initializer_range": 0.02,
    "model_type": "gemma4_audio",
    "num_attention_heads": 8,
    "num_hidden_layers": 12,
    "output_proj_dims": 1536,
    "residual_weight": 0.5,
    "rms_norm_eps": 1e-06,
    "subsampling_conv_channels": [
      128,
      32
    ],
    "use_clipped_linears": true
  },
  "audio_token_id": 258881,
  "boa_token_id": 256000,
  "boi_token_id": 255999,
  "dtype": "bfloat16",
  "eoa_token_id": 258883,
  "eoa_token_index": 258883,
  "eoi_token_id": 258882,
  "eos_token_id": [
    1,
    106
  ],
  "image_token_id": 258880,
  "initializer_range": 0.02,
  "model_type": "gemma4",
  "text_config": {
    "attention_bias": false,
    "attention_dropout": 0.0,
    "attention_k_eq_v": false,
    "bos_token_id": 2,
    "dtype": "bfloat16",
    "enable_moe_block": false,
    "eos_token_id": 1,
    "final_logit_softcapping": 30.0,
    "global_head_dim": 512,
    "head_dim": 256,
    "hidden_activation": "gelu_pytorch_tanh",
    "hidden_size": 1536,
    "hidden_size_per_layer_input": 256,
    "initializer_range": 0.02,
    "intermediate_size": 6144,
    "layer_types": [
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "sliding_attention",
      "full_attention"
    ],
    "max_position_embeddings": 131072,
    "model_type": "gemma4_text",
    "moe_intermediate_size": null,
    "num_attention_heads": 8,
    "num_experts": null,
    "num_global_key_value_heads": null,
    "num_hidden_layers": 35,
    "num_key_value_heads": 1,
    "num_kv_shared_layers": 20,
    "pad_token_id": 0,
    "rms_norm_eps": 1e-06,
    "rope_parameters": {
      "full_attention": {
        "partial_rotary_factor": 0.25,
        "rope_theta": 1000000.0,
        "rope_type": "proportional"
      },
      "sliding_attention": {
        "rope_theta": 10000.0,
        "rope_type": "default"
      }
    },
    "sliding_window": 512,
    "tie_word_embeddings": true,
    "top_k_experts": null,
    "use_bidirectional_attention": null,
    "use_cache": true,
    "use_double_wide_mlp": true,
    "vocab_size": 262144,
    "vocab_size_per_layer_input": 262144
  },
  "tie_word_embeddings": true,
  "video_token_id": 258884,
  "vision_config": {
    "attention_bias": false,
    "attention_dropout": 0.0,
    "default_output_length": 280,
    "global_head_dim": 64,
    "head_dim": 64,
    "hidden_activation": "gelu_pytorch_tanh",
    "hidden_size": 768,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "max_position_embeddings": 131072,
    "model_type": "gemma4_vision",
    "num_attention_heads": 12,
    "num_hidden_layers": 16,
    "num_key_value_heads": 12,
    "patch_size": 16,
    "pooling_kernel_size": 3,
    "position_embedding_size": 10240,
    "rms_norm_eps": 1e-06,
    "rope_parameters": {
      "rope_theta": 100.0,
      "rope_type": "default"
    },
    "standardize": false,
    "use_clipped_linears": true
  },
  "vision_soft_tokens_per_image": 280
}
)json";

// E4B differs from E2B only in these text_config fields (reference
// _real_text_config()).
std::string E4bConfig() {
  nlohmann::json j = nlohmann::json::parse(kE2BConfig);
  nlohmann::json& t = j["text_config"];
  t["hidden_size"] = 2560;
  t["intermediate_size"] = 4 * 2560;
  t["num_hidden_layers"] = 42;
  t["num_key_value_heads"] = 2;
  t["num_kv_shared_layers"] = 18;
  t["use_double_wide_mlp"] = false;
  nlohmann::json types = nlohmann::json::array();
  for (int i = 0; i < 42; ++i)
    types.push_back((i + 1) % 6 ? "sliding_attention" : "full_attention");
  t["layer_types"] = types;
  return j.dump(2);
}

}  // namespace

Result<std::string> KnownConfigJson(std::string_view name) {
  if (name == "e2b") return std::string(kE2BConfig);
  if (name == "e4b") return E4bConfig();
  return NotFound("unknown built-in config '" + std::string(name) +
                  "' (known: e2b, e4b)");
}

}  // namespace edgemma
