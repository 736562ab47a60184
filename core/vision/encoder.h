// The Gemma 4 vision encoder (Gemma4VisionModel) and its embedder into the
// text space (Gemma4MultimodalEmbedder), for any vision config: patch rows in,
// soft tokens [n_soft, text d_model] out (vision spec sections 2-4,
// ../shared/reference gemma4ref/vision.py).
//
// Input contract (what the image preprocessing produces): `rows` patch rows of
// 3*p*p pixel values in [0, 1], laid out (dy, dx, c), and per row its integer
// position (x = patch column, y = patch row). The real patches come first, in
// raster order over a grid of Hp x Wp patches (row q at (q mod Wp, q div Wp)),
// Hp and Wp multiples of the pooling kernel k; the remaining rows, if any, are
// padding at (-1, -1) and are ignored (only real patches are encoded, which
// gives the same tokens as HF's masked padded run). n_soft = (Hp/k) * (Wp/k).
//
// Memory: every buffer is planned once at Create() into the encoder's own
// arena (optionally the caller's buffer of RequiredBytes()), sized from the
// config and `max_budget` (at most k*k*max_budget patches); Encode() allocates
// nothing. Attention never holds a [patches x patches] matrix: it runs in
// query tiles over key blocks with an online softmax.
//
// Threads: an encoder is used from one thread at a time; MatMuls and attention
// tiles run on its pool. The TowerWeights must outlive the encoder.
#ifndef EDGEMMA_CORE_VISION_ENCODER_H_
#define EDGEMMA_CORE_VISION_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/arena.h"
#include "core/io/mmproj.h"
#include "core/nn/context.h"
#include "platform/status.h"
#include "platform/thread_pool.h"
#include "quant/ops.h"

namespace edgemma {

struct VisionEncoderOptions {
  // Largest soft-token budget Encode() accepts (the HF budgets are 70, 140,
  // 280, 560, 1120): the arena holds k*k*max_budget patches.
  int max_budget = 280;
  int n_threads = 1;           // pool size when `pool` is null
  ThreadPool* pool = nullptr;  // optional shared pool (not owned)
  // Activations of MatMuls with q4_0/q8_0 weights (see ActType).
  ActType act_type = ActType::kQ8_0;
};

// One preprocessed image.
struct VisionInput {
  const float* patches = nullptr;      // [rows, 3*p*p], (dy, dx, c) per row
  const int32_t* positions = nullptr;  // [rows, 2] (x, y); (-1, -1) = padding
  int rows = 0;
};

// Planned working buffers (region pointers into the arena).
struct VisionBuffers;

class VisionEncoder {
 public:
  // Arena bytes Create() needs (buffer: 64-byte aligned).
  static Result<size_t> RequiredBytes(const TowerWeights& weights,
                                      const VisionEncoderOptions& options);
  // kernels null: SelectKernels(). buffer/size: optional caller-owned memory
  // of >= RequiredBytes() that outlives the encoder. Fails clearly when the
  // weights have no vision tower or the config is not supported.
  static Result<std::unique_ptr<VisionEncoder>> Create(
      const TowerWeights& weights, const VisionEncoderOptions& options,
      const Kernels* kernels = nullptr, void* buffer = nullptr,
      size_t size = 0);
  ~VisionEncoder();
  VisionEncoder(const VisionEncoder&) = delete;
  VisionEncoder& operator=(const VisionEncoder&) = delete;

  // Soft tokens the input gives (checks the input contract, runs nothing).
  Result<int> CountSoftTokens(const VisionInput& in) const;
  // Encodes one image into out[n_soft, text_d] (out_rows >= n_soft) and
  // returns n_soft. pooled, if not null, receives the tower output before the
  // embedder [n_soft, d] (after the sqrt(d) scale and standardization).
  Result<int> Encode(const VisionInput& in, float* out, int64_t out_rows,
                     float* pooled = nullptr);

  int text_d() const { return dims_.text_d; }  // soft-token width
  int max_patches() const { return max_patches_; }
  int max_soft_tokens() const { return max_patches_ / (pool_k() * pool_k()); }
  int patch_size() const { return dims_.vision.patch; }
  int pool_k() const { return dims_.vision.pool; }
  const ArenaPlan& plan() const { return plan_; }
  size_t arena_bytes() const { return plan_.total_bytes(); }

 private:
  struct Grid {
    int n = 0;       // real patches
    int wp = 0;      // patch columns
    int hp = 0;      // patch rows
    int n_soft = 0;  // (hp / k) * (wp / k)
  };
  struct LayerF32;  // norm weights as f32 (converted once at Create)

  VisionEncoder(const TowerWeights& w, const Kernels& k);
  Status Init(const VisionEncoderOptions& options, void* buffer, size_t size);
  Result<Grid> CheckInput(const VisionInput& in) const;

  // The Forward() steps (encoder.cc); every one works on the planned buffers.
  void EmbedPatches(const VisionInput& in, const Grid& g);
  void RopeTables(const VisionInput& in, const Grid& g);
  void EncoderLayer(int layer, const Grid& g);
  void AttentionInputs(int layer, int r0, int r1);
  void AttentionOutputAndMlp(int layer, int r0, int r1);
  void PoolAndScale(const VisionInput& in, const Grid& g);
  void EmbedIntoText(const Grid& g, float* out);

  const TowerWeights& weights_;
  const Kernels& kernels_;
  TowerDims dims_;
  VisionEncoderOptions options_;
  int max_patches_ = 0;
  bool patch_conv_layout_ = false;  // patch weight columns are (c, dy, dx)
  std::vector<LayerF32> norms_;
  std::vector<float> std_bias_, std_scale_;  // [d] when standardize
  std::vector<double> inv_freq_;             // [head_dim / 4]
  ArenaPlan plan_;
  Arena arena_;
  std::unique_ptr<VisionBuffers> buf_;
  std::unique_ptr<ThreadPool> own_pool_;
  ThreadPool* pool_ = nullptr;
  NnContext nn_;  // kernels, pool, MatMul scratch (arena), activations
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_VISION_ENCODER_H_
