// Internals shared by encoder.cc (planning) and encoder_forward.cc (the
// steps): the arena's region pointers, the f32 norm weights, chunking.
#ifndef EDGEMMA_CORE_VISION_ENCODER_INTERNAL_H_
#define EDGEMMA_CORE_VISION_ENCODER_INTERNAL_H_

#include <vector>

#include "core/io/mmproj.h"
#include "core/nn/context.h"
#include "core/vision/encoder.h"
#include "quant/types.h"

namespace edgemma {

// Patch rows per chunk of the row-wise work (norms, projections, MLP).
constexpr int kVisionChunkRows = 256;

// Region pointers of the arena (P = max_patches, R = chunk rows).
struct VisionBuffers {
  float* x = nullptr;       // [P, d] residual stream
  float* q = nullptr;       // [P, H * hd] queries, then attention output
  float* k = nullptr;       // [P, KV * hd] keys
  float* vt = nullptr;      // [KV * hd, P] values, transposed
  float* cos = nullptr;     // [P, hd / 2] (x-axis hd/4, then y-axis hd/4)
  float* sin = nullptr;     // [P, hd / 2]
  float* a = nullptr;       // [R, d] normed chunk
  float* in = nullptr;      // [R, max(3pp, d, H*hd, F)] pixels / clamped input
  float* v = nullptr;       // [R, KV * hd] values of a chunk
  float* gate = nullptr;    // [R, F]
  float* up = nullptr;      // [R, F]
  float* proj = nullptr;    // [R, d] o_proj / down output
  float* pooled = nullptr;  // [P / k^2, d]
  float* gather = nullptr;  // [d] one position-table row
  float* attn_work = nullptr;  // [threads, VisionAttentionWorkFloats(hd)]
};

// Norm weights of one layer as f32 (converted once at Create).
struct VisionEncoder::LayerF32 {
  std::vector<float> ln1, q_norm, k_norm, attn_post, ln2, ffn_post;
};

// A tower tensor as a [shape[0], rest] matrix (the patch kernel is 4-D and
// the position table 3-D; both are plain row-major rows).
inline WeightMatrix VisionMatrix(const BoundTensor& b) {
  WeightMatrix m;
  m.type = b.t.dtype;
  m.rows = b.t.shape.empty() ? 1 : b.t.shape[0];
  m.cols = m.rows > 0 ? b.t.numel() / m.rows : 0;
  m.data = b.t.data;
  m.row_bytes = m.rows > 0 ? b.t.nbytes / static_cast<size_t>(m.rows) : 0;
  return m;
}

}  // namespace edgemma

#endif  // EDGEMMA_CORE_VISION_ENCODER_INTERNAL_H_
