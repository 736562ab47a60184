// GGUF metadata -> Gemma4Config: the inverse of what `edgemma quantize` /
// `edgemma synth` write (core/convert/quantize_model.cc). Reads llama.cpp's
// `gemma4.*` keys first; fields llama.cpp has no key for come from our
// `edgemma.*` keys when present, else are derived (vocab from the token_embd
// shape, special ids from tokenizer.ggml.*, proportional RoPE from rope_freqs).
#include <cmath>
#include <string>
#include <vector>

#include "core/io/config.h"
#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/io/model_source.h"

namespace edgemma {
namespace {

// Takes the value of an optional key: a missing key gives `def`; a present key
// of the wrong type is an error.
template <typename T, typename U>
Status TakeOpt(Result<T> r, U def, U* out) {
  if (r.ok()) {
    *out = static_cast<U>(r.value());
    return Status::Ok();
  }
  if (r.status().code() != StatusCode::kNotFound) return r.status();
  *out = def;
  return Status::Ok();
}
Status OptInt(const GgufFile& g, std::string_view key, int64_t def,
              int64_t* out) {
  return TakeOpt(g.GetInt(key), def, out);
}
Status OptFloat(const GgufFile& g, std::string_view key, double def,
                double* out) {
  return TakeOpt(g.GetFloat(key), def, out);
}
Status OptBool(const GgufFile& g, std::string_view key, bool def, bool* out) {
  return TakeOpt(g.GetBool(key), def, out);
}
Status OptString(const GgufFile& g, std::string_view key, std::string* out) {
  return TakeOpt(g.GetString(key), std::string(), out);
}

Result<int64_t> ReqInt(const GgufFile& g, std::string_view key) {
  Result<int64_t> r = g.GetInt(key);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound) {
    return NotFound("GGUF: required key '" + std::string(key) + "' is missing");
  }
  return r;
}

bool IsIntType(GgufType t) {
  return t == GgufType::kU8 || t == GgufType::kI8 || t == GgufType::kU16 ||
         t == GgufType::kI16 || t == GgufType::kU32 || t == GgufType::kI32 ||
         t == GgufType::kU64 || t == GgufType::kI64;
}

// A key that is either an integer scalar (same for every layer) or an integer
// array with one entry per layer.
Status PerLayerInts(const GgufFile& g, std::string_view key, int n_layers,
                    bool required, std::vector<int>* out) {
  out->clear();
  const GgufValue* v = g.Get(key);
  if (v == nullptr) {
    if (required)
      return NotFound("GGUF: required key '" + std::string(key) +
                      "' is missing");
    return Status::Ok();
  }
  if (v->type == GgufType::kArray) {
    if (!IsIntType(v->elem_type) ||
        v->count != static_cast<uint64_t>(n_layers)) {
      return Corrupt("GGUF: key '" + std::string(key) +
                     "' must be an integer array of " +
                     std::to_string(n_layers) + " entries (got " +
                     std::to_string(v->count) + ")");
    }
    for (uint64_t i = 0; i < v->count; ++i)
      out->push_back(static_cast<int>(v->ArrayInt(i)));
    return Status::Ok();
  }
  EM_ASSIGN_OR_RETURN(int64_t x, g.GetInt(key));
  out->assign(n_layers, static_cast<int>(x));
  return Status::Ok();
}

// Layer types from sliding_window_pattern: a bool array (true = sliding,
// llama.cpp gemma4) or an integer period (gemma3 style: layer i is full when
// (i+1) % period == 0). Absent: the HF default period of 6. The last layer is
// always full (HF post-init rule).
Status LayerTypes(const GgufFile& g, int n_layers,
                  std::vector<LayerType>* types) {
  types->assign(n_layers, LayerType::kSliding);
  const GgufValue* v = g.Get(kGgufSlidingPattern);
  if (v != nullptr && v->type == GgufType::kArray) {
    if ((v->elem_type != GgufType::kBool && !IsIntType(v->elem_type)) ||
        v->count != static_cast<uint64_t>(n_layers)) {
      return Corrupt(std::string("GGUF: key '") + kGgufSlidingPattern +
                     "' must be a bool array with one entry per layer");
    }
    for (int i = 0; i < n_layers; ++i) {
      (*types)[i] = v->ArrayInt(i) ? LayerType::kSliding : LayerType::kFull;
    }
  } else {
    int64_t period = 6;
    if (v != nullptr)
      EM_RETURN_IF_ERROR(OptInt(g, kGgufSlidingPattern, 6, &period));
    if (period <= 0)
      return Corrupt("GGUF: sliding_window_pattern period must be positive");
    for (int i = 0; i < n_layers; ++i) {
      if ((i + 1) % period == 0) (*types)[i] = LayerType::kFull;
    }
  }
  if (n_layers > 0) types->back() = LayerType::kFull;
  return Status::Ok();
}

// Number of rotated pairs encoded in llama.cpp's rope_freqs tensor (1.0 =
// rotate, 1e30 = not).
Result<int> RotatedPairsFromRopeFreqs(const TensorInfo& t) {
  if (t.dtype != DType::kF32 || t.data == nullptr) {
    return Unsupported("GGUF: rope_freqs.weight must be F32");
  }
  const float* f = static_cast<const float*>(t.data);
  int64_t n = t.numel();
  int pairs = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (f[i] == 1.0f) ++pairs;
  }
  return pairs;
}

