// AVX-512 float-weight (f32 / f16 / bf16) x f32 products on 512-bit vectors:
// the attention products (Q . K^T over the KV cache, P . V over its transposed
// V) and float checkpoints run here. The shared x86 tiles use 256-bit vectors;
// these do twice the multiply-adds per instruction.
//
// A tile is 4 weight rows x 4 tokens of zmm accumulators (16 of the 32
// registers): per 16 columns, 4 activation loads, 4 weight loads (converted to
// f32) and 16 FMAs, so it is bound by the FMA pipes, not by the loads. The
// column tail (cols % 16) uses masked loads that read zeros past the row, so
// no scalar tail loop and no read past the row's end. The 16 accumulators are
// reduced four at a time into the 4 rows of one token (contiguous in y).
// Tokens are processed in chunks of kTokenChunk so the chunk's activations stay
// in L2 while every row tile passes over them.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/x86/float_gemm.h"

// GCC 12's AVX-512 intrinsics pass a self-initialised _mm512_undefined_*() as
// the pass-through operand, which -W(maybe-)uninitialized reports at every use.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace edgemma {
namespace avx512 {
namespace {

constexpr int64_t kTokenChunk = 32;

struct F32W {
  static constexpr size_t kSize = 4;
  static __m512 Load(const uint8_t* p, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, p);
  }
};
struct F16W {
  static constexpr size_t kSize = 2;
  static __m512 Load(const uint8_t* p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
  }
};
struct BF16W {
  static constexpr size_t kSize = 2;
  static __m512 Load(const uint8_t* p, __mmask16 m) {
    const __m512i u = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(u, 16));
  }
};

// The sums of a, b, c, d as [sum a, sum b, sum c, sum d].
inline __m128 Sum4(__m512 a, __m512 b, __m512 c, __m512 d) {
  auto fold = [](__m512 v) {  // 16 -> 8 lanes
    const __m256 hi =
        _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return _mm256_add_ps(_mm512_castps512_ps256(v), hi);
  };
  const __m256 ab = _mm256_hadd_ps(fold(a), fold(b));
  const __m256 cd = _mm256_hadd_ps(fold(c), fold(d));
  const __m256 s = _mm256_hadd_ps(ab, cd);  // per 128-bit lane: a b c d
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// y[t * ldy + r] = w row r . x row t for r < R, t < T (R, T in {1, 4}).
template <class L, int R, int T>
void Tile(const uint8_t* w, size_t ws, int64_t cols, const float* x,
          int64_t ldx, float* y, int64_t ldy) {
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < cols; c += 16) {
    const int64_t left = cols - c;
    const __mmask16 m =
        left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
    __m512 xv[T];
    for (int t = 0; t < T; ++t)
      xv[t] = _mm512_maskz_loadu_ps(m, x + t * ldx + c);
    for (int r = 0; r < R; ++r) {
      const __m512 wv = L::Load(w + r * ws + c * L::kSize, m);
      for (int t = 0; t < T; ++t)
        acc[r][t] = _mm512_fmadd_ps(wv, xv[t], acc[r][t]);
    }
  }
  for (int t = 0; t < T; ++t) {
    if constexpr (R == 4) {
      _mm_storeu_ps(y + t * ldy,
                    Sum4(acc[0][t], acc[1][t], acc[2][t], acc[3][t]));
    } else {
      y[t * ldy] = _mm512_reduce_add_ps(acc[0][t]);
    }
  }
}

// Rows [r, r + R) over tokens [t0, t1): 4-token tiles, then single tokens.
template <class L, int R>
void RowTile(const uint8_t* w, size_t ws, int64_t r, int64_t cols,
             const float* x, int64_t ldx, int64_t t0, int64_t t1, float* y,
             int64_t ldy) {
  int64_t t = t0;
  for (; t + 4 <= t1; t += 4) {
    Tile<L, R, 4>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r, ldy);
  }
  for (; t < t1; ++t) {
    Tile<L, R, 1>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r, ldy);
  }
}

template <class L>
void Gemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
          const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  for (int64_t t0 = 0; t0 < n; t0 += kTokenChunk) {
    const int64_t t1 = t0 + kTokenChunk < n ? t0 + kTokenChunk : n;
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
      RowTile<L, 4>(w, ws, r, cols, x, ldx, t0, t1, y, ldy);
    for (; r < r1; ++r) RowTile<L, 1>(w, ws, r, cols, x, ldx, t0, t1, y, ldy);
  }
}

}  // namespace

void GemmF32F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  Gemm<F32W>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  Gemm<F16W>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmBF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  Gemm<BF16W>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
