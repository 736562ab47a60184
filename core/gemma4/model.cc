#include "core/gemma4/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/io/model_source.h"
#include "platform/mapped_file.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

// Bytes of table row read per pread(): one E4B Q8_0 PLE row (11,424 bytes) in
// one call; kept on the stack of the gathering thread.
constexpr size_t kPleReadBytes = 16384;

// The kernel's default fault-around window (mm/memory.c fault_around_bytes):
// the most a single read fault maps, aligned to its own size.
constexpr size_t kFaultAroundBytes = 65536;

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

namespace {

// Reads and dequantizes the row in whole-block pieces of at most
// kPleReadBytes. False on a read error (the caller falls back to the mapping).
bool ReadRow(const WeightMatrix& t, const Model::FileRows& f, int64_t row,
             float* out) {
  const int64_t block_elems = BlockElems(t.type);
  const size_t block_bytes = BlockBytes(t.type);
  const int64_t piece =
      static_cast<int64_t>(kPleReadBytes / block_bytes) * block_elems;
  alignas(64) uint8_t buf[kPleReadBytes];
  const size_t row_offset = f.offset + static_cast<size_t>(row) * t.row_bytes;
  for (int64_t c = 0; c < t.cols; c += piece) {
    const int64_t n = std::min(piece, t.cols - c);
    const size_t at =
        row_offset + static_cast<size_t>(c / block_elems) * block_bytes;
    if (!f.file->ReadAt(at, static_cast<size_t>(n / block_elems) * block_bytes,
                        buf) ||
        !DequantizeRow(t.type, buf, n, out + c).ok()) {
      return false;
    }
  }
  return true;
}

// Drops every page the read fault on `row` may have mapped: the row's pages and
// the fault-around windows they lie in, clipped to the table (other tensors'
// pages stay mapped). MADV_DONTNEED on a read-only file mapping only drops our
// page-table entries; the page cache keeps the data.
void ReleaseMappedRow(const WeightMatrix& t, const Model::FileRows& f,
                      int64_t row) {
  const size_t table_end = f.offset + static_cast<size_t>(t.rows) * t.row_bytes;
  const size_t row_begin = f.offset + static_cast<size_t>(row) * t.row_bytes;
  const size_t begin =
      std::max(f.offset, row_begin / kFaultAroundBytes * kFaultAroundBytes);
  const size_t end =
      std::min(table_end, (row_begin + t.row_bytes + kFaultAroundBytes - 1) /
                              kFaultAroundBytes * kFaultAroundBytes);
  f.file->Advise(begin, end - begin, MapAdvice::kDontNeed);
}

void GatherRow(const WeightMatrix& t, const Model::FileRows& f, int64_t row,
               float* out) {
  if (f.file && ReadRow(t, f, row, out)) return;
  DequantizeRow(t, row, out);
  if (f.file) ReleaseMappedRow(t, f, row);
}

}  // namespace

// Tables that are only row-gathered (the PLE table; the embedding when the LM
// head is a separate matrix): rows are read with pread() (see GatherPleRow)
// and, for the fallback through the mapping, the kernel is told not to read
// ahead around a touched row (cold start from slow storage).
void Model::AdviseLookupTables() {
  auto find = [this](const WeightMatrix& t, FileRows* rows) {
    if (!t.data) return;
    for (const TensorInfo& info : source_->tensors()) {
      if (info.data != t.data) continue;
      const MappedFile* file = source_->FileOf(info);
      if (!file) return;
      const size_t offset =
          static_cast<const uint8_t*>(info.data) - file->data();
      file->Advise(offset, info.nbytes, MapAdvice::kRandom);
      *rows = FileRows{file, offset};
      return;
    }
  };
  find(weights_.ple_table, &ple_rows_);
  if (weights_.lm_head.data != weights_.embed.data) {
    find(weights_.embed, &embed_rows_);
  }
}

void Model::GatherPleRow(int64_t row, float* out) const {
  GatherRow(weights_.ple_table, ple_rows_, row, out);
}

void Model::GatherEmbedRow(int64_t row, float* out) const {
  GatherRow(weights_.embed, embed_rows_, row, out);
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
  // The f32 path uses the exact factors, as HF run at float32 and llama.cpp do
  // (spec 2.1). Rounding them to the checkpoint's bf16 belongs to a
  // bf16-activation mode only; with d_model 1536 it would move every embedding
  // by 0.15%.
  embed_scale_ = static_cast<float>(std::sqrt(static_cast<double>(t.d_model)));
  ple_scale_ = static_cast<float>(std::sqrt(static_cast<double>(t.d_ple)));
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