// Special token id by its string in tokenizer.ggml.tokens (llama.cpp GGUFs
// carry no multimodal id keys). -1 if not found.
int FindToken(const GgufValue* tokens, std::string_view text) {
  if (tokens == nullptr || tokens->type != GgufType::kArray ||
      tokens->elem_type != GgufType::kString) {
    return -1;
  }
  for (uint64_t i = 0; i < tokens->count; ++i) {
    if (tokens->ArrayString(i) == text) return static_cast<int>(i);
  }
  return -1;
}

Status ReadShapes(const GgufFile& g, TextConfig& t) {
  EM_ASSIGN_OR_RETURN(int64_t ctx, ReqInt(g, kGgufContextLength));
  EM_ASSIGN_OR_RETURN(int64_t d_model, ReqInt(g, kGgufEmbeddingLength));
  EM_ASSIGN_OR_RETURN(int64_t n_layers, ReqInt(g, kGgufBlockCount));
  EM_ASSIGN_OR_RETURN(int64_t n_heads, ReqInt(g, kGgufHeadCount));
  if (n_layers <= 0 || n_layers > 4096) {
    return Corrupt("GGUF: block_count " + std::to_string(n_layers) +
                   " out of range");
  }
  t.max_ctx = static_cast<int>(ctx);
  t.d_model = static_cast<int>(d_model);
  t.n_layers = static_cast<int>(n_layers);
  t.n_heads = static_cast<int>(n_heads);
  int64_t x = 0;
  EM_ASSIGN_OR_RETURN(x, ReqInt(g, kGgufKeyLength));
  t.global_head_dim = static_cast<int>(x);
  EM_RETURN_IF_ERROR(OptInt(g, kGgufKeyLengthSwa, t.global_head_dim, &x));
  t.head_dim = static_cast<int>(x);
  EM_ASSIGN_OR_RETURN(x, ReqInt(g, kGgufSlidingWindow));
  t.window = static_cast<int>(x);
  EM_RETURN_IF_ERROR(OptInt(g, kGgufSharedKvLayers, 0, &x));
  t.n_kv_shared = static_cast<int>(x);
  EM_RETURN_IF_ERROR(OptInt(g, kGgufPleWidth, 0, &x));
  t.d_ple = static_cast<int>(x);
  double f = 0;
  EM_RETURN_IF_ERROR(OptFloat(g, kGgufRmsEps, 1e-6, &f));
  t.rms_eps = static_cast<float>(f);
  EM_RETURN_IF_ERROR(OptFloat(g, kGgufFinalSoftcap, 0.0, &f));
  t.final_softcap = static_cast<float>(f);
  return Status::Ok();
}

// Vocabulary sizes: edgemma.* keys, else the token_embd / per_layer_token_embd
// row counts.
Status ReadVocab(const GgufFile& g, TextConfig& t) {
  const TensorInfo* emb = g.Find("token_embd.weight");
  int64_t emb_rows =
      emb != nullptr && emb->shape.size() == 2 ? emb->shape[0] : 0;
  int64_t x = 0;
  EM_RETURN_IF_ERROR(OptInt(g, kEmVocab, emb_rows, &x));
  if (x <= 0)
    return NotFound(
        "GGUF: no vocabulary size (edgemma.vocab_size or token_embd)");
  t.vocab = static_cast<int>(x);
  const TensorInfo* ple = g.Find("per_layer_token_embd.weight");
  int64_t ple_rows =
      ple != nullptr && ple->shape.size() == 2 ? ple->shape[0] : t.vocab;
  EM_RETURN_IF_ERROR(OptInt(g, kEmVocabPle, ple_rows, &x));
  t.vocab_ple = t.d_ple > 0 ? static_cast<int>(x) : 0;
  return Status::Ok();
}

