// mmproj tower sizes and tensor plan (contracts in mmproj_plan.h).
//
// Names follow llama.cpp's converter (conversion/gemma.py
// `Gemma4VisionAudioModel.modify_tensors` + gguf-py tensor_mapping/constants)
// and what tools/mtmd/clip.cpp loads for gemma4v / gemma4a. The per-field
// audio mapping is marked [I] in the spec; it was settled here from
// tensor_mapping.py's gemma4 entries and clip.cpp's GEMMA4A loader:
// lconv1d.pre_layer_norm -> conv_norm and lconv1d.conv_norm -> norm_conv (the
// documented swap), norm_out -> ln2, subsample input_proj_linear ->
// a.input_projection, output_proj -> a.pre_encode.out.
#include "core/io/mmproj_plan.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "quant/quantize.h"

namespace edgemma {
namespace {

using json = nlohmann::json;

// Reads integer/float/bool fields of one sub-config with errors naming them.
class Sub {
 public:
  Sub(const json& j, std::string prefix) : j_(j), prefix_(std::move(prefix)) {}
  Status Int(const char* k, int* out, int fallback = -1) const {
    auto it = j_.find(k);
    if (it == j_.end() || it->is_null()) {
      if (fallback >= 0) {
        *out = fallback;
        return Status::Ok();
      }
      return InvalidArgument(prefix_ + k + ": missing");
    }
    if (!it->is_number_integer() || it->get<int64_t>() <= 0 ||
        it->get<int64_t>() > (int64_t{1} << 24)) {
      return InvalidArgument(prefix_ + k + ": must be a positive integer");
    }
    *out = it->get<int>();
    return Status::Ok();
  }
  bool Bool(const char* k, bool fallback) const {
    auto it = j_.find(k);
    return it != j_.end() && it->is_boolean() ? it->get<bool>() : fallback;
  }
  float Float(const char* k, float fallback) const {
    auto it = j_.find(k);
    return it != j_.end() && it->is_number() ? it->get<float>() : fallback;
  }
  const json& j() const { return j_; }
  const std::string& prefix() const { return prefix_; }

