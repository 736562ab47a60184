// A loaded Gemma 4 text model: config, bound weights, the file mapping they
// point into, the kernel variant and load-time constants (RoPE frequencies,
// embedding scales). Thread-safety: immutable after Load(); any number of
// Sessions on any threads may share one Model (it must outlive them).
#ifndef EDGEMMA_CORE_GEMMA4_MODEL_H_
#define EDGEMMA_CORE_GEMMA4_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "core/gemma4/weights.h"
#include "core/io/config.h"
#include "platform/status.h"
#include "quant/ops.h"

namespace edgemma {

class MappedFile;
class ModelSource;

class Model {
 public:
  // Opens an HF checkpoint directory or a GGUF file and binds the text weights.
  static Result<std::unique_ptr<Model>> Load(const std::string& path,
                                             const LoadOptions& options = {});
  // Takes over an opened source.
  static Result<std::unique_ptr<Model>> FromSource(
      std::unique_ptr<ModelSource> source, const LoadOptions& options = {});
  // From already bound weights (tests: weights over caller-owned tensors, which
  // must outlive the model). `kernels` null: SelectKernels().
  static Result<std::unique_ptr<Model>> FromWeights(
      const Gemma4Config& config, Weights weights,
      const Kernels* kernels = nullptr);
  ~Model();

  const Gemma4Config& config() const { return config_; }
  const TextConfig& text() const { return config_.text; }
  const Weights& weights() const { return weights_; }
  const Kernels& kernels() const { return *kernels_; }
  const ModelSource* source() const { return source_.get(); }

  // RoPE inverse frequencies of layer i, [head_dim / 2]: theta^(-2j/head_dim)
  // for j < rope_pairs, 0 (identity) for the other pairs. Kept in double so
  // angles are exact before cos/sin.
  const std::vector<double>& inv_freq(int layer) const {
    return inv_freq_[layer];
  }
  // Layers with identical RoPE (head_dim, frequencies) share a group, so a
  // forward pass computes each cos/sin table once (Gemma 4: two groups, sliding
  // and full).
  int rope_group(int layer) const { return rope_group_[layer]; }
  int n_rope_groups() const {
    return static_cast<int>(rope_group_first_.size());
  }
  // A layer of group g (its inv_freq / head_dim describe the group).
  int rope_group_layer(int g) const { return rope_group_first_[g]; }
  // sqrt(d_model) and sqrt(d_ple), rounded to the checkpoint dtype as HF does
  // (see model.cc).
  float embed_scale() const { return embed_scale_; }
  float ple_scale() const { return ple_scale_; }
  // True if `token` is an image/video/audio placeholder id (embedded as pad,
  // section 2.3).
  bool IsMultimodalPlaceholder(int token) const;
  // Largest MatMul scratch any weight of the model needs for n activation rows.
  size_t MaxMatMulScratchBytes(int64_t n) const;

  // Gathers row `row` of the per-layer-embedding table into out[n_layers *
  // d_ple]. A table that lives in a file is read with pread() through a stack
  // buffer, never through the mapping: a page fault on the mapping also maps
  // the kernel's fault-around window (64 KiB of cached neighbours, whatever
  // madvise says), so each ~6-11 KiB row left ~60 KiB resident and a long E4B
  // conversation kept hundreds of MB of the 1.6-2.9 GB table in RSS. If the
  // file cannot be read that way, the row is read from the mapping and its
  // fault-around window is released again (MADV_DONTNEED). Thread-safe; no
  // allocation.
  void GatherPleRow(int64_t row, float* out) const;
  // Row `row` of the token embedding [d_model], unscaled. When the LM head is
  // a separate matrix (untied, or the default mix's own copy of a tied head)
  // the embedding is only gathered, and is read like the PLE table (above) so
  // it never becomes resident; a tied table is read whole per token anyway.
  void GatherEmbedRow(int64_t row, float* out) const;

  // A row-gathered table that lives in a mapped file (null file: gathered
  // from memory).
  struct FileRows {
    const MappedFile* file = nullptr;
    size_t offset = 0;  // byte offset of the table in that file
  };

 private:
  Model() = default;
  Status Init();
  void AdviseLookupTables();

  std::unique_ptr<ModelSource> source_;
  FileRows ple_rows_, embed_rows_;
  Gemma4Config config_;
  Weights weights_;
  const Kernels* kernels_ = nullptr;
  std::vector<std::vector<double>> inv_freq_;
  std::vector<int> rope_group_;        // [n_layers]
  std::vector<int> rope_group_first_;  // [n_groups]
  float embed_scale_ = 1.f;
  float ple_scale_ = 1.f;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_GEMMA4_MODEL_H_
