#include "core/gemma4/weights.h"

#include <cstring>

#include "core/io/gemma4_names.h"
#include "core/io/model_source.h"
#include "quant/ops.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

// Tensor roles: the shared name table (core/io/gemma4_names.h).
using Role = TensorNames;
using namespace gemma4_names;  // NOLINT(build/namespaces): the role table

std::string ShapeStr(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

class Binder {
 public:
  Binder(const TextConfig& cfg, const TensorLookup& find, NameScheme scheme,
         std::string prefix, const LoadOptions& options)
      : cfg_(cfg),
        find_(find),
        scheme_(scheme),
        prefix_(std::move(prefix)),
        options_(options) {}

  Result<Weights> Bind();

 private:
  std::string Name(const Role& role, int layer) const;
  Result<const TensorInfo*> Get(const Role& role, int layer,
                                bool optional) const;
  Status CheckShape(const TensorInfo& t,
                    const std::vector<int64_t>& want) const;
  // Binds a [rows, cols] matrix; `quantizable`: a linear weight
  // LoadOptions::quantize may convert. Leaves *out empty if optional and
  // absent.
  Status Matrix(const Role& role, int layer, int64_t rows, int64_t cols,
                bool quantizable, bool optional, WeightMatrix* out);
  Status Vector(const Role& role, int layer, int64_t n, bool optional,
                const float** out);
  Status BindLayer(int i, LayerWeights* lw);
  Status Quantize(WeightMatrix* m);

  const TextConfig& cfg_;
  const TensorLookup& find_;
  NameScheme scheme_;
  std::string prefix_;
  LoadOptions options_;
  Weights w_;
};

std::string Binder::Name(const Role& role, int layer) const {
  if (scheme_ == NameScheme::kGguf) return ExpandLayerName(role.gguf, layer);
  if (&role == &kLmHead) return role.hf;
  return prefix_ + ExpandLayerName(role.hf, layer);
}

Result<const TensorInfo*> Binder::Get(const Role& role, int layer,
                                      bool optional) const {
  std::string name = Name(role, layer);
  const TensorInfo* t = find_(name);
  if (!t && !optional)
    return NotFound("weights: missing tensor '" + name + "'");
  return t;
}

Status Binder::CheckShape(const TensorInfo& t,
                          const std::vector<int64_t>& want) const {
  if (t.shape != want) {
    return InvalidArgument("weights: tensor '" + t.name + "' has shape " +
                           ShapeStr(t.shape) + ", expected " + ShapeStr(want) +
                           " from the config");
  }
  return Status::Ok();
}

Status Binder::Matrix(const Role& role, int layer, int64_t rows, int64_t cols,
                      bool quantizable, bool optional, WeightMatrix* out) {
  EM_ASSIGN_OR_RETURN(const TensorInfo* t, Get(role, layer, optional));
  if (!t) return Status::Ok();
  EM_RETURN_IF_ERROR(CheckShape(*t, {rows, cols}));
  if (!MatMulSupports(t->dtype)) {
    return Unsupported("weights: tensor '" + t->name +
                       "' has unsupported dtype " + DTypeName(t->dtype));
  }
  Result<size_t> row_bytes = RowBytes(t->dtype, cols);
  if (!row_bytes.ok()) {
    return Unsupported("weights: tensor '" + t->name +
                       "': " + row_bytes.status().message());
  }
  if (!t->data || t->nbytes < row_bytes.value() * static_cast<size_t>(rows)) {
    return Corrupt("weights: tensor '" + t->name +
                   "' holds fewer bytes than its shape needs");
  }
  *out = WeightMatrix{t->dtype, rows, cols, t->data, row_bytes.value()};
  if (quantizable) return Quantize(out);
  return Status::Ok();
}

Status Binder::Vector(const Role& role, int layer, int64_t n, bool optional,
                      const float** out) {
  EM_ASSIGN_OR_RETURN(const TensorInfo* t, Get(role, layer, optional));
  if (!t) return Status::Ok();
  // A scalar ([1] or []) or a vector [n].
  if (!(n == 1 && t->numel() == 1 && t->shape.size() <= 1)) {
    EM_RETURN_IF_ERROR(CheckShape(*t, {n}));
  }
  if (t->dtype != DType::kF32 && t->dtype != DType::kF16 &&
      t->dtype != DType::kBF16) {
    return Unsupported("weights: vector '" + t->name +
                       "' has unsupported dtype " + DTypeName(t->dtype) +
                       " (f32, f16 or bf16 expected)");
  }
  size_t elem = t->dtype == DType::kF32 ? 4 : 2;
  if (!t->data || t->nbytes < elem * static_cast<size_t>(n)) {
    return Corrupt("weights: tensor '" + t->name +
                   "' holds fewer bytes than its shape needs");
  }
  float* dst = static_cast<float*>(w_.Own(sizeof(float) * n));
  const uint8_t* src = static_cast<const uint8_t*>(t->data);
  for (int64_t j = 0; j < n; ++j) {
    if (t->dtype == DType::kF32) {
      std::memcpy(&dst[j], src + 4 * j, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, src + 2 * j, 2);
      dst[j] = t->dtype == DType::kF16 ? F16ToF32(h) : BF16ToF32(h);
    }
  }
  *out = dst;
  return Status::Ok();
}

Status Binder::Quantize(WeightMatrix* m) {
  DType q = options_.quantize;
  if (q == DType::kF32 || m->type == q || m->cols % 32 != 0)
    return Status::Ok();
  if (q != DType::kQ8_0 && q != DType::kQ4_0) {
    return Unsupported(std::string("weights: in-memory quantization to ") +
                       DTypeName(q) + " (q8_0 or q4_0 only)");
  }
  EM_ASSIGN_OR_RETURN(size_t row_bytes, RowBytes(q, m->cols));
  uint8_t* dst = static_cast<uint8_t*>(w_.Own(row_bytes * m->rows));
  std::vector<float> row(m->cols);
  for (int64_t r = 0; r < m->rows; ++r) {
    DequantizeRow(*m, r, row.data());
    EM_RETURN_IF_ERROR(
        QuantizeRow(q, row.data(), m->cols, dst + r * row_bytes));
  }
  *m = WeightMatrix{q, m->rows, m->cols, dst, row_bytes};
  return Status::Ok();
}

Status Binder::BindLayer(int i, LayerWeights* lw) {
  const LayerSpec& s = cfg_.layers[i];
  const int64_t d = cfg_.d_model, q_out = int64_t{cfg_.n_heads} * s.head_dim;
  const int64_t kv_out = int64_t{s.n_kv_heads} * s.head_dim;
  EM_RETURN_IF_ERROR(Vector(kInputNorm, i, d, false, &lw->input_norm));
  EM_RETURN_IF_ERROR(Matrix(kQ, i, q_out, d, true, false, &lw->q));
  EM_RETURN_IF_ERROR(Matrix(kO, i, d, q_out, true, false, &lw->o));
  EM_RETURN_IF_ERROR(Vector(kQNorm, i, s.head_dim, false, &lw->q_norm));
  if (!s.kv_shared) {  // shared layers may carry dead k/v/k_norm: never bound,
                       // never used
    EM_RETURN_IF_ERROR(Matrix(kK, i, kv_out, d, true, false, &lw->k));
    if (!s.k_eq_v)
      EM_RETURN_IF_ERROR(Matrix(kV, i, kv_out, d, true, false, &lw->v));
    EM_RETURN_IF_ERROR(Vector(kKNorm, i, s.head_dim, false, &lw->k_norm));
  }
  EM_RETURN_IF_ERROR(Vector(kPostAttnNorm, i, d, false, &lw->post_attn_norm));
  EM_RETURN_IF_ERROR(Vector(kPreFfNorm, i, d, false, &lw->pre_ff_norm));
  EM_RETURN_IF_ERROR(Vector(kPostFfNorm, i, d, false, &lw->post_ff_norm));
  EM_RETURN_IF_ERROR(Matrix(kGate, i, s.d_ff, d, true, false, &lw->gate));
  EM_RETURN_IF_ERROR(Matrix(kUp, i, s.d_ff, d, true, false, &lw->up));
  EM_RETURN_IF_ERROR(Matrix(kDown, i, d, s.d_ff, true, false, &lw->down));
  if (cfg_.d_ple > 0) {
    EM_RETURN_IF_ERROR(
        Matrix(kPleGate, i, cfg_.d_ple, d, true, false, &lw->ple_gate));
    EM_RETURN_IF_ERROR(
        Matrix(kPleProj, i, d, cfg_.d_ple, true, false, &lw->ple_proj));
    EM_RETURN_IF_ERROR(Vector(kPlePostNorm, i, d, false, &lw->ple_post_norm));
  }
  const float* scalar = nullptr;
  EM_RETURN_IF_ERROR(Vector(kLayerScalar, i, 1, false, &scalar));
  lw->layer_scalar = *scalar;
  return Status::Ok();
}

Result<Weights> Binder::Bind() {
  const int64_t d = cfg_.d_model, v = cfg_.vocab;
  if (static_cast<int>(cfg_.layers.size()) != cfg_.n_layers) {
    return InvalidArgument("weights: config has no per-layer table");
  }
  // The embedding is both a row-gathered table and (tied) the LM head matrix:
  // quantizing it makes both use the quantized copy, as a quantized GGUF would.
  EM_RETURN_IF_ERROR(Matrix(kEmbed, 0, v, d, true, false, &w_.embed));
  EM_RETURN_IF_ERROR(Matrix(kLmHead, 0, v, d, true, true, &w_.lm_head));
  if (!w_.lm_head.data) w_.lm_head = w_.embed;
  EM_RETURN_IF_ERROR(Vector(kFinalNorm, 0, d, false, &w_.final_norm));
  if (cfg_.d_ple > 0) {
    const int64_t lp = int64_t{cfg_.n_layers} * cfg_.d_ple;
    EM_RETURN_IF_ERROR(
        Matrix(kPleTable, 0, cfg_.vocab_ple, lp, false, false, &w_.ple_table));
    EM_RETURN_IF_ERROR(
        Matrix(kPleModelProj, 0, lp, d, true, false, &w_.ple_model_proj));
    EM_RETURN_IF_ERROR(
        Vector(kPleProjNorm, 0, cfg_.d_ple, false, &w_.ple_proj_norm));
  }
  w_.layers.resize(cfg_.n_layers);
  for (int i = 0; i < cfg_.n_layers; ++i)
    EM_RETURN_IF_ERROR(BindLayer(i, &w_.layers[i]));
  return std::move(w_);
}

}  // namespace

