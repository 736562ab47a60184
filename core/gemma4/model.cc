#include "core/gemma4/model.h"

#include <algorithm>
#include <cmath>

#include "core/io/model_source.h"
#include "platform/mapped_file.h"

namespace edgemma {
namespace {

// HF's scaled embedding multiplies by `embed_scale.to(weight.dtype)`: in a bf16
// checkpoint sqrt(1536) = 39.19 becomes 39.25 (spec section 2.1). We follow HF,
// so a bf16 checkpoint's scale is rounded to bf16 (f16 likewise); otherwise the
// exact f32 square root is used. The tiny test models (d_model 64, d_ple 16)
// have exact roots, so both conventions agree there.
float RoundedScale(double value, const std::string& dtype) {
  float f = static_cast<float>(value);
  if (dtype == "bfloat16") return BF16ToF32(F32ToBF16(f));
  if (dtype == "float16") return F16ToF32(F32ToF16(f));
  return f;
}

}  // namespace

Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::Load(const std::string& path,
                                           const LoadOptions& options) {
  EM_ASSIGN_OR_RETURN(std::unique_ptr<ModelSource> source,
                      ModelSource::Open(path));
  return FromSource(std::move(source), options);
}

Result<std::unique_ptr<Model>> Model::FromSource(
    std::unique_ptr<ModelSource> source, const LoadOptions& options) {
  if (!source) return InvalidArgument("Model::FromSource: null source");
  std::unique_ptr<Model> m(new Model());
  m->config_ = source->config();
  EM_RETURN_IF_ERROR(ValidateConfig(m->config_));
  EM_ASSIGN_OR_RETURN(m->weights_, BindWeights(*source, options));
  m->source_ = std::move(source);
  m->AdviseLookupTables();
  EM_RETURN_IF_ERROR(m->Init());
  return m;
}

// The PLE table is only row-gathered: tell the kernel not to read ahead around
// a touched row (matters on a cold start from slow storage).
void Model::AdviseLookupTables() {
  const WeightMatrix& t = weights_.ple_table;
  if (!t.data) return;
  for (const TensorInfo& info : source_->tensors()) {
    if (info.data != t.data) continue;
    const MappedFile* file = source_->FileOf(info);
    if (!file) return;
    const size_t offset = static_cast<const uint8_t*>(info.data) - file->data();
    file->Advise(offset, info.nbytes, MapAdvice::kRandom);
    ple_file_ = file;
    return;
  }
}

void Model::GatherPleRow(int64_t row, float* out) const {
  const WeightMatrix& t = weights_.ple_table;
  DequantizeRow(t, row, out);
  if (!ple_file_) return;
  const uint8_t* begin =
      static_cast<const uint8_t*>(t.data) + row * t.row_bytes;
  ple_file_->Advise(begin - ple_file_->data(), t.row_bytes,
                    MapAdvice::kDontNeed);
}

Result<std::unique_ptr<Model>> Model::FromWeights(const Gemma4Config& config,
                                                  Weights weights,
                                                  const Kernels* kernels) {
  std::unique_ptr<Model> m(new Model());
  m->config_ = config;
  EM_RETURN_IF_ERROR(ValidateConfig(m->config_));
  m->weights_ = std::move(weights);
  m->kernels_ = kernels;
  EM_RETURN_IF_ERROR(m->Init());
  return m;
}

Status Model::Init() {
  const TextConfig& t = config_.text;
  if (!kernels_) {
    EM_ASSIGN_OR_RETURN(kernels_, SelectKernels());
  }
  if (t.activation != "gelu_pytorch_tanh" && t.activation != "gelu_new" &&
      t.activation != "gelu_fast" && !t.activation.empty()) {
    return Unsupported("model: hidden_activation '" + t.activation +
                       "' (only the tanh GELU of Gemma 4 is implemented)");
  }
  if (static_cast<int>(weights_.layers.size()) != t.n_layers) {
    return InvalidArgument("model: weights have " +
                           std::to_string(weights_.layers.size()) +
                           " layers, config " + std::to_string(t.n_layers));
  }
  inv_freq_.assign(t.n_layers, {});
  for (int i = 0; i < t.n_layers; ++i) {
    const LayerSpec& s = t.layers[i];
    if (s.head_dim <= 0 || s.head_dim % 2 != 0 ||
        s.rope_pairs > s.head_dim / 2) {
      return InvalidArgument("model: layer " + std::to_string(i) +
                             " head_dim " + std::to_string(s.head_dim) +
                             " / rope_pairs " + std::to_string(s.rope_pairs) +
                             " are inconsistent");
    }
    std::vector<double>& f = inv_freq_[i];
    f.assign(s.head_dim / 2, 0.0);
    for (int j = 0; j < s.rope_pairs; ++j) {
      f[j] = std::pow(static_cast<double>(s.rope_theta), -2.0 * j / s.head_dim);
    }
  }
  rope_group_.assign(t.n_layers, -1);
  rope_group_first_.clear();
  for (int i = 0; i < t.n_layers; ++i) {
    for (size_t g = 0; g < rope_group_first_.size() && rope_group_[i] < 0;
         ++g) {
      if (inv_freq_[rope_group_first_[g]] == inv_freq_[i])
        rope_group_[i] = static_cast<int>(g);
    }
    if (rope_group_[i] < 0) {
      rope_group_[i] = static_cast<int>(rope_group_first_.size());
      rope_group_first_.push_back(i);
    }
  }
  embed_scale_ =
      RoundedScale(std::sqrt(static_cast<double>(t.d_model)), t.dtype);
  ple_scale_ = RoundedScale(std::sqrt(static_cast<double>(t.d_ple)), t.dtype);
  return Status::Ok();
}

bool Model::IsMultimodalPlaceholder(int token) const {
  return token >= 0 &&
         (token == config_.image_token_id || token == config_.video_token_id ||
          token == config_.audio_token_id);
}

size_t Model::MaxMatMulScratchBytes(int64_t n) const {
  size_t best = 0;
  auto see = [&](const WeightMatrix& w) {
    if (w.data) best = std::max(best, MatMulScratchBytes(w.type, w.cols, n));
  };
  see(weights_.lm_head);
  see(weights_.ple_model_proj);
  for (const LayerWeights& l : weights_.layers) {
    for (const WeightMatrix* w : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up,
                                  &l.down, &l.ple_gate, &l.ple_proj}) {
      see(*w);
    }
  }
  return best;
}

}  // namespace edgemma
