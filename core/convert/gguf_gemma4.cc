// Gemma 4 GGUF layout and metadata (spec formats 4.2-4.4, text spec 9).
#include "core/convert/gguf_gemma4.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>

#include "core/io/gemma4_names.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

namespace n = gemma4_names;

void Add(std::vector<PlannedTensor>& v, const TensorNames& names,
         std::vector<int64_t> shape, TensorRole role, int layer = -1) {
  v.push_back(PlannedTensor{ExpandLayerName(names.gguf, layer),
                            ExpandLayerName(names.hf, layer), std::move(shape),
                            role});
}

void PlanLayer(const TextConfig& t, int i, std::vector<PlannedTensor>& v) {
  const LayerSpec& l = t.layers[i];
  const int64_t d = t.d_model, q = int64_t{t.n_heads} * l.head_dim;
  const int64_t kv = int64_t{l.n_kv_heads} * l.head_dim;
  constexpr TensorRole kNorm = TensorRole::kNorm, kLinear = TensorRole::kLinear;
  Add(v, n::kInputNorm, {d}, kNorm, i);
  Add(v, n::kQ, {q, d}, kLinear, i);
  if (!l.kv_shared) {
    Add(v, n::kK, {kv, d}, kLinear, i);
    if (!l.k_eq_v) Add(v, n::kV, {kv, d}, kLinear, i);
  }
  Add(v, n::kO, {d, q}, kLinear, i);
  Add(v, n::kQNorm, {l.head_dim}, kNorm, i);
  if (!l.kv_shared) Add(v, n::kKNorm, {l.head_dim}, kNorm, i);
  Add(v, n::kPostAttnNorm, {d}, kNorm, i);
  Add(v, n::kPreFfNorm, {d}, kNorm, i);
  Add(v, n::kGate, {l.d_ff, d}, kLinear, i);
  Add(v, n::kUp, {l.d_ff, d}, kLinear, i);
  Add(v, n::kDown, {d, l.d_ff}, kLinear, i);
  Add(v, n::kPostFfNorm, {d}, kNorm, i);
  if (t.d_ple > 0) {
    Add(v, n::kPleGate, {t.d_ple, d}, kLinear, i);
    Add(v, n::kPleProj, {d, t.d_ple}, kLinear, i);
    Add(v, n::kPlePostNorm, {d}, kNorm, i);
  }
  Add(v, n::kLayerScalar, {1}, TensorRole::kScalar, i);
}

int FullHeadDim(const TextConfig& t) {
  return t.global_head_dim > 0 ? t.global_head_dim : t.head_dim;
}

const LayerSpec* FirstOfType(const TextConfig& t, LayerType type) {
  for (const LayerSpec& l : t.layers) {
    if (l.type == type) return &l;
  }
  return nullptr;
}

uint32_t FileType(QuantPreset p) {
  switch (p) {  // llama.cpp's llama_ftype values
    case QuantPreset::kF32:
      return 0;
    case QuantPreset::kF16:
      return 1;
    case QuantPreset::kDefault:
    case QuantPreset::kQ4_0:
      return 2;
    case QuantPreset::kQ8_0:
      return 7;
    case QuantPreset::kBF16:
      return 32;
  }
  return 0;
}