void* Weights::Own(size_t bytes) {
  owned.emplace_back(new uint8_t[bytes > 0 ? bytes : 1]);
  return owned.back().get();
}

Result<std::string> DetectHfPrefix(const TensorLookup& find) {
  for (const char* p : {"model.language_model.", "model."}) {
    if (find(std::string(p) + "embed_tokens.weight")) return std::string(p);
  }
  return NotFound(
      "weights: no 'model.language_model.embed_tokens.weight' or "
      "'model.embed_tokens.weight'");
}

Result<Weights> BindWeights(const TextConfig& cfg, const TensorLookup& find,
                            NameScheme scheme, const std::string& prefix,
                            const LoadOptions& options) {
  return Binder(cfg, find, scheme, prefix, options).Bind();
}

Result<Weights> BindWeights(const ModelSource& source,
                            const LoadOptions& options) {
  TensorLookup find = [&source](std::string_view name) {
    return source.Find(name);
  };
  if (source.format() == ModelFormat::kGguf) {
    return BindWeights(source.config().text, find, NameScheme::kGguf, "",
                       options);
  }
  EM_ASSIGN_OR_RETURN(std::string prefix, DetectHfPrefix(find));
  return BindWeights(source.config().text, find, NameScheme::kHf, prefix,
                     options);
}

}  // namespace edgemma
