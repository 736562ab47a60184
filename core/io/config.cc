// config.json / generation_config.json -> Gemma4Config, following HF
// Gemma4TextConfig defaults and post-init rules (spec gemma4-text-spec.md 1.3,
// shared/reference/gemma4ref/config.py).
#include "core/io/config.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace edgemma {
namespace {

using nlohmann::json;

// Typed field access with the field's full name in every error
// ("text_config.hidden_size").
class Fields {
 public:
  Fields(const json& obj, std::string prefix)
      : obj_(obj), prefix_(std::move(prefix)) {}

  const json* Raw(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string Name(const char* key) const { return prefix_ + key; }

  // `dflt` is used when the key is absent or null; required keys have no
  // default.
  Status Int(const char* key, int* out, const int* dflt = nullptr) const {
    const json* v = Raw(key);
    if (v == nullptr) {
      if (dflt == nullptr)
        return Corrupt("config: missing required field " + Name(key));
      *out = *dflt;
      return Status::Ok();
    }
    if (!v->is_number_integer() || v->get<int64_t>() < INT32_MIN ||
        v->get<int64_t>() > INT32_MAX) {
      return Corrupt("config: " + Name(key) + " must be an integer, got " +
                     v->dump());
    }
    *out = static_cast<int>(v->get<int64_t>());
    return Status::Ok();
  }
  Status IntOr(const char* key, int dflt, int* out) const {
    return Int(key, out, &dflt);
  }
  // A field whose HF default is not null: absent takes `absent`, an explicit
  // null stays null, stored as `if_null` (the reference's rule).
  Status IntOrNull(const char* key, int absent, int if_null, int* out) const {
    auto it = obj_.find(key);
    if (it != obj_.end() && it->is_null()) {
      *out = if_null;
      return Status::Ok();
    }
    return Int(key, out, &absent);
  }
  Status Float(const char* key, float dflt, float* out) const {
    const json* v = Raw(key);
    if (v == nullptr) {
      *out = dflt;
      return Status::Ok();
    }
    if (!v->is_number())
      return Corrupt("config: " + Name(key) + " must be a number");
    *out = v->get<float>();
    return Status::Ok();
  }
  Status Bool(const char* key, bool dflt, bool* out) const {
    const json* v = Raw(key);
    if (v == nullptr) {
      *out = dflt;
      return Status::Ok();
    }
    if (!v->is_boolean())
      return Corrupt("config: " + Name(key) + " must be true or false");
    *out = v->get<bool>();
    return Status::Ok();
  }
  Status String(const char* key, const char* dflt, std::string* out) const {
    const json* v = Raw(key);
    if (v == nullptr) {
      *out = dflt;
      return Status::Ok();
    }
    if (!v->is_string())
      return Corrupt("config: " + Name(key) + " must be a string");
    *out = v->get<std::string>();
    return Status::Ok();
  }
  // An int or a list of ints (eos_token_id); appended to *out without
  // duplicates.
  Status IdList(const char* key, std::vector<int>* out) const {
    const json* v = Raw(key);
    if (v == nullptr) return Status::Ok();
    std::vector<json> items =
        v->is_array() ? v->get<std::vector<json>>() : std::vector<json>{*v};
    for (const json& e : items) {
      if (!e.is_number_integer()) {
        return Corrupt("config: " + Name(key) +
                       " must be an integer or a list of integers");
      }
      const int id = e.get<int>();
      if (std::find(out->begin(), out->end(), id) == out->end())
        out->push_back(id);
    }
    return Status::Ok();
  }

 private:
  const json& obj_;
  std::string prefix_;
};

Status ParseJson(std::string_view text, const char* what, json* out) {
  try {
    *out = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return Corrupt(std::string(what) + ": not valid JSON: " + e.what());
  }
  if (!out->is_object())
    return Corrupt(std::string(what) + ": not a JSON object");
  return Status::Ok();
}

Status ReadScalars(const Fields& f, TextConfig& t) {
  EM_RETURN_IF_ERROR(f.Int("hidden_size", &t.d_model));
  EM_RETURN_IF_ERROR(f.Int("num_hidden_layers", &t.n_layers));
  EM_RETURN_IF_ERROR(f.Int("num_attention_heads", &t.n_heads));
  EM_RETURN_IF_ERROR(f.Int("num_key_value_heads", &t.n_kv_heads));
  EM_RETURN_IF_ERROR(f.Int("head_dim", &t.head_dim));
  EM_RETURN_IF_ERROR(f.Int("intermediate_size", &t.d_ff));
  EM_RETURN_IF_ERROR(f.Int("vocab_size", &t.vocab));
  EM_RETURN_IF_ERROR(f.Int("sliding_window", &t.window));
  // HF Gemma4TextConfig defaults for the optional fields.
  // An explicit null global_head_dim makes full layers use head_dim; a null
  // hidden_size_per_layer_input means no PLE.
  EM_RETURN_IF_ERROR(
      f.IntOrNull("global_head_dim", 512, 0, &t.global_head_dim));
  EM_RETURN_IF_ERROR(
      f.IntOr("num_global_key_value_heads", 0, &t.n_global_kv_heads));
  EM_RETURN_IF_ERROR(
      f.IntOrNull("hidden_size_per_layer_input", 256, 0, &t.d_ple));
  EM_RETURN_IF_ERROR(
      f.IntOr("vocab_size_per_layer_input", 262144, &t.vocab_ple));
  EM_RETURN_IF_ERROR(f.IntOr("max_position_embeddings", 131072, &t.max_ctx));
  EM_RETURN_IF_ERROR(f.IntOr("num_kv_shared_layers", 0, &t.n_kv_shared));
  EM_RETURN_IF_ERROR(f.Float("rms_norm_eps", 1e-6f, &t.rms_eps));
  EM_RETURN_IF_ERROR(f.Float("final_logit_softcapping", 0.f, &t.final_softcap));
  EM_RETURN_IF_ERROR(f.Bool("use_double_wide_mlp", false, &t.double_wide_mlp));
  EM_RETURN_IF_ERROR(f.Bool("attention_k_eq_v", false, &t.k_eq_v));
  EM_RETURN_IF_ERROR(
      f.String("hidden_activation", "gelu_pytorch_tanh", &t.activation));
  EM_RETURN_IF_ERROR(f.IntOr("pad_token_id", 0, &t.pad_id));
  EM_RETURN_IF_ERROR(f.IntOr("bos_token_id", 2, &t.bos_id));
  EM_RETURN_IF_ERROR(f.IntOr("eos_token_id", 1, &t.eos_id));
  if (t.d_ple == 0) t.vocab_ple = 0;
  return Status::Ok();
}

// Features of the Gemma 4 family that E2B/E4B do not use and the runtime does
// not implement.
Status RejectUnsupported(const Fields& f) {
  bool moe = false, bias = false;
  EM_RETURN_IF_ERROR(f.Bool("enable_moe_block", false, &moe));
  EM_RETURN_IF_ERROR(f.Bool("attention_bias", false, &bias));
  if (moe)
    return Unsupported("config: " + f.Name("enable_moe_block") +
                       " (MoE) is not supported");
  if (bias)
    return Unsupported("config: " + f.Name("attention_bias") +
                       " is not supported");
  const json* bidi = f.Raw("use_bidirectional_attention");
  if (bidi != nullptr && bidi->is_string() &&
      bidi->get<std::string>() == "all") {
    return Unsupported(
        "config: " + f.Name("use_bidirectional_attention") +
        " = \"all\" (non-causal text attention) is not supported");
  }
  return Status::Ok();
}

// layer_types with the HF defaults: 5 sliding : 1 full if omitted, last layer
// forced full.
Status ReadLayerTypes(const Fields& f, int n_layers,
                      std::vector<LayerType>* types) {
  types->clear();
  const json* lt = f.Raw("layer_types");
  if (lt == nullptr || (lt->is_array() && lt->empty())) {
    for (int i = 0; i < n_layers; ++i) {
      types->push_back((i + 1) % 6 ? LayerType::kSliding : LayerType::kFull);
    }
  } else {
    if (!lt->is_array())
      return Corrupt("config: " + f.Name("layer_types") + " must be a list");
    for (const json& e : *lt) {
      const std::string s = e.is_string() ? e.get<std::string>() : e.dump();
      if (s == "sliding_attention") {
        types->push_back(LayerType::kSliding);
      } else if (s == "full_attention") {
        types->push_back(LayerType::kFull);
      } else {
        return Corrupt("config: " + f.Name("layer_types") +
                       " has unknown type " + s);
      }
    }
    if (static_cast<int>(types->size()) != n_layers) {
      return Corrupt("config: " + f.Name("layer_types") + " has " +
                     std::to_string(types->size()) +
                     " entries but num_hidden_layers is " +
                     std::to_string(n_layers));
    }
  }
  if (!types->empty()) types->back() = LayerType::kFull;
  return Status::Ok();
}

struct Rope {
  float sliding_theta = 10000.f;
  float full_theta = 1000000.f;
  bool full_proportional = true;
  float full_factor = 0.25f;
};

Status ReadRopeType(const Fields& f, const char* key, bool allow_proportional,
                    float* theta, bool* proportional, float* partial) {
  const json* v = f.Raw(key);
  if (v == nullptr)
    return Status::Ok();  // keep the default for this layer type
  if (!v->is_object())
    return Corrupt("config: " + f.Name(key) + " must be an object");
  Fields r(*v, f.Name(key) + ".");
  std::string type;
  float factor = 1.f;
  EM_RETURN_IF_ERROR(r.String("rope_type", "default", &type));
  EM_RETURN_IF_ERROR(r.Float("rope_theta", *theta, theta));
  EM_RETURN_IF_ERROR(r.Float("factor", 1.f, &factor));
  if (factor != 1.f)
    return Unsupported("config: " + r.Name("factor") +
                       " != 1 is not supported");
  if (type == "default") {
    *proportional = false;
    *partial = 1.f;
  } else if (type == "proportional" && allow_proportional) {
    *proportional = true;
    EM_RETURN_IF_ERROR(r.Float("partial_rotary_factor", 1.f, partial));
  } else {
    return Unsupported("config: " + r.Name("rope_type") + " '" + type +
                       "' is not supported");
  }
  return Status::Ok();
}

Status ReadRope(const Fields& f, Rope* rope) {
  const json* rp = f.Raw("rope_parameters");
  if (rp == nullptr) return Status::Ok();  // HF defaults
  if (!rp->is_object())
    return Corrupt("config: " + f.Name("rope_parameters") +
                   " must be an object");
  Fields r(*rp, f.Name("rope_parameters") + ".");
  bool sliding_prop = false;
  float sliding_partial = 1.f;
  EM_RETURN_IF_ERROR(ReadRopeType(r, "sliding_attention", false,
                                  &rope->sliding_theta, &sliding_prop,
                                  &sliding_partial));
  return ReadRopeType(r, "full_attention", true, &rope->full_theta,
                      &rope->full_proportional, &rope->full_factor);
}

int RopePairs(int head_dim, bool proportional, float partial_factor) {
  if (!proportional) return head_dim / 2;
  // Python: int(partial_rotary_factor * head_dim // 2); the epsilon absorbs
  // float->double noise.
  const double angles =
      std::floor(static_cast<double>(partial_factor) * head_dim / 2.0 + 1e-4);
  return std::min(head_dim / 2, std::max(0, static_cast<int>(angles)));
}

// Newer HF configs may carry "per_layer_config": {"<i>": {head_dim,
// num_key_value_heads}}.
Status ApplyPerLayerConfig(const Fields& f, TextConfig& t) {
  const json* plc = f.Raw("per_layer_config");
  if (plc == nullptr) return Status::Ok();
  if (!plc->is_object())
    return Corrupt("config: " + f.Name("per_layer_config") +
                   " must be an object");
  for (auto it = plc->begin(); it != plc->end(); ++it) {
    char* end = nullptr;
    const long i = std::strtol(it.key().c_str(), &end, 10);
    if (*end != '\0' || i < 0 || i >= t.n_layers || !it.value().is_object())
      continue;
    LayerSpec& l = t.layers[static_cast<size_t>(i)];
    Fields lf(it.value(), f.Name("per_layer_config") + "." + it.key() + ".");
    EM_RETURN_IF_ERROR(lf.IntOr("head_dim", l.head_dim, &l.head_dim));
    EM_RETURN_IF_ERROR(
        lf.IntOr("num_key_value_heads", l.n_kv_heads, &l.n_kv_heads));
  }
  return Status::Ok();
}

Status ReadTower(const json& top, const char* key, TowerConfig* tower) {
  auto it = top.find(key);
  if (it == top.end() || it->is_null()) return Status::Ok();
  if (!it->is_object())
    return Corrupt(std::string("config: ") + key + " must be an object");
  Fields f(*it, std::string(key) + ".");
  tower->present = true;
  tower->json = it->dump();
  return f.IntOr("hidden_size", 0, &tower->hidden_size);
}

Status ReadTopLevel(const json& top, Gemma4Config& c) {
  Fields f(top, "");
  struct Id {
    const char* key;
    int* dst;
  };
  const Id ids[] = {{"image_token_id", &c.image_token_id},
                    {"video_token_id", &c.video_token_id},
                    {"audio_token_id", &c.audio_token_id},
                    {"boi_token_id", &c.boi_token_id},
                    {"eoi_token_id", &c.eoi_token_id},
                    {"boa_token_id", &c.boa_token_id},
                    {"eoa_token_id", &c.eoa_token_id}};
  for (const Id& id : ids) EM_RETURN_IF_ERROR(f.IntOr(id.key, -1, id.dst));
  if (c.eoa_token_id < 0)
    EM_RETURN_IF_ERROR(f.IntOr("eoa_token_index", -1, &c.eoa_token_id));
  EM_RETURN_IF_ERROR(f.IntOr("vision_soft_tokens_per_image", 0,
                             &c.vision_soft_tokens_per_image));
  EM_RETURN_IF_ERROR(ReadTower(top, "vision_config", &c.vision));
  return ReadTower(top, "audio_config", &c.audio);
}

}  // namespace

Status DeriveLayerTable(TextConfig& t, const std::vector<LayerType>& types,
                        float sliding_theta, float full_theta,
                        bool full_proportional, float full_partial_factor) {
  if (static_cast<int>(types.size()) != t.n_layers) {
    return InvalidArgument(
        "config: " + std::to_string(types.size()) +
        " layer types for num_hidden_layers = " + std::to_string(t.n_layers));
  }
  if (t.n_kv_shared < 0 || t.n_kv_shared >= t.n_layers) {
    return InvalidArgument(
        "config: num_kv_shared_layers = " + std::to_string(t.n_kv_shared) +
        " must be in [0, num_hidden_layers)");
  }
  // Both readers (config.json's rope_parameters.full_attention, GGUF's
  // edgemma.rope.full_partial_rotary_factor or rope_freqs) land here; a factor
  // outside [0, 1] (or NaN) would make the rotated pair count meaningless.
  if (full_proportional &&
      !(full_partial_factor >= 0.f && full_partial_factor <= 1.f)) {
    return Corrupt("config: partial_rotary_factor of full_attention layers = " +
                   std::to_string(full_partial_factor) + " must be in [0, 1]");
  }
  const int first_shared = t.first_shared();
  t.layers.assign(static_cast<size_t>(t.n_layers), LayerSpec{});
  for (int i = 0; i < t.n_layers; ++i) {
    LayerSpec& l = t.layers[static_cast<size_t>(i)];
    l.type = types[static_cast<size_t>(i)];
    const bool full = l.type == LayerType::kFull;
    l.head_dim = full && t.global_head_dim > 0 ? t.global_head_dim : t.head_dim;
    l.k_eq_v = t.k_eq_v && full;
    l.n_kv_heads = l.k_eq_v && t.n_global_kv_heads > 0 ? t.n_global_kv_heads
                                                       : t.n_kv_heads;
    l.kv_shared = i >= first_shared;
    l.kv_source = i;
    if (l.kv_shared) {
      // KV comes from the LAST non-shared layer of the same type.
      l.kv_source = -1;
      for (int j = first_shared - 1; j >= 0; --j) {
        if (types[static_cast<size_t>(j)] == l.type) {
          l.kv_source = j;
          break;
        }
      }
      if (l.kv_source < 0) {
        return InvalidArgument(
            "config: layer " + std::to_string(i) +
            " shares KV but no non-shared layer has its type " +
            (full ? "full_attention" : "sliding_attention"));
      }
    }
    // Double-wide MLP only on the KV-shared layers (and only if some layer is
    // not shared).
    l.d_ff =
        t.d_ff * (t.double_wide_mlp && l.kv_shared && first_shared > 0 ? 2 : 1);
    l.rope_proportional = full && full_proportional;
    l.rope_theta = full ? full_theta : sliding_theta;
    l.rope_pairs =
        RopePairs(l.head_dim, l.rope_proportional, full_partial_factor);
  }
  return Status::Ok();
}

Result<Gemma4Config> ParseGemma4Config(std::string_view config_json) {
  json top;
  EM_RETURN_IF_ERROR(ParseJson(config_json, "config.json", &top));
  std::string model_type;
  EM_RETURN_IF_ERROR(Fields(top, "").String("model_type", "", &model_type));
  const json* tc = &top;
  std::string prefix;
  if (model_type == "gemma4" ||
      (model_type.empty() && top.contains("text_config"))) {
    auto it = top.find("text_config");
    if (it == top.end() || !it->is_object()) {
      return Corrupt(
          "config: missing required field text_config (model_type gemma4)");
    }
    tc = &*it;
    prefix = "text_config.";
  } else if (!model_type.empty() && model_type != "gemma4_text") {
    return Unsupported("config: model_type '" + model_type +
                       "' is not gemma4 or gemma4_text");
  }
  const Fields f(*tc, prefix);
  Gemma4Config c;
  TextConfig& t = c.text;
  EM_RETURN_IF_ERROR(RejectUnsupported(f));
  EM_RETURN_IF_ERROR(ReadScalars(f, t));
  bool tie_text = true;
  EM_RETURN_IF_ERROR(f.Bool("tie_word_embeddings", true, &tie_text));
  EM_RETURN_IF_ERROR(
      Fields(top, "").Bool("tie_word_embeddings", tie_text, &t.tie_embeddings));
  EM_RETURN_IF_ERROR(f.String("dtype", "", &t.dtype));
  if (t.dtype.empty())
    EM_RETURN_IF_ERROR(Fields(top, "").String("dtype", "", &t.dtype));
  if (t.dtype.empty())
    EM_RETURN_IF_ERROR(Fields(top, "").String("torch_dtype", "", &t.dtype));
  if (t.n_layers <= 0)
    return Corrupt("config: " + f.Name("num_hidden_layers") + " must be > 0");
  std::vector<LayerType> types;
  EM_RETURN_IF_ERROR(ReadLayerTypes(f, t.n_layers, &types));
  Rope rope;
  EM_RETURN_IF_ERROR(ReadRope(f, &rope));
  EM_RETURN_IF_ERROR(DeriveLayerTable(t, types, rope.sliding_theta,
                                      rope.full_theta, rope.full_proportional,
                                      rope.full_factor));
  EM_RETURN_IF_ERROR(ApplyPerLayerConfig(f, t));
  if (tc != &top) EM_RETURN_IF_ERROR(ReadTopLevel(top, c));
  EM_RETURN_IF_ERROR(Fields(top, "").IdList("eos_token_id", &c.eos_ids));
  if (std::find(c.eos_ids.begin(), c.eos_ids.end(), t.eos_id) ==
      c.eos_ids.end()) {
    c.eos_ids.insert(c.eos_ids.begin(), t.eos_id);
  }
  EM_RETURN_IF_ERROR(ValidateConfig(c));
  return c;
}

namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError(path + ": read failed");
  return ss.str();
}