// FFN widths and KV heads, which llama.cpp may store per layer. The per-layer
// FFN array already includes double-wide widths; it is applied after
// DeriveLayerTable().
Status ReadPerLayer(const GgufFile& g, TextConfig& t, std::vector<int>* ffn,
                    std::vector<int>* kv) {
  EM_RETURN_IF_ERROR(
      PerLayerInts(g, kGgufFeedForwardLength, t.n_layers, true, ffn));
  EM_RETURN_IF_ERROR(PerLayerInts(g, kGgufHeadCountKv, t.n_layers, true, kv));
  int64_t x = 0;
  EM_RETURN_IF_ERROR(OptInt(g, kEmIntermediateSize, (*ffn)[0], &x));
  t.d_ff = static_cast<int>(x);
  bool dw = false;
  for (int i = t.first_shared(); i < t.n_layers && i >= 0; ++i)
    dw |= (*ffn)[i] == 2 * t.d_ff;
  EM_RETURN_IF_ERROR(OptBool(g, kEmDoubleWide, dw, &t.double_wide_mlp));
  EM_RETURN_IF_ERROR(OptBool(g, kEmKEqV, false, &t.k_eq_v));
  t.n_kv_heads = (*kv)[0];
  int64_t gkv = 0;
  for (int h : *kv) {
    if (h != t.n_kv_heads)
      gkv = h;  // llama.cpp writes an array only when global heads differ
  }
  EM_RETURN_IF_ERROR(OptInt(g, kEmGlobalKvHeads, gkv, &x));
  t.n_global_kv_heads = static_cast<int>(x);
  return Status::Ok();
}

Status ReadTokenIds(const GgufFile& g, Gemma4Config& c) {
  TextConfig& t = c.text;
  int64_t x = 0;
  EM_RETURN_IF_ERROR(OptInt(g, kGgufTokPad, 0, &x));
  EM_RETURN_IF_ERROR(OptInt(g, kEmPadId, x, &x));
  t.pad_id = static_cast<int>(x);
  EM_RETURN_IF_ERROR(OptInt(g, kGgufTokBos, 2, &x));
  EM_RETURN_IF_ERROR(OptInt(g, kEmBosId, x, &x));
  t.bos_id = static_cast<int>(x);
  EM_RETURN_IF_ERROR(OptInt(g, kGgufTokEos, 1, &x));
  EM_RETURN_IF_ERROR(OptInt(g, kEmEosId, x, &x));
  t.eos_id = static_cast<int>(x);

  const GgufValue* tokens = g.Get(kGgufTokTokens);
  struct Mm {
    const char* key;
    const char* text;
    int* dst;
  };
  const Mm mm[] = {{kEmImageId, "<|image|>", &c.image_token_id},
                   {kEmVideoId, "<|video|>", &c.video_token_id},
                   {kEmAudioId, "<|audio|>", &c.audio_token_id},
                   {kEmBoiId, "<|image>", &c.boi_token_id},
                   {kEmEoiId, "<image|>", &c.eoi_token_id},
                   {kEmBoaId, "<|audio>", &c.boa_token_id},
                   {kEmEoaId, "<audio|>", &c.eoa_token_id}};
  for (const Mm& m : mm) {
    EM_RETURN_IF_ERROR(OptInt(g, m.key, FindToken(tokens, m.text), &x));
    *m.dst = static_cast<int>(x);
  }

  c.eos_ids.clear();
  const GgufValue* eos = g.Get(kEmEosIds);
  if (eos != nullptr && eos->type == GgufType::kArray &&
      IsIntType(eos->elem_type)) {
    for (uint64_t i = 0; i < eos->count; ++i)
      c.eos_ids.push_back(int(eos->ArrayInt(i)));
  } else {
    c.eos_ids.push_back(t.eos_id);
    int64_t eot = -1;
    EM_RETURN_IF_ERROR(OptInt(g, kGgufTokEot, -1, &eot));
    if (eot < 0) eot = FindToken(tokens, "<turn|>");
    if (eot >= 0 && eot != t.eos_id) c.eos_ids.push_back(static_cast<int>(eot));
  }
  return Status::Ok();
}