void WriteGemma4Keys(const TextConfig& t, GgufWriter& w) {
  w.AddU32(kGgufContextLength, t.max_ctx);
  w.AddU32(kGgufEmbeddingLength, t.d_model);
  w.AddU32(kGgufBlockCount, t.n_layers);
  std::vector<uint32_t> ffn, kv;
  std::vector<bool> sliding;
  for (const LayerSpec& l : t.layers) {
    ffn.push_back(l.d_ff);
    kv.push_back(l.n_kv_heads);
    sliding.push_back(l.type == LayerType::kSliding);
  }
  auto uniform = [](const std::vector<uint32_t>& x) {
    return std::all_of(x.begin(), x.end(),
                       [&](uint32_t y) { return y == x[0]; });
  };
  if (uniform(ffn)) {
    w.AddU32(kGgufFeedForwardLength, ffn[0]);
  } else {
    w.AddU32Array(kGgufFeedForwardLength, ffn);
  }
  w.AddU32(kGgufHeadCount, t.n_heads);
  if (uniform(kv)) {
    w.AddU32(kGgufHeadCountKv, kv[0]);
  } else {
    w.AddU32Array(kGgufHeadCountKv, kv);
  }
  w.AddU32(kGgufKeyLength, FullHeadDim(t));
  w.AddU32(kGgufValueLength, FullHeadDim(t));
  w.AddU32(kGgufKeyLengthSwa, t.head_dim);
  w.AddU32(kGgufValueLengthSwa, t.head_dim);
  w.AddU32(kGgufSlidingWindow, t.window);
  w.AddBoolArray(kGgufSlidingPattern, sliding);
  w.AddU32(kGgufSharedKvLayers, t.n_kv_shared);
  w.AddF32(kGgufRmsEps, t.rms_eps);
  w.AddU32(kGgufPleWidth, t.d_ple);
  const LayerSpec* full = FirstOfType(t, LayerType::kFull);
  const LayerSpec* swa = FirstOfType(t, LayerType::kSliding);
  w.AddF32(kGgufRopeBase, full ? full->rope_theta : 1e6f);
  w.AddF32(kGgufRopeBaseSwa, swa ? swa->rope_theta : 1e4f);
  w.AddU32(kGgufRopeDims, FullHeadDim(t));
  w.AddU32(kGgufRopeDimsSwa, t.head_dim);
  if (t.final_softcap > 0) w.AddF32(kGgufFinalSoftcap, t.final_softcap);
}

void WriteEdgemmaKeys(const Gemma4Config& c, GgufWriter& w) {
  const TextConfig& t = c.text;
  w.AddU32(kEmVocab, t.vocab);
  w.AddU32(kEmVocabPle, t.vocab_ple);
  w.AddU32(kEmIntermediateSize, t.d_ff);
  w.AddBool(kEmDoubleWide, t.double_wide_mlp);
  w.AddBool(kEmKEqV, t.k_eq_v);
  w.AddU32(kEmGlobalKvHeads, t.n_global_kv_heads);
  const LayerSpec* full = FirstOfType(t, LayerType::kFull);
  bool prop = full ? full->rope_proportional : false;
  float factor = full && full->head_dim > 0
                     ? 2.0f * full->rope_pairs / full->head_dim
                     : 1.0f;
  w.AddBool(kEmRopeProportional, prop);
  w.AddF32(kEmRopePartialFactor, factor);
  w.AddString(kEmActivation, t.activation);
  w.AddString(kEmDtype, t.dtype);
  w.AddBool(kEmTieEmbeddings, t.tie_embeddings);
  w.AddI32(kEmPadId, t.pad_id);
  w.AddI32(kEmBosId, t.bos_id);
  w.AddI32(kEmEosId, t.eos_id);
  std::vector<int32_t> eos(c.eos_ids.begin(), c.eos_ids.end());
  w.AddI32Array(kEmEosIds, eos);
  w.AddI32(kEmImageId, c.image_token_id);
  w.AddI32(kEmVideoId, c.video_token_id);
  w.AddI32(kEmAudioId, c.audio_token_id);
  w.AddI32(kEmBoiId, c.boi_token_id);
  w.AddI32(kEmEoiId, c.eoi_token_id);
  w.AddI32(kEmBoaId, c.boa_token_id);
  w.AddI32(kEmEoaId, c.eoa_token_id);
  w.AddU32(kEmVisionSoftTokens, c.vision_soft_tokens_per_image);
  if (c.temperature > 0) w.AddF32(kEmTemperature, c.temperature);
  if (c.top_p > 0) w.AddF32(kEmTopP, c.top_p);
  if (c.top_k > 0) w.AddU32(kEmTopK, c.top_k);
  if (c.vision.present) {
    w.AddString(kEmVisionJson, c.vision.json);
    w.AddU32(kEmVisionHidden, c.vision.hidden_size);
  }
  if (c.audio.present) {
    w.AddString(kEmAudioJson, c.audio.json);
    w.AddU32(kEmAudioHidden, c.audio.hidden_size);
  }
}

}  // namespace

