// Tower weight binding (contracts in mmproj.h).
#include "core/io/mmproj.h"

#include <unordered_map>

#include "core/io/config.h"
#include "core/io/gguf_keys.h"
#include "platform/file_status.h"
#include "quant/quantize.h"

namespace edgemma {

// Where each planned GGUF name lands in the structs: a tensor or a clip bound.
struct Slot {
  BoundTensor* t = nullptr;
  float* scalar = nullptr;
};

class TowerBinder {
 public:
  explicit TowerBinder(TowerWeights& w) : w_(w) {}

  Status Bind(const std::string& path) {
    Register();
    for (const TowerTensor& p : PlanTowerTensors(w_.dims_)) {
      auto it = slots_.find(p.gguf_name);
      if (it == slots_.end())
        return Internal("mmproj: no slot for planned tensor " + p.gguf_name);
      EM_RETURN_IF_ERROR(BindOne(path, p, it->second));
    }
    return Status::Ok();
  }

 private:
  void T(const std::string& name, BoundTensor* t) { slots_[name].t = t; }
  void L(const std::string& base, ClippedLinear* l) {
    T(base + ".weight", &l->w);
    slots_[base + ".input_min"].scalar = &l->in_min;
    slots_[base + ".input_max"].scalar = &l->in_max;
    slots_[base + ".output_min"].scalar = &l->out_min;
    slots_[base + ".output_max"].scalar = &l->out_max;
  }

  void RegisterVision() {
    VisionWeights& v = w_.vision_;
    v.layers.resize(w_.dims_.vision.n_layers);
    T("v.patch_embd.weight", &v.patch);
    T("v.position_embd.weight", &v.pos);
    T("v.std_bias", &v.std_bias);
    T("v.std_scale", &v.std_scale);
    T("mm.input_projection.weight", &v.proj);
    for (size_t i = 0; i < v.layers.size(); ++i) {
      VisionLayerWeights& l = v.layers[i];
      const std::string g = "v.blk." + std::to_string(i) + ".";
      T(g + "ln1.weight", &l.ln1);
      T(g + "attn_q_norm.weight", &l.q_norm);
      T(g + "attn_k_norm.weight", &l.k_norm);
      T(g + "attn_post_norm.weight", &l.attn_post_norm);
      T(g + "ln2.weight", &l.ln2);
      T(g + "ffn_post_norm.weight", &l.ffn_post_norm);
      T(g + "out_scale.weight", &l.out_scale);
      L(g + "attn_q", &l.q);
      L(g + "attn_k", &l.k);
      L(g + "attn_v", &l.v);
      L(g + "attn_out", &l.o);
      L(g + "ffn_gate", &l.gate);
      L(g + "ffn_up", &l.up);
      L(g + "ffn_down", &l.down);
    }
  }

  void RegisterAudioLayer(AudioLayerWeights& l, const std::string& g) {
    T(g + "ffn_norm.weight", &l.ffn_norm);
    T(g + "ffn_post_norm.weight", &l.ffn_post_norm);
    T(g + "ffn_norm_1.weight", &l.ffn_norm_1);
    T(g + "ffn_post_norm_1.weight", &l.ffn_post_norm_1);
    T(g + "attn_pre_norm.weight", &l.attn_pre_norm);
    T(g + "attn_post_norm.weight", &l.attn_post_norm);
    T(g + "attn_k_rel.weight", &l.k_rel);
    T(g + "per_dim_scale.weight", &l.per_dim_scale);
    T(g + "per_dim_k_scale.weight", &l.per_dim_k_scale);
    T(g + "conv_norm.weight", &l.pre_conv_norm);
    T(g + "conv_dw.weight", &l.conv_dw);
    T(g + "norm_conv.weight", &l.post_conv_norm);
    T(g + "ln2.weight", &l.ln2);
    L(g + "ffn_up", &l.ffn_up);
    L(g + "ffn_down", &l.ffn_down);
    L(g + "ffn_up_1", &l.ffn_up_1);
    L(g + "ffn_down_1", &l.ffn_down_1);
    L(g + "attn_q", &l.q);
    L(g + "attn_k", &l.k);
    L(g + "attn_v", &l.v);
    L(g + "attn_out", &l.o);
    L(g + "conv_pw1", &l.pw1);
    L(g + "conv_pw2", &l.pw2);
  }