Status ReadExtras(const GgufFile& g, Gemma4Config& c) {
  TextConfig& t = c.text;
  EM_RETURN_IF_ERROR(OptString(g, kEmActivation, &t.activation));
  if (t.activation.empty()) t.activation = "gelu_pytorch_tanh";
  EM_RETURN_IF_ERROR(OptString(g, kEmDtype, &t.dtype));
  EM_RETURN_IF_ERROR(OptBool(g, kEmTieEmbeddings,
                             g.Find("output.weight") == nullptr,
                             &t.tie_embeddings));
  int64_t x = 0;
  EM_RETURN_IF_ERROR(OptInt(g, kEmVisionSoftTokens, 0, &x));
  c.vision_soft_tokens_per_image = static_cast<int>(x);
  double f = 0;
  EM_RETURN_IF_ERROR(OptFloat(g, kEmTemperature, 0.0, &f));
  c.temperature = static_cast<float>(f);
  EM_RETURN_IF_ERROR(OptFloat(g, kEmTopP, 0.0, &f));
  c.top_p = static_cast<float>(f);
  EM_RETURN_IF_ERROR(OptInt(g, kEmTopK, 0, &x));
  c.top_k = static_cast<int>(x);
  struct Tower {
    const char* json_key;
    const char* hidden_key;
    TowerConfig* dst;
  };
  const Tower towers[] = {{kEmVisionJson, kEmVisionHidden, &c.vision},
                          {kEmAudioJson, kEmAudioHidden, &c.audio}};
  for (const Tower& tw : towers) {
    EM_RETURN_IF_ERROR(OptString(g, tw.json_key, &tw.dst->json));
    tw.dst->present = !tw.dst->json.empty();
    EM_RETURN_IF_ERROR(OptInt(g, tw.hidden_key, 0, &x));
    tw.dst->hidden_size = static_cast<int>(x);
  }
  return Status::Ok();
}

// RoPE of full layers: explicit edgemma.* keys, else llama.cpp's rope_freqs
// tensor, else the HF default (proportional, factor 0.25).
Status ReadRope(const GgufFile& g, const TextConfig& t, bool* proportional,
                float* factor) {
  *proportional = true;
  *factor = 0.25f;
  const TensorInfo* freqs = g.Find("rope_freqs.weight");
  if (freqs != nullptr) {
    EM_ASSIGN_OR_RETURN(int pairs, RotatedPairsFromRopeFreqs(*freqs));
    int full_hd = t.global_head_dim > 0 ? t.global_head_dim : t.head_dim;
    if (full_hd > 0)
      *factor = 2.0f * static_cast<float>(pairs) / static_cast<float>(full_hd);
  }
  EM_RETURN_IF_ERROR(
      OptBool(g, kEmRopeProportional, *proportional, proportional));
  double f = 0;
  EM_RETURN_IF_ERROR(OptFloat(g, kEmRopePartialFactor, *factor, &f));
  *factor = static_cast<float>(f);
  return Status::Ok();
}

}  // namespace

Result<Gemma4Config> ConfigFromGguf(const GgufFile& g) {
  Result<std::string> arch = g.GetString(kGgufArchitecture);
  if (!arch.ok())
    return NotFound("GGUF: general.architecture is missing or not a string");
  if (arch.value() != "gemma4") {
    return Unsupported("GGUF: architecture '" + arch.value() +
                       "' is not gemma4");
  }
  Gemma4Config c;
  TextConfig& t = c.text;
  EM_RETURN_IF_ERROR(ReadShapes(g, t));
  EM_RETURN_IF_ERROR(ReadVocab(g, t));
  std::vector<int> ffn, kv;
  EM_RETURN_IF_ERROR(ReadPerLayer(g, t, &ffn, &kv));
  EM_RETURN_IF_ERROR(ReadTokenIds(g, c));
  EM_RETURN_IF_ERROR(ReadExtras(g, c));

  std::vector<LayerType> types;
  EM_RETURN_IF_ERROR(LayerTypes(g, t.n_layers, &types));
  double full_theta = 0, swa_theta = 0;
  EM_RETURN_IF_ERROR(OptFloat(g, kGgufRopeBase, 1e6, &full_theta));
  EM_RETURN_IF_ERROR(OptFloat(g, kGgufRopeBaseSwa, 1e4, &swa_theta));
  bool proportional = true;
  float factor = 0.25f;
  EM_RETURN_IF_ERROR(ReadRope(g, t, &proportional, &factor));
  EM_RETURN_IF_ERROR(DeriveLayerTable(t, types, static_cast<float>(swa_theta),
                                      static_cast<float>(full_theta),
                                      proportional, factor));
  // The file's per-layer values are authoritative: llama.cpp's FFN array
  // already holds the double-wide widths and its KV-head array the global-layer
  // heads.
  for (int i = 0; i < t.n_layers; ++i) {
    t.layers[i].d_ff = ffn[i];
    t.layers[i].n_kv_heads = kv[i];
  }
  EM_RETURN_IF_ERROR(ValidateConfig(c));
  return c;
}

}  // namespace edgemma