std::vector<PlannedTensor> PlanTextTensors(const Gemma4Config& cfg,
                                           bool tied_head_copy) {
  const TextConfig& t = cfg.text;
  std::vector<PlannedTensor> v;
  const int64_t d = t.d_model, lp = int64_t{t.n_layers} * t.d_ple;
  Add(v, n::kEmbed, {t.vocab, d}, TensorRole::kEmbedding);
  if (t.d_ple > 0) {
    Add(v, n::kPleTable, {t.vocab_ple, lp}, TensorRole::kPleTable);
    Add(v, n::kPleModelProj, {lp, d}, TensorRole::kLinear);
    Add(v, n::kPleProjNorm, {t.d_ple}, TensorRole::kNorm);
  }
  v.push_back(PlannedTensor{
      "rope_freqs.weight", "", {FullHeadDim(t) / 2}, TensorRole::kRopeFreqs});
  for (int i = 0; i < t.n_layers; ++i) PlanLayer(t, i, v);
  Add(v, n::kFinalNorm, {d}, TensorRole::kNorm);
  if (!t.tie_embeddings) {
    // lm_head sits outside the model prefix in HF checkpoints; see
    // quantize_model.cc.
    Add(v, n::kLmHead, {t.vocab, d}, TensorRole::kLinear);
  } else if (tied_head_copy) {
    v.push_back(PlannedTensor{
        n::kLmHead.gguf, n::kEmbed.hf, {t.vocab, d}, TensorRole::kTiedHead});
  }
  return v;
}

Result<QuantPreset> ParseQuantPreset(const std::string& n) {
  if (n == "default") return QuantPreset::kDefault;
  if (n == "q4_0") return QuantPreset::kQ4_0;
  if (n == "q8_0") return QuantPreset::kQ8_0;
  if (n == "f16") return QuantPreset::kF16;
  if (n == "bf16") return QuantPreset::kBF16;
  if (n == "f32") return QuantPreset::kF32;
  return InvalidArgument("unknown --type '" + n +
                         "' (default, q4_0, q8_0, f16, bf16, f32)");
}

const char* QuantPresetName(QuantPreset p) {
  switch (p) {
    case QuantPreset::kDefault:
      return "default";
    case QuantPreset::kQ4_0:
      return "q4_0";
    case QuantPreset::kQ8_0:
      return "q8_0";
    case QuantPreset::kF16:
      return "f16";
    case QuantPreset::kBF16:
      return "bf16";
    case QuantPreset::kF32:
      return "f32";
  }
  return "?";
}

DType ChooseTensorType(const PlannedTensor& t, QuantPreset preset,
                       const std::vector<std::string>& keep_f16) {
  if (t.shape.size() < 2 || t.role == TensorRole::kNorm ||
      t.role == TensorRole::kScalar || t.role == TensorRole::kRopeFreqs) {
    return DType::kF32;
  }
  for (const std::string& g : keep_f16) {
    if (fnmatch(g.c_str(), t.gguf_name.c_str(), 0) == 0 ||
        (!t.hf_name.empty() && fnmatch(g.c_str(), t.hf_name.c_str(), 0) == 0)) {
      return DType::kF16;
    }
  }
  DType type = DType::kQ4_0;
  switch (preset) {
    case QuantPreset::kDefault:
      type = t.role == TensorRole::kEmbedding  ? kDefaultEmbeddingType
             : t.role == TensorRole::kPleTable ? kDefaultPleType
             : t.role == TensorRole::kTiedHead ? kDefaultLmHeadType
                                               : DType::kQ4_0;
      break;
    case QuantPreset::kQ4_0:
      type = DType::kQ4_0;
      break;
    case QuantPreset::kQ8_0:
      type = DType::kQ8_0;
      break;
    case QuantPreset::kF16:
      type = DType::kF16;
      break;
    case QuantPreset::kBF16:
      type = DType::kBF16;
      break;
    case QuantPreset::kF32:
      type = DType::kF32;
      break;
  }
  if (IsBlockQuantized(type) && t.shape.back() % BlockElems(type) != 0)
    return DType::kF16;
  return type;
}

