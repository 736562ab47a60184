// Row-wise building blocks over f32 activations, shared by the text decoder and
// the audio/vision encoders. Every block runs in an NnContext (kernels, pool),
// splits rows over the pool, never allocates and cannot fail; shapes are
// row-major and stated per function. Nothing here knows a model.
#ifndef EDGEMMA_CORE_NN_BLOCKS_H_
#define EDGEMMA_CORE_NN_BLOCKS_H_

#include <cstdint>
#include <vector>

#include "core/nn/context.h"

namespace edgemma {

// y[rows, n] = RMSNorm(x[rows, n]) * w per row (w null: no weight; y == x
// allowed).
void NormRowsTo(const NnContext& c, const float* x, int64_t rows, int64_t n,
                const float* w, float eps, float* y);
// In place over x[rows, n].
void NormRows(const NnContext& c, float* x, int64_t rows, int64_t n,
              const float* w, float eps);

// The post-norm residual add of a block, one pass per row split over the
// pool: y[r] = RMSNorm(x[r]) * w (in place in x), acc[r] = (acc[r] + y[r]) *
// scale (the multiply skipped when scale == 1). Same kernels, same order as
// NormRows + Add + Scale, so the result is bitwise the same.
void NormAddRows(const NnContext& c, float* x, int64_t rows, int64_t n,
                 const float* w, float eps, float* acc, float scale = 1.f);

// Per head: RMSNorm (weight w[hd], may be null) then, when cos is non-null,
// rotate-half (NeoX) RoPE with the token's row of cos/sin, over x[T, heads,
// hd]. cos, sin: [T, hd / 2] (RopeTable).
void NormRopeHeads(const NnContext& c, float* x, int T, int heads, int hd,
                   const float* w, float eps, const float* cos,
                   const float* sin);

// cos/sin[T, half] of positions pos0 .. pos0 + T - 1 for inv_freq[half]
// (angle = position * inv_freq[j], computed in double).
void RopeTable(const std::vector<double>& inv_freq, int T, int64_t pos0,
               float* cos, float* sin);

// gate[n] = gelu_tanh(gate[n]) * up[n] (the gated MLP), split over the pool.
void GatedGelu(const NnContext& c, float* gate, const float* up, int64_t n);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_NN_BLOCKS_H_