  void Register() {
    if (w_.dims_.vision.present) RegisterVision();
    if (!w_.dims_.audio.present) return;
    AudioWeights& a = w_.audio_;
    for (int k = 0; k < 2; ++k) {
      T("a.conv1d." + std::to_string(k) + ".weight", &a.conv[k]);
      T("a.conv1d." + std::to_string(k) + ".norm.weight", &a.conv_norm[k]);
    }
    T("a.input_projection.weight", &a.input_proj);
    T("a.pre_encode.out.weight", &a.out_w);
    T("a.pre_encode.out.bias", &a.out_b);
    T("mm.a.input_projection.weight", &a.proj);
    a.layers.resize(w_.dims_.audio.n_layers);
    for (size_t i = 0; i < a.layers.size(); ++i)
      RegisterAudioLayer(a.layers[i], "a.blk." + std::to_string(i) + ".");
  }

  Status CheckDtype(const std::string& where, const TowerTensor& p,
                    const TensorInfo& t) const {
    const DType d = t.dtype;
    const bool is_float =
        d == DType::kF32 || d == DType::kF16 || d == DType::kBF16;
    bool ok = is_float;
    if (w_.gguf_ && p.role == TowerRole::kF32) ok = d == DType::kF32;
    if (w_.gguf_ && p.role == TowerRole::kLinear)
      ok = is_float || d == DType::kQ8_0 || d == DType::kQ4_0;
    if (ok) return Status::Ok();
    return Unsupported(where + ": tensor '" + t.name + "' has dtype " +
                       DTypeName(d) + ", not allowed for this tensor");
  }

  Status BindOne(const std::string& where, const TowerTensor& p, Slot s) {
    const bool gguf = w_.gguf_ != nullptr;
    const std::string& name = gguf ? p.gguf_name : p.hf_name;
    const TensorInfo* t = gguf ? w_.gguf_->Find(name) : w_.st_->Find(name);
    if (t == nullptr) {
      if (p.optional) return Status::Ok();
      return NotFound(where + ": tower tensor '" + name + "' is missing");
    }
    EM_RETURN_IF_ERROR(CheckDtype(where, p, *t));
    const std::vector<int64_t>& want = gguf ? p.shape : p.hf_shape;
    const bool scalar_ok =
        p.shape == std::vector<int64_t>{1} && t->numel() == 1;
    if (t->shape != want && !scalar_ok) {
      TensorInfo w;
      w.shape = want;
      return InvalidArgument(where + ": tensor '" + name + "' has shape " +
                             t->ShapeString() + ", the config implies " +
                             w.ShapeString());
    }
    BoundTensor b;
    b.t = *t;
    b.t.shape = p.shape;
    b.pending = gguf ? TowerTransform::kNone : p.transform;
    if (s.t != nullptr) *s.t = b;
    if (s.scalar != nullptr) {
      EM_ASSIGN_OR_RETURN(std::vector<float> v, w_.ToF32(b));
      *s.scalar = v[0];
    }
    return Status::Ok();
  }