Status ReadGenerationConfig(const std::string& path, Gemma4Config& c) {
  EM_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  json g;
  EM_RETURN_IF_ERROR(ParseJson(text, "generation_config.json", &g));
  const Fields f(g, "generation_config.");
  EM_RETURN_IF_ERROR(f.IdList("eos_token_id", &c.eos_ids));
  EM_RETURN_IF_ERROR(f.Float("temperature", 0.f, &c.temperature));
  EM_RETURN_IF_ERROR(f.Float("top_p", 0.f, &c.top_p));
  return f.IntOr("top_k", 0, &c.top_k);
}

}  // namespace

Result<Gemma4Config> LoadGemma4Config(const std::string& model_dir) {
  const std::string path = model_dir + "/config.json";
  Result<std::string> text = ReadText(path);
  if (!text.ok()) return NotFound(model_dir + ": no readable config.json");
  Result<Gemma4Config> cfg = ParseGemma4Config(text.value());
  if (!cfg.ok()) {
    return Status(cfg.status().code(), path + ": " + cfg.status().message());
  }
  const std::string gen = model_dir + "/generation_config.json";
  if (std::ifstream(gen).good()) {
    Status s = ReadGenerationConfig(gen, cfg.value());
    if (!s.ok()) return Status(s.code(), gen + ": " + s.message());
    EM_RETURN_IF_ERROR(ValidateConfig(cfg.value()));
  }
  return cfg;
}