 private:
  const json& j_;
  std::string prefix_;
};

Result<json> ParseSub(const std::string& text, const char* key) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Corrupt(std::string(key) + ": not a JSON object");
  return j;
}

Status ReadVision(const std::string& text, VisionDims* v) {
  EM_ASSIGN_OR_RETURN(json j, ParseSub(text, "vision_config"));
  Sub s(j, "vision_config.");
  EM_RETURN_IF_ERROR(s.Int("hidden_size", &v->d));
  EM_RETURN_IF_ERROR(s.Int("intermediate_size", &v->d_ff));
  EM_RETURN_IF_ERROR(s.Int("num_hidden_layers", &v->n_layers));
  EM_RETURN_IF_ERROR(s.Int("num_attention_heads", &v->n_heads));
  EM_RETURN_IF_ERROR(s.Int("num_key_value_heads", &v->n_kv_heads, v->n_heads));
  EM_RETURN_IF_ERROR(s.Int("head_dim", &v->head_dim, v->d / v->n_heads));
  EM_RETURN_IF_ERROR(s.Int("patch_size", &v->patch));
  EM_RETURN_IF_ERROR(s.Int("position_embedding_size", &v->pos_size));
  EM_RETURN_IF_ERROR(s.Int("pooling_kernel_size", &v->pool, 3));
  v->clipped = s.Bool("use_clipped_linears", false);
  v->standardize = s.Bool("standardize", false);
  v->eps = s.Float("rms_norm_eps", 1e-6f);
  v->activation = "gelu_pytorch_tanh";  // Gemma4VisionConfig default
  auto act = j.find("hidden_activation");
  if (act != j.end() && act->is_string())
    v->activation = act->get<std::string>();
  auto rope = j.find("rope_parameters");
  if (rope != j.end() && rope->is_object()) {
    auto type = rope->find("rope_type");
    if (type != rope->end() && type->is_string() &&
        type->get<std::string>() != "default") {
      return Unsupported("vision_config.rope_parameters.rope_type '" +
                         type->get<std::string>() +
                         "': only the default 2-D RoPE is supported");
    }
    auto theta = rope->find("rope_theta");
    if (theta != rope->end() && theta->is_number()) {
      v->rope_theta = theta->get<double>();
      if (!(v->rope_theta > 0))
        return InvalidArgument(
            "vision_config.rope_parameters.rope_theta: "
            "must be positive");
    }
  }
  v->present = true;
  return Status::Ok();
}

Status ReadAudio(const std::string& text, AudioDims* a) {
  EM_ASSIGN_OR_RETURN(json j, ParseSub(text, "audio_config"));
  Sub s(j, "audio_config.");
  EM_RETURN_IF_ERROR(s.Int("hidden_size", &a->d));
  EM_RETURN_IF_ERROR(s.Int("num_hidden_layers", &a->n_layers));
  EM_RETURN_IF_ERROR(s.Int("num_attention_heads", &a->n_heads));
  EM_RETURN_IF_ERROR(s.Int("conv_kernel_size", &a->kernel));
  EM_RETURN_IF_ERROR(s.Int("output_proj_dims", &a->out_dims));
  EM_RETURN_IF_ERROR(s.Int("input_feat_size", &a->n_mel, 128));
  auto ch = j.find("subsampling_conv_channels");
  if (ch == j.end() || !ch->is_array() || ch->size() != 2 ||
      !(*ch)[0].is_number_integer() || !(*ch)[1].is_number_integer() ||
      (*ch)[0].get<int>() <= 0 || (*ch)[1].get<int>() <= 0) {
    return InvalidArgument(
        "audio_config.subsampling_conv_channels: must be two positive "
        "integers");
  }
  a->conv0 = (*ch)[0].get<int>();
  a->conv1 = (*ch)[1].get<int>();
  if (a->d % a->n_heads != 0) {
    return InvalidArgument(
        "audio_config: hidden_size is not a multiple of num_attention_heads");
  }
  a->clipped = s.Bool("use_clipped_linears", false);
  a->eps = s.Float("rms_norm_eps", 1e-6f);
  EM_RETURN_IF_ERROR(s.Int("attention_chunk_size", &a->chunk, 12));
  EM_RETURN_IF_ERROR(s.Int("attention_context_left", &a->context_left, 13));
  auto right = j.find("attention_context_right");
  if (right != j.end() && !right->is_null()) {
    if (!right->is_number_integer() || right->get<int64_t>() < 0 ||
        right->get<int64_t>() > (int64_t{1} << 16)) {
      return InvalidArgument(
          "audio_config.attention_context_right: must be a non-negative "
          "integer");
    }
    a->context_right = right->get<int>();
  }
  a->logit_cap = s.Float("attention_logit_cap", 50.f);
  a->invalid_logit = s.Float("attention_invalid_logits_value", -1e9f);
  a->residual_weight = s.Float("residual_weight", 0.5f);
  a->gradient_clipping = s.Float("gradient_clipping", 1e10f);
  auto act = j.find("hidden_act");
  if (act != j.end() && act->is_string()) a->act = act->get<std::string>();
  a->present = true;
  return Status::Ok();
}

void Add(std::vector<TowerTensor>& v, std::string gguf, std::string hf,
         std::vector<int64_t> hf_shape, TowerRole role,
         TowerTransform tr = TowerTransform::kNone, bool optional = false) {
  TowerTensor t;
  t.gguf_name = std::move(gguf);
  t.hf_name = std::move(hf);
  t.shape = hf_shape.empty() ? std::vector<int64_t>{1} : hf_shape;
  t.hf_shape = std::move(hf_shape);
  t.role = role;
  t.transform = tr;
  t.optional = optional;
  v.push_back(std::move(t));
}

// A (possibly clipped) linear: weight + the four 0-d bounds when `clipped`.
// HF keeps the weight under `.linear.weight` whether or not the config clips
// (Gemma4ClippableLinear always wraps an nn.Linear; the reference's
// audio/vision weight_shapes agree), the bounds beside it.
void AddLinear(std::vector<TowerTensor>& v, const std::string& gguf_base,
               const std::string& hf_base, int64_t out, int64_t in,
               bool clipped) {
  Add(v, gguf_base + ".weight", hf_base + ".linear.weight", {out, in},
      TowerRole::kLinear);
  if (!clipped) return;
  for (const char* b : {"input_min", "input_max", "output_min", "output_max"})
    Add(v, gguf_base + "." + b, hf_base + "." + b, {}, TowerRole::kF32);
}

void PlanVisionLayer(const VisionDims& d, int i, std::vector<TowerTensor>& v) {
  const std::string g = "v.blk." + std::to_string(i) + ".";
  const std::string h =
      "model.vision_tower.encoder.layers." + std::to_string(i) + ".";
  const int64_t q = int64_t{d.n_heads} * d.head_dim;
  const int64_t kv = int64_t{d.n_kv_heads} * d.head_dim;
  Add(v, g + "ln1.weight", h + "input_layernorm.weight", {d.d},
      TowerRole::kF32);
  AddLinear(v, g + "attn_q", h + "self_attn.q_proj", q, d.d, d.clipped);
  AddLinear(v, g + "attn_k", h + "self_attn.k_proj", kv, d.d, d.clipped);
  AddLinear(v, g + "attn_v", h + "self_attn.v_proj", kv, d.d, d.clipped);
  AddLinear(v, g + "attn_out", h + "self_attn.o_proj", d.d, q, d.clipped);
  Add(v, g + "attn_q_norm.weight", h + "self_attn.q_norm.weight", {d.head_dim},
      TowerRole::kF32);
  Add(v, g + "attn_k_norm.weight", h + "self_attn.k_norm.weight", {d.head_dim},
      TowerRole::kF32);
  Add(v, g + "attn_post_norm.weight", h + "post_attention_layernorm.weight",
      {d.d}, TowerRole::kF32);
  Add(v, g + "ln2.weight", h + "pre_feedforward_layernorm.weight", {d.d},
      TowerRole::kF32);
  AddLinear(v, g + "ffn_gate", h + "mlp.gate_proj", d.d_ff, d.d, d.clipped);
  AddLinear(v, g + "ffn_up", h + "mlp.up_proj", d.d_ff, d.d, d.clipped);
  AddLinear(v, g + "ffn_down", h + "mlp.down_proj", d.d, d.d_ff, d.clipped);
  Add(v, g + "ffn_post_norm.weight", h + "post_feedforward_layernorm.weight",
      {d.d}, TowerRole::kF32);
  // llama.cpp's V_LAYER_OUT_SCALE; not in the E2B/E4B checkpoints.
  Add(v, g + "out_scale.weight", h + "layer_scalar", {1}, TowerRole::kF32,
      TowerTransform::kNone, /*optional=*/true);
}

void PlanVision(const VisionDims& d, int text_d, std::vector<TowerTensor>& v) {
  const int64_t p = d.patch;
  Add(v, "v.patch_embd.weight",
      "model.vision_tower.patch_embedder.input_proj.weight", {d.d, 3 * p * p},
      TowerRole::kPatch, TowerTransform::kPatchToConv);
  v.back().shape = {d.d, 3, p, p};
  Add(v, "v.position_embd.weight",
      "model.vision_tower.patch_embedder.position_embedding_table",
      {2, d.pos_size, d.d}, TowerRole::kF32);
  if (d.standardize) {
    Add(v, "v.std_bias", "model.vision_tower.std_bias", {d.d}, TowerRole::kF32);
    Add(v, "v.std_scale", "model.vision_tower.std_scale", {d.d},
        TowerRole::kF32);
  }
  for (int i = 0; i < d.n_layers; ++i) PlanVisionLayer(d, i, v);
  Add(v, "mm.input_projection.weight",
      "model.embed_vision.embedding_projection.weight", {text_d, d.d},
      TowerRole::kLinear);
}

void PlanAudioLayer(const AudioDims& d, int i, std::vector<TowerTensor>& v) {
  const std::string g = "a.blk." + std::to_string(i) + ".";
  const std::string h = "model.audio_tower.layers." + std::to_string(i) + ".";
  const int64_t a = d.d, ff = d.d_ff();
  const bool c = d.clipped;
  const char* ffn[2][4] = {
      {"ffn_norm", "ffn_up", "ffn_down", "ffn_post_norm"},
      {"ffn_norm_1", "ffn_up_1", "ffn_down_1", "ffn_post_norm_1"}};
  for (int k = 0; k < 2; ++k) {
    const std::string f = h + "feed_forward" + std::to_string(k + 1) + ".";
    Add(v, g + ffn[k][0] + ".weight", f + "pre_layer_norm.weight", {a},
        TowerRole::kF32);
    AddLinear(v, g + ffn[k][1], f + "ffw_layer_1", ff, a, c);
    AddLinear(v, g + ffn[k][2], f + "ffw_layer_2", a, ff, c);
    Add(v, g + ffn[k][3] + ".weight", f + "post_layer_norm.weight", {a},
        TowerRole::kF32);
  }
  Add(v, g + "attn_pre_norm.weight", h + "norm_pre_attn.weight", {a},
      TowerRole::kF32);
  AddLinear(v, g + "attn_q", h + "self_attn.q_proj", a, a, c);
  AddLinear(v, g + "attn_k", h + "self_attn.k_proj", a, a, c);
  AddLinear(v, g + "attn_v", h + "self_attn.v_proj", a, a, c);
  AddLinear(v, g + "attn_out", h + "self_attn.post", a, a, c);
  Add(v, g + "attn_k_rel.weight", h + "self_attn.relative_k_proj.weight",
      {a, a}, TowerRole::kLinear);
  Add(v, g + "per_dim_scale.weight", h + "self_attn.per_dim_scale",
      {d.head_dim()}, TowerRole::kF32, TowerTransform::kSoftplus);
  Add(v, g + "per_dim_k_scale.weight", h + "self_attn.per_dim_key_scale",
      {d.head_dim()}, TowerRole::kF32, TowerTransform::kSoftplus,
      /*optional=*/true);
  Add(v, g + "attn_post_norm.weight", h + "norm_post_attn.weight", {a},
      TowerRole::kF32);
  // The documented swap: llama.cpp names the pre-conv norm conv_norm.
  Add(v, g + "conv_norm.weight", h + "lconv1d.pre_layer_norm.weight", {a},
      TowerRole::kF32);
  AddLinear(v, g + "conv_pw1", h + "lconv1d.linear_start", 2 * a, a, c);
  Add(v, g + "conv_dw.weight", h + "lconv1d.depthwise_conv1d.weight",
      {a, 1, d.kernel}, TowerRole::kF32);
  v.back().shape = {a, d.kernel};  // converter squeezes the channel-in axis
  Add(v, g + "norm_conv.weight", h + "lconv1d.conv_norm.weight", {a},
      TowerRole::kF32);
  AddLinear(v, g + "conv_pw2", h + "lconv1d.linear_end", a, a, c);
  Add(v, g + "ln2.weight", h + "norm_out.weight", {a}, TowerRole::kF32);
}

void PlanAudio(const AudioDims& d, int text_d, std::vector<TowerTensor>& v) {
  const std::string s = "model.audio_tower.subsample_conv_projection.";
  const int ch[2] = {d.conv0, d.conv1};
  for (int k = 0; k < 2; ++k) {
    const std::string n = std::to_string(k);
    Add(v, "a.conv1d." + n + ".weight", s + "layer" + n + ".conv.weight",
        {ch[k], k == 0 ? 1 : ch[0], 3, 3}, TowerRole::kF32);
    Add(v, "a.conv1d." + n + ".norm.weight", s + "layer" + n + ".norm.weight",
        {ch[k]}, TowerRole::kF32);
  }
  // llama.cpp forces every subsample_conv_projection weight to F32 (its
  // "_conv" name rule), the input projection included.
  Add(v, "a.input_projection.weight", s + "input_proj_linear.weight",
      {d.d, d.sscp_out()}, TowerRole::kF32);
  for (int i = 0; i < d.n_layers; ++i) PlanAudioLayer(d, i, v);
  Add(v, "a.pre_encode.out.weight", "model.audio_tower.output_proj.weight",
      {d.out_dims, d.d}, TowerRole::kLinear);
  Add(v, "a.pre_encode.out.bias", "model.audio_tower.output_proj.bias",
      {d.out_dims}, TowerRole::kF32);
  Add(v, "mm.a.input_projection.weight",
      "model.embed_audio.embedding_projection.weight", {text_d, d.out_dims},
      TowerRole::kLinear);
}

}  // namespace

