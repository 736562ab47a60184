// Bidirectional multi-head attention of the vision encoder (vision spec 2.5,
// 2.6): every real patch attends to every real patch, scale 1.0 (q and k are
// RMS-normed), no mask, no softcap; query head h reads KV head
// h / (n_heads / n_kv_heads).
//
// Tiled so that memory does not grow with n^2: a task takes a tile of
// kVisionQueryTile query rows of one head and streams the keys in blocks of
// kVisionKeyBlock with an online softmax (running max m, exp-sum l and
// unnormalised output o per row, rescaled by exp(m_old - m_new) when a block
// raises the max). Per thread the work area is VisionAttentionWorkFloats().
#ifndef EDGEMMA_CORE_VISION_ATTENTION_H_
#define EDGEMMA_CORE_VISION_ATTENTION_H_

#include <cstdint>

#include "platform/thread_pool.h"
#include "quant/ops.h"

namespace edgemma {

constexpr int kVisionQueryTile = 128;
constexpr int kVisionKeyBlock = 512;

struct VisionAttentionShape {
  int n = 0;  // tokens (real patches)
  int n_heads = 0, n_kv_heads = 0, head_dim = 0;
};

// Floats of one thread's work area.
int64_t VisionAttentionWorkFloats(int head_dim);

// qo: [n, n_heads * head_dim] queries in, attention output out (in place).
// k: [n, n_kv_heads * head_dim]. vt: the values transposed, [n_kv_heads *
// head_dim, ld_vt] (ld_vt >= n). work: [threads of pool (1 if null),
// VisionAttentionWorkFloats(head_dim)]. No allocation.
void BidirectionalAttention(const Kernels& k, ThreadPool* pool,
                            const VisionAttentionShape& s, float* qo,
                            const float* kmat, const float* vt, int64_t ld_vt,
                            float* work);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_VISION_ATTENTION_H_
