// Tile loops of the quantized-weight x f32-activation kernels (gemm_q4_0_f32,
// gemm_q8_0_f32), written against a vector policy `V` so every SIMD variant
// shares them. Include ONLY from a kernel translation unit
// (quant/<arch>/<isa>/gemm_q_f32.cc); everything is in an anonymous namespace
// so each ISA's TU compiles its own copy with its own flags (no ODR sharing).
//
// Policy V: the vector policy of quant/simd/vec_ops.h (F, kLanes, Zero, Load,
// MulAdd, ReduceAdd) plus
//   static constexpr int kVecs;         vectors per 32-element block
//   void DecodeQ4(const uint8_t* block, F w[kVecs])   d * (q - 8), exact
//   void DecodeQ8(const uint8_t* block, F w[kVecs])   d * q, exact
// Decoded vector i holds block elements [i * 32 / kVecs, (i + 1) * 32 / kVecs).
#ifndef EDGEMMA_QUANT_SIMD_Q_F32_TILES_H_
#define EDGEMMA_QUANT_SIMD_Q_F32_TILES_H_

#include <cstddef>
#include <cstdint>

#include "quant/blocks.h"
#include "quant/simd/tile_loop.h"

namespace edgemma {
namespace {

// One R x T tile over nb blocks: rows w[0..R) (stride ws), tokens x[0..T)
// (stride ldx). Each weight block is decoded once and used T times; the
// activations are re-read from L1 for each row.
template <class V, bool kQ4, int R, int T>
[[gnu::noinline]] void QfTile(const uint8_t* w, size_t ws, int64_t nb,
                              const float* x, int64_t ldx, float* y,
                              int64_t ldy) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  constexpr int kL = kQK / V::kVecs;  // lanes per vector
  typename V::F acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = V::Zero();
  }
  for (int64_t b = 0; b < nb; ++b) {
    const float* xb = x + b * kQK;  // [T, 32] at stride ldx
    for (int r = 0; r < R; ++r) {
      typename V::F wv[V::kVecs];
      const uint8_t* blk = w + r * ws + b * kWB;
      if (kQ4) {
        V::DecodeQ4(blk, wv);
      } else {
        V::DecodeQ8(blk, wv);
      }
      for (int t = 0; t < T; ++t) {
        for (int i = 0; i < V::kVecs; ++i) {
          acc[r][t] =
              V::MulAdd(wv[i], V::Load(xb + t * ldx + i * kL), acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * ldy + r] = V::ReduceAdd(acc[r][t]);
  }
}

// Tokens per pass: the f32 activations of one pass stay in L2 while every row
// of the task's range streams past them once.
constexpr int64_t kQfTokenChunk = 32;

// The tiles of one call, for ForEachTile.
template <class V, bool kQ4>
struct QfTiles {
  const uint8_t* w;
  size_t ws;
  int64_t nb;
  const float* x;
  int64_t ldx;
  float* y;
  int64_t ldy;
  template <int R, int T>
  void Run(int64_t r, int64_t t) const {
    QfTile<V, kQ4, R, T>(w + r * ws, ws, nb, x + t * ldx, ldx, y + t * ldy + r,
                         ldy);
  }
};

// GemmFFn over rows [r0, r1): decode (n == 1) in tiles of RV rows, prefill in
// tiles of R rows x T tokens; tails with 1-token / 1-row tiles.
template <class V, bool kQ4, int R, int T, int RV>
void QfGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
            const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  const int64_t nb = cols / kQK;
  if (n == 1) {
    int64_t r = r0;
    for (; r + RV <= r1; r += RV)
      QfTile<V, kQ4, RV, 1>(w + r * ws, ws, nb, x, ldx, y + r, ldy);
    for (; r < r1; ++r)
      QfTile<V, kQ4, 1, 1>(w + r * ws, ws, nb, x, ldx, y + r, ldy);
    return;
  }
  const QfTiles<V, kQ4> tiles{w, ws, nb, x, ldx, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kQfTokenChunk, tiles);
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SIMD_Q_F32_TILES_H_
