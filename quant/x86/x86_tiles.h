// x86 kernel bodies shared by the AVX2 and AVX-512 variants, written against a
// policy `P` that supplies the ISA-specific int8 dot products. Include ONLY
// from a translation unit compiled with at least -mavx2 -mfma -mf16c;
// everything here is in an anonymous namespace so each variant's TU gets its
// own copy compiled with its own flags (no ODR sharing between ISAs).
//
// Policy P (static members): Bias(a) -> i32x8 lanes of -8 * (sum of 4
// activation bytes); DotU(acc, w_u8, a_s8) -> acc + 4-byte-group sums of w*a (w
// unsigned 0..15); DotS(w_s8, a_s8) -> 4-byte-group sums of w*a (both signed,
// |w| <= 127).
#ifndef EDGEMMA_QUANT_X86_X86_TILES_H_
#define EDGEMMA_QUANT_X86_X86_TILES_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/scalar.h"

namespace edgemma {
namespace {

inline float LoadScale(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

inline float HSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
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
void QTile(const uint8_t* w, size_t ws, int64_t nb, const uint8_t* xq,
           size_t xs, float* y, int64_t ldy) {
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
    for (int t = 0; t < T; ++t) y[t * ldy + r] = HSum(acc[r][t]);
  }
}

// Tokens per pass: the Q8 activations of one pass (kTokenChunk x nb x 34 bytes)
// stay in L2 while every row of the task's range streams past them once.
constexpr int64_t kTokenChunk = 32;

template <class P, bool kQ4, int R, int T>
void QGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
           const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  for (int64_t t0 = 0; t0 < n; t0 += kTokenChunk) {
    const int64_t t1 = t0 + kTokenChunk < n ? t0 + kTokenChunk : n;
    int64_t r = r0;
    for (; r + R <= r1; r += R) {
      int64_t t = t0;
      for (; t + T <= t1; t += T) {
        QTile<P, kQ4, R, T>(w + r * ws, ws, nb, xq + t * xs, xs,
                            y + t * ldy + r, ldy);
      }
      for (; t < t1; ++t) {
        QTile<P, kQ4, R, 1>(w + r * ws, ws, nb, xq + t * xs, xs,
                            y + t * ldy + r, ldy);
      }
    }
    for (; r < r1; ++r) {
      for (int64_t t = t0; t < t1; ++t) {
        QTile<P, kQ4, 1, 1>(w + r * ws, ws, nb, xq + t * xs, xs,
                            y + t * ldy + r, ldy);
      }
    }
  }
}

// ---- float weights
// ------------------------------------------------------------------------
struct LoadF32 {
  static constexpr size_t kSize = 4;
  static __m256 Load8(const uint8_t* p) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
  }
  static float Load1(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
};
struct LoadF16 {
  static constexpr size_t kSize = 2;
  static __m256 Load8(const uint8_t* p) {
    return _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float Load1(const uint8_t* p) { return LoadScale(p); }
};
struct LoadBF16 {
  static constexpr size_t kSize = 2;
  static __m256 Load8(const uint8_t* p) {
    const __m256i u = _mm256_cvtepu16_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
  }
  static float Load1(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return BF16ToF32(h);
  }
};

template <class L, int R, int T>
void FTile(const uint8_t* w, size_t ws, int64_t cols, const float* x,
           int64_t ldx, float* y, int64_t ldy) {
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
  }
  int64_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    __m256 xv[T];
    for (int t = 0; t < T; ++t) xv[t] = _mm256_loadu_ps(x + t * ldx + c);
    for (int r = 0; r < R; ++r) {
      const __m256 wv = L::Load8(w + r * ws + c * L::kSize);
      for (int t = 0; t < T; ++t)
        acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) {
      float s = HSum(acc[r][t]);
      for (int64_t k = c; k < cols; ++k)
        s += L::Load1(w + r * ws + k * L::kSize) * x[t * ldx + k];
      y[t * ldy + r] = s;
    }
  }
}

template <class L, int R, int T>
void FGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
           const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  for (int64_t t0 = 0; t0 < n; t0 += kTokenChunk) {
    const int64_t t1 = t0 + kTokenChunk < n ? t0 + kTokenChunk : n;
    int64_t r = r0;
    for (; r + R <= r1; r += R) {
      int64_t t = t0;
      for (; t + T <= t1; t += T) {
        FTile<L, R, T>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                       ldy);
      }
      for (; t < t1; ++t)
        FTile<L, R, 1>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                       ldy);
    }
    for (; r < r1; ++r) {
      for (int64_t t = t0; t < t1; ++t) {
        FTile<L, 1, 1>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                       ldy);
      }
    }
  }
}

// ---- activation quantization and vector ops
// ------------------------------------------------ Matches QuantizeQ8_0Ref bit
// for bit: d = amax / 127, id = 1 / d, q = round half away from zero (computed
// exactly as trunc + (|frac| >= 0.5)).
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
    const uint16_t dh = F32ToF16(d);
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

inline float DotF32Avx(const float* a, const float* b, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8),
                           _mm256_loadu_ps(b + i + 8), acc1);
  }
  float s = HSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

inline float DotF16Avx(const float* a, const uint16_t* b, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    acc = _mm256_fmadd_ps(
        _mm256_loadu_ps(a + i),
        LoadF16::Load8(reinterpret_cast<const uint8_t*>(b + i)), acc);
  }
  float s = HSum(acc);
  for (; i < n; ++i) s += a[i] * _cvtsh_ss(b[i]);
  return s;
}

inline void AxpyF32Avx(float a, const float* x, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i),
                                            _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

inline void AxpyF16Avx(float a, const uint16_t* x, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 xv = LoadF16::Load8(reinterpret_cast<const uint8_t*>(x + i));
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, xv, _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * _cvtsh_ss(x[i]);
}

inline void F32ToF16Avx(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h =
        _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), h);
  }
  for (; i < n; ++i) y[i] = F32ToF16(x[i]);
}

inline void F16ToF32Avx(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i,
                     LoadF16::Load8(reinterpret_cast<const uint8_t*>(x + i)));
  }
  for (; i < n; ++i) y[i] = F16ToF32(x[i]);
}

// The table of an x86 variant: int8 tiles of 4 rows x T tokens with dot policy
// P, float tiles of 4 x T, the variant's quantized x f32 kernels, shared
// vector ops.
template <class P, int T>
constexpr Kernels MakeX86Kernels(const char* name,
                                 bool (*runnable)(const CpuFeatures&),
                                 GemmFFn gemm_q4_0_f32, GemmFFn gemm_q8_0_f32) {
  return Kernels{name,
                 runnable,
                 QuantizeQ8_0Avx,
                 QGemm<P, true, 4, 1>,
                 QGemm<P, true, 4, T>,
                 QGemm<P, false, 4, 1>,
                 QGemm<P, false, 4, T>,
                 FGemm<LoadF32, 4, T>,
                 FGemm<LoadF16, 4, T>,
                 FGemm<LoadBF16, 4, T>,
                 gemm_q4_0_f32,
                 gemm_q8_0_f32,
                 DotF32Avx,
                 AxpyF32Avx,
                 DotF16Avx,
                 AxpyF16Avx,
                 F32ToF16Avx,
                 F16ToF32Avx,
                 scalar::RmsNorm,
                 scalar::RopeNeoxCosSin,
                 scalar::Softmax,
                 scalar::GeluTanh,
                 scalar::GeluTanhMul,
                 scalar::Softcap,
                 scalar::Scale,
                 scalar::Add};
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_X86_TILES_H_
