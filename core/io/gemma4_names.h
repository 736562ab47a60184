// The one table of Gemma 4 text tensor names: the Hugging Face name (after the
// checkpoint's model prefix) and llama.cpp's gemma4 GGUF name (spec formats
// 4.4). In a pattern, "L." stands for "layers.N." and "B." for "blk.N.". Used
// by the weight binder (core/gemma4/weights.cc) and the GGUF tensor plan
// (core/convert/gguf_gemma4.cc), so reading and writing cannot disagree.
#ifndef EDGEMMA_CORE_IO_GEMMA4_NAMES_H_
#define EDGEMMA_CORE_IO_GEMMA4_NAMES_H_

#include <string>

namespace edgemma {

struct TensorNames {
  const char* hf;
  const char* gguf;
};

namespace gemma4_names {

inline constexpr TensorNames kEmbed{"embed_tokens.weight", "token_embd.weight"};
// HF: at the top level of the checkpoint, outside the model prefix.
inline constexpr TensorNames kLmHead{"lm_head.weight", "output.weight"};
inline constexpr TensorNames kPleTable{"embed_tokens_per_layer.weight",
                                       "per_layer_token_embd.weight"};
inline constexpr TensorNames kPleModelProj{"per_layer_model_projection.weight",
                                           "per_layer_model_proj.weight"};
inline constexpr TensorNames kPleProjNorm{"per_layer_projection_norm.weight",
                                          "per_layer_proj_norm.weight"};
inline constexpr TensorNames kFinalNorm{"norm.weight", "output_norm.weight"};
inline constexpr TensorNames kInputNorm{"L.input_layernorm.weight",
                                        "B.attn_norm.weight"};
inline constexpr TensorNames kQ{"L.self_attn.q_proj.weight", "B.attn_q.weight"};
inline constexpr TensorNames kK{"L.self_attn.k_proj.weight", "B.attn_k.weight"};
inline constexpr TensorNames kV{"L.self_attn.v_proj.weight", "B.attn_v.weight"};
inline constexpr TensorNames kO{"L.self_attn.o_proj.weight",
                                "B.attn_output.weight"};
inline constexpr TensorNames kQNorm{"L.self_attn.q_norm.weight",
                                    "B.attn_q_norm.weight"};
inline constexpr TensorNames kKNorm{"L.self_attn.k_norm.weight",
                                    "B.attn_k_norm.weight"};
inline constexpr TensorNames kPostAttnNorm{"L.post_attention_layernorm.weight",
                                           "B.post_attention_norm.weight"};
inline constexpr TensorNames kPreFfNorm{"L.pre_feedforward_layernorm.weight",
                                        "B.ffn_norm.weight"};
inline constexpr TensorNames kPostFfNorm{"L.post_feedforward_layernorm.weight",
                                         "B.post_ffw_norm.weight"};
inline constexpr TensorNames kGate{"L.mlp.gate_proj.weight",
                                   "B.ffn_gate.weight"};
inline constexpr TensorNames kUp{"L.mlp.up_proj.weight", "B.ffn_up.weight"};
inline constexpr TensorNames kDown{"L.mlp.down_proj.weight",
                                   "B.ffn_down.weight"};
inline constexpr TensorNames kPleGate{"L.per_layer_input_gate.weight",
                                      "B.inp_gate.weight"};
inline constexpr TensorNames kPleProj{"L.per_layer_projection.weight",
                                      "B.proj.weight"};
inline constexpr TensorNames kPlePostNorm{"L.post_per_layer_input_norm.weight",
                                          "B.post_norm.weight"};
inline constexpr TensorNames kLayerScalar{"L.layer_scalar",
                                          "B.layer_output_scale.weight"};

}  // namespace gemma4_names

// `pattern` with its "L."/"B." placeholder replaced by "layers.<layer>." /
// "blk.<layer>." (patterns without one are returned as they are).
inline std::string ExpandLayerName(const char* pattern, int layer) {
  const std::string p = pattern;
  if (p.rfind("L.", 0) == 0) {
    return "layers." + std::to_string(layer) + "." + p.substr(2);
  }
  if (p.rfind("B.", 0) == 0) {
    return "blk." + std::to_string(layer) + "." + p.substr(2);
  }
  return p;
}

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_GEMMA4_NAMES_H_
