// Float-weight (f32 / f16 / bf16) x f32-activation tiles, written once against
// the vector policy `V` of quant/simd/vec_ops.h (uses Zero, Load, MulAdd,
// ReduceAdd, LoadF16, LoadBF16, Half, kLanes): the AVX2 and NEON variants
// instantiate them (AVX-512 has its own panel kernels,
// quant/x86/avx512/gemm_f_f32.cc). Include ONLY from a kernel translation unit
// compiled with its ISA's flags; anonymous namespace (no ODR sharing).
#ifndef EDGEMMA_QUANT_SIMD_FLOAT_TILES_H_
#define EDGEMMA_QUANT_SIMD_FLOAT_TILES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quant/kernels.h"
#include "quant/simd/tile_loop.h"
#include "quant/types.h"

namespace edgemma {
namespace {
namespace ftile {

// Weight element types: kLanes elements at p as f32 (Load), one (Load1).
template <class V>
struct F32W {
  static constexpr size_t kSize = 4;
  static typename V::F Load(const uint8_t* p) {
    return V::Load(reinterpret_cast<const float*>(p));
  }
  static float Load1(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
};
template <class V>
struct F16W {
  static constexpr size_t kSize = 2;
  static typename V::F Load(const uint8_t* p) {
    return V::LoadF16(reinterpret_cast<const uint16_t*>(p));
  }
  static float Load1(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return V::Half(h);
  }
};
template <class V>
struct BF16W {
  static constexpr size_t kSize = 2;
  static typename V::F Load(const uint8_t* p) {
    return V::LoadBF16(reinterpret_cast<const uint16_t*>(p));
  }
  static float Load1(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return BF16ToF32(h);
  }
};

// Decode attention reads its K / V rows once, from memory, as R short rows per
// tile, which the hardware prefetchers do not learn in time: each tile fetches
// the same columns of the rows four tiles on (prefetches never fault).
constexpr int kAheadTiles = 4;

// One R x T tile: rows w[0..R) (stride ws bytes), tokens x[0..T) (stride
// ldx), all cols; each weight vector is loaded once and used T times.
template <class V, class L, int R, int T>
[[gnu::noinline]] void FTile(const uint8_t* w, size_t ws, int64_t cols,
                             const float* x, int64_t ldx, float* y,
                             int64_t ldy) {
  typename V::F acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = V::Zero();
  }
  auto step = [&](int64_t c) {
    typename V::F xv[T];
    for (int t = 0; t < T; ++t) xv[t] = V::Load(x + t * ldx + c);
    for (int r = 0; r < R; ++r) {
      const typename V::F wv = L::Load(w + r * ws + c * L::kSize);
      for (int t = 0; t < T; ++t) acc[r][t] = V::MulAdd(wv, xv[t], acc[r][t]);
    }
  };
  constexpr int64_t kLineCols = 64 / L::kSize;  // columns per cache line
  static_assert(kLineCols % V::kLanes == 0, "whole vectors per line");
  int64_t c = 0;
  for (; c + kLineCols <= cols; c += kLineCols) {
    for (int r = 0; r < R; ++r) {
      __builtin_prefetch(w + (r + kAheadTiles * R) * ws + c * L::kSize);
    }
    for (int64_t k = 0; k < kLineCols; k += V::kLanes) step(c + k);
  }
  for (; c + V::kLanes <= cols; c += V::kLanes) step(c);
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) {
      float s = V::ReduceAdd(acc[r][t]);
      for (int64_t k = c; k < cols; ++k)
        s += L::Load1(w + r * ws + k * L::kSize) * x[t * ldx + k];
      y[t * ldy + r] = s;
    }
  }
}

// Tokens per pass: the activations of one pass stay in L2 while every row of
// the task's range streams past them once.
constexpr int64_t kTokenChunk = 32;

// The tiles of one call, for ForEachTile.
template <class V, class L>
struct FTiles {
  const uint8_t* w;
  size_t ws;
  int64_t cols;
  const float* x;
  int64_t ldx;
  float* y;
  int64_t ldy;
  template <int R, int T>
  void Run(int64_t r, int64_t t) const {
    FTile<V, L, R, T>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                      ldy);
  }
};

// GemmFFn over rows [r0, r1) in R x T tiles.
template <class V, class L, int R, int T>
void FGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
           const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  const FTiles<V, L> tiles{w, ws, cols, x, ldx, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kTokenChunk, tiles);
}

}  // namespace ftile

// Sets the f32 / f16 / bf16 weight products of *k to R x T tiles over V.
template <class V, int R, int T>
constexpr void UseFloatTiles(Kernels* k) {
  k->gemm_f32_f32 = ftile::FGemm<V, ftile::F32W<V>, R, T>;
  k->gemm_f16_f32 = ftile::FGemm<V, ftile::F16W<V>, R, T>;
  k->gemm_bf16_f32 = ftile::FGemm<V, ftile::BF16W<V>, R, T>;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SIMD_FLOAT_TILES_H_