Result<TowerDims> TowerDimsFromConfig(const Gemma4Config& cfg) {
  TowerDims d;
  d.text_d = cfg.text.d_model;
  if (cfg.vision.present)
    EM_RETURN_IF_ERROR(ReadVision(cfg.vision.json, &d.vision));
  if (cfg.audio.present)
    EM_RETURN_IF_ERROR(ReadAudio(cfg.audio.json, &d.audio));
  return d;
}

std::vector<TowerTensor> PlanTowerTensors(const TowerDims& dims) {
  std::vector<TowerTensor> v;
  if (dims.vision.present) PlanVision(dims.vision, dims.text_d, v);
  if (dims.audio.present) PlanAudio(dims.audio, dims.text_d, v);
  return v;
}

bool IsTowerTensorName(std::string_view n) {
  for (std::string_view p : {"model.vision_tower.", "model.audio_tower.",
                             "model.embed_vision.", "model.embed_audio."}) {
    if (n.substr(0, p.size()) == p) return true;
  }
  return false;
}

void ApplyTowerTransform(const TowerTensor& t, float* row, int64_t cols,
                         std::vector<float>& tmp) {
  switch (t.transform) {
    case TowerTransform::kNone:
      return;
    case TowerTransform::kSoftplus:
      for (int64_t i = 0; i < cols; ++i) {  // overflow-free log(1 + e^x)
        const double x = row[i];
        row[i] = static_cast<float>(std::max(x, 0.0) +
                                    std::log1p(std::exp(-std::fabs(x))));
      }
      return;
    case TowerTransform::kPatchToConv: {
      const int64_t p = t.shape.back(), pp = p * p;
      tmp.resize(static_cast<size_t>(cols));
      for (int64_t c = 0; c < 3; ++c) {
        for (int64_t k = 0; k < pp; ++k) tmp[c * pp + k] = row[k * 3 + c];
      }
      std::copy(tmp.begin(), tmp.begin() + cols, row);
      return;
    }
  }
}

}  // namespace edgemma
