// x86 int8 kernel bodies on 256-bit vectors: block tiles of Q4_0/Q8_0 weights
// x Q8_0 activations written against a policy `P` that supplies the
// ISA-specific int8 dot products (the AVX2 variant's Q8_0-weight kernels), and
// the activation quantizer (both x86 variants). Include ONLY from a
// translation unit compiled with at least -mavx2 -mfma -mf16c; everything here
// is in an anonymous namespace so each variant's TU gets its own copy compiled
// with its own flags (no ODR sharing between ISAs).
//
// Policy P (static members): Bias(a) -> i32x8 lanes of -8 * (sum of 4
// activation bytes); DotU(acc, w_u8, a_s8) -> acc + 4-byte-group sums of w*a (w
// unsigned 0..15); DotS(w_s8, a_s8) -> 4-byte-group sums of w*a (both signed,
// |w| <= 127).
#ifndef EDGEMMA_QUANT_X86_INT8_TILES_H_
#define EDGEMMA_QUANT_X86_INT8_TILES_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/simd/tile_loop.h"
#include "quant/types.h"
#include "quant/x86/ymm.h"

namespace edgemma {
namespace {

inline float LoadScale(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// 16 packed bytes of a Q4_0 block -> 32 unsigned nibbles in element order (low
// nibbles are elements 0..15, high nibbles 16..31).
inline __m256i Nibbles(const uint8_t* qs) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(q),
                                               _mm_srli_epi16(q, 4), 1);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

inline __m256i Load32(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// One R x T tile of a Q4_0/Q8_0 x Q8_0 product: rows w[0..R) (stride ws),
// tokens xq[0..T) (stride xs), over nb blocks. Each weight block is decoded
// once and used T times; each activation block is loaded once and used R times.
template <class P, bool kQ4, int R, int T>
[[gnu::noinline]] void QTile(const uint8_t* w, size_t ws, int64_t nb,
                             const uint8_t* xq, size_t xs, float* y,
                             int64_t ldy) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  for (int64_t b = 0; b < nb; ++b) {
    __m256i a[T], bias[T];
    float da[T];
    for (int t = 0; t < T; ++t) {
      const uint8_t* ab = xq + t * xs + b * sizeof(BlockQ8_0);
      a[t] = Load32(ab + 2);
      da[t] = LoadScale(ab);
      if (kQ4) bias[t] = P::Bias(a[t]);
    }
    for (int r = 0; r < R; ++r) {
      const uint8_t* wb = w + r * ws + b * kWB;
      const float dw = LoadScale(wb);
      const __m256i wv = kQ4 ? Nibbles(wb + 2) : Load32(wb + 2);
      const __m256i wabs = kQ4 ? wv : _mm256_sign_epi8(wv, wv);
      for (int t = 0; t < T; ++t) {
        const __m256i s = kQ4 ? P::DotU(bias[t], wv, a[t])
                              : P::DotS(wabs, _mm256_sign_epi8(a[t], wv));
        acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                                    _mm256_set1_ps(dw * da[t]), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * ldy + r] = Ymm::ReduceAdd(acc[r][t]);
  }
}

// Tokens per pass: the Q8 activations of one pass (kTokenChunk x nb x 34 bytes)
// stay in L2 while every row of the task's range streams past them once.
constexpr int64_t kTokenChunk = 32;

// The tiles of one call, for ForEachTile.
template <class P, bool kQ4>
struct QTiles {
  const uint8_t* w;
  size_t ws;
  int64_t nb;
  const uint8_t* xq;
  size_t xs;
  float* y;
  int64_t ldy;
  template <int R, int T>
  void Run(int64_t r, int64_t t) const {
    QTile<P, kQ4, R, T>(w + r * ws, ws, nb, xq + t * xs, xs, y + t * ldy + r,
                        ldy);
  }
};

// GemmQFn over rows [r0, r1) in R x T tiles.
template <class P, bool kQ4, int R, int T>
void QGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
           const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  const QTiles<P, kQ4> tiles{w, ws, nb, xq, xs, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kTokenChunk, tiles);
}

// Activation quantization. Matches QuantizeQ8_0Ref bit for bit: d = amax /
// 127, id = 1 / d, q = round half away from zero (computed exactly as trunc +
// (|frac| >= 0.5)).
inline void QuantizeQ8_0Avx(const float* x, void* out, int64_t n) {
  auto* y = static_cast<uint8_t*>(out);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, y += sizeof(BlockQ8_0)) {
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(x + 8 * i);
      m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 m4 =
        _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float d = _mm_cvtss_f32(m4) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    // F16C rounds to nearest even, as F32ToF16 does (same bits, NaN included),
    // without the call and its branches per block.
    const uint16_t dh = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
    std::memcpy(y, &dh, 2);
    __m256i q[4];
    for (int i = 0; i < 4; ++i) {
      const __m256 s = _mm256_mul_ps(v[i], _mm256_set1_ps(id));
      const __m256 t =
          _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(s, t));
      const __m256 up = _mm256_and_ps(
          _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
          _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(sign, s)));
      q[i] = _mm256_cvtps_epi32(_mm256_add_ps(t, up));
    }
    // Pack 32 x i32 -> 32 x i8 in order (packs work per 128-bit lane; fix with
    // a permute).
    const __m256i p16a = _mm256_packs_epi32(q[0], q[1]);
    const __m256i p16b = _mm256_packs_epi32(q[2], q[3]);
    const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
    const __m256i ordered = _mm256_permutevar8x32_epi32(
        p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + 2), ordered);
  }
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_INT8_TILES_H_