  TowerWeights& w_;
  std::unordered_map<std::string, Slot> slots_;
};

namespace {

Result<TowerDims> DimsFromGguf(const GgufFile& g, const std::string& path) {
  Gemma4Config cfg;
  for (const char* k :
       {"clip.vision.projection_dim", "clip.audio.projection_dim"}) {
    if (g.Get(k) != nullptr) {
      EM_ASSIGN_OR_RETURN(int64_t v, g.GetInt(k));
      cfg.text.d_model = static_cast<int>(v);
    }
  }
  if (g.Get(kEmVisionJson) != nullptr) {
    EM_ASSIGN_OR_RETURN(cfg.vision.json, g.GetString(kEmVisionJson));
    cfg.vision.present = true;
  }
  if (g.Get(kEmAudioJson) != nullptr) {
    EM_ASSIGN_OR_RETURN(cfg.audio.json, g.GetString(kEmAudioJson));
    cfg.audio.present = true;
  }
  if (!cfg.vision.present && !cfg.audio.present) {
    return Unsupported(path +
                       ": no edgemma.vision_config / edgemma.audio_config "
                       "(not an mmproj written by edgemma quantize)");
  }
  if (cfg.text.d_model <= 0)
    return Corrupt(path + ": no clip.*.projection_dim");
  return TowerDimsFromConfig(cfg);
}

}  // namespace

std::string MmprojPathBeside(const std::string& model_path) {
  const size_t s = model_path.rfind('/');
  if (s == std::string::npos) return "mmproj-" + model_path;
  return model_path.substr(0, s + 1) + "mmproj-" + model_path.substr(s + 1);
}

Result<std::string> TowerPathFor(const std::string& model_path,
                                 const char* what) {
  const FileKind kind = GetFileKind(model_path);
  if (kind == FileKind::kMissing)
    return NotFound(model_path + ": no such file or directory");
  if (kind == FileKind::kDirectory) return model_path;
  const std::string mm = MmprojPathBeside(model_path);
  if (!PathExists(mm)) {
    return NotFound(model_path + ": the model has no " + what +
                    " tower here (looked for " + mm +
                    ", the mmproj `edgemma quantize` writes beside a GGUF)");
  }
  return mm;
}

Result<std::unique_ptr<TowerWeights>> TowerWeights::Open(
    const std::string& path) {
  auto w = std::make_unique<TowerWeights>();
  const FileKind kind = GetFileKind(path);
  if (kind == FileKind::kMissing)
    return NotFound(path + ": no such file or directory");
  if (kind == FileKind::kDirectory) {
    EM_ASSIGN_OR_RETURN(Gemma4Config cfg, LoadGemma4Config(path));
    EM_ASSIGN_OR_RETURN(w->dims_, TowerDimsFromConfig(cfg));
    EM_ASSIGN_OR_RETURN(w->st_, SafetensorsModel::OpenDir(path));
  } else {
    EM_ASSIGN_OR_RETURN(w->gguf_, GgufFile::Open(path));
    EM_ASSIGN_OR_RETURN(w->dims_, DimsFromGguf(*w->gguf_, path));
  }
  if (!w->dims_.any())
    return NotFound(path + ": the config has no vision or audio tower");
  TowerBinder binder(*w);
  EM_RETURN_IF_ERROR(binder.Bind(path));
  return w;
}

Result<std::vector<float>> TowerWeights::ToF32(const BoundTensor& b) const {
  if (!b.present()) return NotFound("tower tensor is absent");
  const TensorInfo& t = b.t;
  const int64_t cols = t.shape.back();
  const int64_t rows = t.numel() / cols;
  EM_ASSIGN_OR_RETURN(size_t row_bytes, RowBytes(t.dtype, cols));
  std::vector<float> out(static_cast<size_t>(t.numel()));  // [rows, cols]
  const uint8_t* p = static_cast<const uint8_t*>(t.data);
  for (int64_t r = 0; r < rows; ++r) {
    EM_RETURN_IF_ERROR(
        DequantizeRow(t.dtype, p + r * row_bytes, cols, out.data() + r * cols));
  }
  if (b.pending != TowerTransform::kNone) {
    TowerTensor tt;
    tt.transform = b.pending;
    tt.shape = t.shape;
    // Transforms are per HF row: the patch row is everything after dim 0.
    const int64_t n = b.pending == TowerTransform::kPatchToConv
                          ? t.numel() / t.shape[0]
                          : t.numel();
    std::vector<float> tmp;
    for (int64_t r0 = 0; r0 < t.numel(); r0 += n)
      ApplyTowerTransform(tt, out.data() + r0, n, tmp);
  }
  return out;
}

}  // namespace edgemma
