// The context every neural-net block runs in: which kernels, which threads, the
// MatMul scratch and the activation precision, in one object, so a block's
// signature names only its data. Built once by the owner of the working memory
// (a text Session, an audio or vision encoder) from its arena; blocks never
// allocate. Shared by the text decoder (core/gemma4) and the encoders
// (core/audio, core/vision).
//
// Contracts: `kernels` is non-null (SelectKernels()/FindKernels()); `pool` may
// be null (single thread) and is used by one caller at a time; `scratch` holds
// at least MatMulScratchBytes(w.type, w.cols, n, act) bytes for every Linear()
// the owner runs (plan max over its weights and max rows; null is fine when
// that is 0, e.g. act == kF32 or float weights only).
//
// How an encoder uses core/nn (the pattern core/gemma4/session.cc follows):
//   1. one function lists its buffers into the fields of a views struct with
//      an ArenaBinder (core/base/arena.h), MatMul scratch into
//      NnContext::scratch (size: the max MatMulScratchBytes over its weights);
//   2. planning runs it on a scratch ArenaPlan to size the memory, Init runs
//      it again, Arena::Init()s and ArenaBinder::Bind()s;
//   3. Forward() is a straight line of blocks: Linear, NormRows(To),
//      NormRopeHeads, GatedGelu (core/nn/blocks.h) and the quant/ops.h vector
//      ops with nn.k(), a shape comment on every buffer.
#ifndef EDGEMMA_CORE_NN_CONTEXT_H_
#define EDGEMMA_CORE_NN_CONTEXT_H_

#include <cstdint>

#include "platform/thread_pool.h"
#include "quant/ops.h"

namespace edgemma {

struct StepProfile;  // core/nn/profile.h

struct NnContext {
  const Kernels* kernels = nullptr;
  ThreadPool* pool = nullptr;      // null: run on the calling thread
  void* scratch = nullptr;         // MatMul activation blocks (see above)
  ActType act = ActType::kQ8_0;    // of every Linear with q4_0/q8_0 weights
  StepProfile* profile = nullptr;  // null: not profiled (core/nn/profile.h)

  const Kernels& k() const { return *kernels; }
};

// y[n, w.rows] = x[n, w.cols] . W^T with the context's kernels, pool, scratch
// and activation precision (weights [out, in], y = W x per row).
inline void Linear(const NnContext& c, const WeightMatrix& w, const float* x,
                   int64_t n, float* y) {
  MatMul(c.k(), w, x, n, y, c.scratch, c.pool, c.act);
}

// outs[i].y[n, outs[i].w->rows] = x[n, cols] . W_i^T for the `count` matrices
// that read the same input (q/k/v, gate/up): one activation quantization and
// one dispatch (MatMulShared), the same bits as a Linear per matrix.
inline void LinearShared(const NnContext& c, const MatMulOut* outs, int count,
                         const float* x, int64_t n) {
  MatMulShared(c.k(), outs, count, x, n, c.scratch, c.pool, c.act);
}

// Rows per parallel grain of row-wise f32 ops (one row: ~d_model floats).
inline constexpr int64_t kRowGrain = 8;

// Runs f(begin, end) over [0, n), split over the pool in chunks of `grain`
// when there are at least two grains of work (waking the workers costs
// microseconds), else on the calling thread as f(0, n). f must be safe to run
// concurrently on disjoint ranges.
template <typename F>
void ParallelRange(ThreadPool* pool, int64_t n, int64_t grain, F&& f) {
  if (pool && pool->size() > 1 && n >= 2 * grain) {
    pool->ParallelFor(n, grain,
                      [&f](int64_t begin, int64_t end, int) { f(begin, end); });
  } else {
    f(0, n);
  }
}

}  // namespace edgemma

#endif  // EDGEMMA_CORE_NN_CONTEXT_H_