namespace {

Status Positive(const char* field, int v) {
  if (v > 0) return Status::Ok();
  return InvalidArgument(std::string("config: ") + field +
                         " must be > 0 (got " + std::to_string(v) + ")");
}

Status TokenInVocab(const char* field, int id, int vocab, bool optional) {
  if (optional && id < 0) return Status::Ok();
  if (id >= 0 && id < vocab) return Status::Ok();
  return InvalidArgument(
      std::string("config: ") + field + " = " + std::to_string(id) +
      " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
}

Status ValidateLayer(const TextConfig& t, int i) {
  const LayerSpec& l = t.layers[static_cast<size_t>(i)];
  const std::string at = "config: layer " + std::to_string(i) + ": ";
  if (l.head_dim <= 0 || l.head_dim % 2) {
    return InvalidArgument(at + "head_dim " + std::to_string(l.head_dim) +
                           " must be positive and even");
  }
  if (l.n_kv_heads <= 0 || t.n_heads % l.n_kv_heads) {
    return InvalidArgument(at + "num_attention_heads " +
                           std::to_string(t.n_heads) +
                           " is not divisible by num_key_value_heads " +
                           std::to_string(l.n_kv_heads));
  }
  if (l.kv_source < 0 || l.kv_source > i ||
      (l.kv_shared && l.kv_source >= t.first_shared()) ||
      t.layers[static_cast<size_t>(l.kv_source)].type != l.type) {
    return InvalidArgument(at + "invalid KV source layer " +
                           std::to_string(l.kv_source));
  }
  if (l.kv_shared) {
    const LayerSpec& src = t.layers[static_cast<size_t>(l.kv_source)];
    if (src.head_dim != l.head_dim || src.n_kv_heads != l.n_kv_heads) {
      return InvalidArgument(at + "KV shape differs from its source layer " +
                             std::to_string(l.kv_source));
    }
  }
  if (l.d_ff <= 0) return InvalidArgument(at + "MLP width must be > 0");
  if (l.rope_pairs < 0 || l.rope_pairs > l.head_dim / 2 ||
      !(l.rope_theta > 0.f)) {
    return InvalidArgument(at + "invalid RoPE (theta " +
                           std::to_string(l.rope_theta) + ", pairs " +
                           std::to_string(l.rope_pairs) + ")");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateConfig(const Gemma4Config& cfg) {
  const TextConfig& t = cfg.text;
  EM_RETURN_IF_ERROR(Positive("hidden_size", t.d_model));
  EM_RETURN_IF_ERROR(Positive("num_hidden_layers", t.n_layers));
  EM_RETURN_IF_ERROR(Positive("num_attention_heads", t.n_heads));
  EM_RETURN_IF_ERROR(Positive("num_key_value_heads", t.n_kv_heads));
  EM_RETURN_IF_ERROR(Positive("head_dim", t.head_dim));
  EM_RETURN_IF_ERROR(Positive("intermediate_size", t.d_ff));
  EM_RETURN_IF_ERROR(Positive("vocab_size", t.vocab));
  EM_RETURN_IF_ERROR(Positive("sliding_window", t.window));
  EM_RETURN_IF_ERROR(Positive("max_position_embeddings", t.max_ctx));
  if (t.global_head_dim < 0 || t.n_global_kv_heads < 0 || t.d_ple < 0) {
    return InvalidArgument(
        "config: global_head_dim, num_global_key_value_heads and "
        "hidden_size_per_layer_input "
        "must not be negative");
  }
  if (t.d_ple > 0)
    EM_RETURN_IF_ERROR(Positive("vocab_size_per_layer_input", t.vocab_ple));
  if (t.n_kv_shared < 0 || t.n_kv_shared >= t.n_layers) {
    return InvalidArgument(
        "config: num_kv_shared_layers = " + std::to_string(t.n_kv_shared) +
        " must be in [0, num_hidden_layers)");
  }
  if (!(t.rms_eps > 0.f))
    return InvalidArgument("config: rms_norm_eps must be > 0");
  if (t.final_softcap < 0.f) {
    return InvalidArgument(
        "config: final_logit_softcapping must not be negative");
  }
  if (t.activation != "gelu_pytorch_tanh") {
    return Unsupported("config: hidden_activation '" + t.activation +
                       "' is not supported");
  }
  EM_RETURN_IF_ERROR(TokenInVocab("pad_token_id", t.pad_id, t.vocab, false));
  EM_RETURN_IF_ERROR(TokenInVocab("bos_token_id", t.bos_id, t.vocab, false));
  EM_RETURN_IF_ERROR(TokenInVocab("eos_token_id", t.eos_id, t.vocab, false));
  for (int id : cfg.eos_ids)
    EM_RETURN_IF_ERROR(TokenInVocab("eos_token_id", id, t.vocab, false));
  EM_RETURN_IF_ERROR(
      TokenInVocab("image_token_id", cfg.image_token_id, t.vocab, true));
  EM_RETURN_IF_ERROR(
      TokenInVocab("audio_token_id", cfg.audio_token_id, t.vocab, true));
  if (static_cast<int>(t.layers.size()) != t.n_layers) {
    return InvalidArgument(
        "config: the layer table has " + std::to_string(t.layers.size()) +
        " entries for num_hidden_layers = " + std::to_string(t.n_layers));
  }
  for (int i = 0; i < t.n_layers; ++i) EM_RETURN_IF_ERROR(ValidateLayer(t, i));
  return Status::Ok();
}

std::string Gemma4Config::DescribeLayers() const {
  std::string s;
  char line[160];
  for (size_t i = 0; i < text.layers.size(); ++i) {
    const LayerSpec& l = text.layers[i];
    std::snprintf(line, sizeof(line),
                  "%3zu %-7s head_dim=%-4d kv_heads=%d kv_source=%2d %s "
                  "d_ff=%-6d rope=%-12s "
                  "theta=%g pairs=%d/%d\n",
                  i, l.type == LayerType::kFull ? "full" : "sliding",
                  l.head_dim, l.n_kv_heads, l.kv_source,
                  l.kv_shared ? "shared" : "own   ", l.d_ff,
                  l.rope_proportional ? "proportional" : "default",
                  l.rope_theta, l.rope_pairs, l.head_dim / 2);
    s += line;
  }
  return s;
}

}  // namespace edgemma