std::vector<float> RopeFreqs(const Gemma4Config& cfg) {
  const TextConfig& t = cfg.text;
  const LayerSpec* full = FirstOfType(t, LayerType::kFull);
  int n = FullHeadDim(t) / 2;
  int rotated = full ? std::min(full->rope_pairs, n) : n;
  std::vector<float> f(n, 1e30f);
  std::fill(f.begin(), f.begin() + rotated, 1.0f);
  return f;
}

void WriteConfigMetadata(const Gemma4Config& cfg, QuantPreset preset,
                         const std::string& name, const std::string& source,
                         GgufWriter& w) {
  w.AddString(kGgufArchitecture, "gemma4");
  w.AddString(kGgufName, name);
  w.SetAlignment(32);
  w.AddU32(kGgufFileType, FileType(preset));
  w.AddU32(kGgufQuantVersion, 2);
  WriteGemma4Keys(cfg.text, w);
  WriteEdgemmaKeys(cfg, w);
  w.AddString(kEmSource, source);
}

Status WriteTokenizerMetadata(const Tokenizer& tok, const Gemma4Config& cfg,
                              const std::string& chat_template, GgufWriter& w,
                              bool with_tables) {
  const int32_t n = tok.vocab_size();
  if (n <= 0 || n > cfg.text.vocab) {
    return InvalidArgument("tokenizer has " + std::to_string(n) +
                           " tokens but the model's vocabulary is " +
                           std::to_string(cfg.text.vocab));
  }
  std::vector<std::string> tokens(n);
  std::vector<float> scores(n);
  std::vector<int32_t> types(n);
  for (int32_t i = 0; i < n; ++i) {
    tokens[i] = std::string(tok.Piece(i));
    scores[i] = tok.Score(i);
    types[i] = static_cast<int32_t>(tok.Type(i));
  }
  w.AddString(kGgufTokModel, "gemma4");
  w.AddStringArray(kGgufTokTokens, tokens);
  std::vector<std::string>().swap(tokens);
  w.AddF32Array(kGgufTokScores, scores);
  w.AddI32Array(kGgufTokTypes, types);
  std::vector<std::string> merges(tok.num_merges());
  for (size_t i = 0; i < merges.size(); ++i) merges[i] = tok.MergeString(i);
  w.AddStringArray(kGgufTokMerges, merges);
  w.AddU32(kGgufTokBos, cfg.text.bos_id);
  w.AddU32(kGgufTokEos, cfg.text.eos_id);
  w.AddU32(kGgufTokPad, cfg.text.pad_id);
  w.AddBool(kGgufTokAddBos, true);
  w.AddBool(kGgufTokAddSpace, false);
  // edgemma.tokenizer.*: loads without rebuilding the hash tables.
  if (with_tables) WriteTokenizerTables(tok, w);
  if (!chat_template.empty()) w.AddString(kGgufChatTemplate, chat_template);
  w.AddString(kEmTokenizer, "embedded");
  return Status::Ok();
}

void WriteNoTokenizerMetadata(GgufWriter& w) {
  w.AddString(kEmTokenizer, "none");
}

Status StreamRows(DType type, int64_t rows, int64_t cols, const RowFiller& fill,
                  TensorSink& sink) {
  EM_ASSIGN_OR_RETURN(size_t row_bytes, RowBytes(type, cols));
  const int64_t chunk =
      std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(cols, 1));
  std::vector<float> f32(
      static_cast<size_t>(std::min(chunk, rows) * cols));  // [chunk, cols]
  std::vector<uint8_t> out(static_cast<size_t>(std::min(chunk, rows)) *
                           row_bytes);
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t nr = std::min(chunk, rows - r0);
    EM_RETURN_IF_ERROR(fill(r0, nr, f32.data()));
    for (int64_t r = 0; r < nr; ++r) {
      EM_RETURN_IF_ERROR(QuantizeRow(type, f32.data() + r * cols, cols,
                                     out.data() + r * row_bytes));
    }
    EM_RETURN_IF_ERROR(
        sink.Write(out.data(), static_cast<size_t>(nr) * row_bytes));
  }
  return Status::Ok();
}

}  // namespace edgemma
