// AVX-512F vector ops: exp-based gelu_tanh, softmax and softcap, rmsnorm,
// rope and the elementwise scale/add (16 lanes; tails with masked loads and
// stores, so every element goes through the same arithmetic).
#include <immintrin.h>

#include <cmath>

#include "quant/exp_poly.h"
#include "quant/x86/vec_ops.h"

// GCC 12's AVX-512 intrinsics pass a self-initialised _mm512_undefined_*() as
// the pass-through operand, which -Wmaybe-uninitialized reports at every use.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace edgemma {
namespace avx512 {
namespace {

using namespace exp_poly;  // NOLINT(build/namespaces): constants only

// exp(x) per lane; see quant/exp_poly.h. Lanes below kExpLo give 0.
inline __m512 Exp(__m512 x) {
  const __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kExpLo)),
                                  _mm512_set1_ps(kExpHi));
  const __m512 n =
      _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(kLog2e)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), xc);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kP0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP5));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r),
                                 _mm512_set1_ps(1.0f));
  const __m512i bits = _mm512_slli_epi32(
      _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  const __m512 y = _mm512_mul_ps(e, _mm512_castsi512_ps(bits));
  const __mmask16 keep =
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpLo), _CMP_GE_OQ);
  return _mm512_maskz_mov_ps(keep, y);
}

// x / (1 + exp(-2u)); see quant/exp_poly.h.
inline __m512 Gelu(__m512 x) {
  const __m512 x2 = _mm512_mul_ps(x, x);
  const __m512 t = _mm512_mul_ps(
      x, _mm512_fmadd_ps(x2, _mm512_set1_ps(kG2), _mm512_set1_ps(kG1)));
  return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), Exp(t)));
}

inline __mmask16 TailMask(int64_t left) {
  return static_cast<__mmask16>((1u << left) - 1u);
}

// tanh(u) = 1 - 2 / (1 + exp(2u)): absolute error a few 1e-7 (the GELU
// budget), exactly +-1 once exp saturates, no inf/NaN for finite or infinite u.
inline __m512 Tanh(__m512 u) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 e = Exp(_mm512_add_ps(u, u));
  return _mm512_sub_ps(
      one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(one, e)));
}

// Sum of the squares of 16 lanes as 16 doubles added to acc.
inline __m512d AddSquaresPd(__m512d acc, __m512 sq) {
  acc = _mm512_add_pd(acc, _mm512_cvtps_pd(_mm512_castps512_ps256(sq)));
  return _mm512_add_pd(acc,
                       _mm512_cvtps_pd(_mm256_castpd_ps(
                           _mm512_extractf64x4_pd(_mm512_castps_pd(sq), 1))));
}

}  // namespace

void GeluTanh(const float* x, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, Gelu(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m, Gelu(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void GeluTanhMul(float* a, const float* b, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(a + i, _mm512_mul_ps(Gelu(_mm512_loadu_ps(a + i)),
                                          _mm512_loadu_ps(b + i)));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    const __m512 g = Gelu(_mm512_maskz_loadu_ps(m, a + i));
    _mm512_mask_storeu_ps(a + i, m,
                          _mm512_mul_ps(g, _mm512_maskz_loadu_ps(m, b + i)));
  }
}

// Max pass, exp + sum pass (sum in double, like the scalar oracle, so long
// attention rows keep full precision), scale pass.
void Softmax(float* x, int64_t n) {
  if (n <= 0) return;
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  __m512 mx = ninf;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(x + i));
  if (i < n)
    mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(ninf, TailMask(n - i), x + i));
  const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(mx));

  __m512d sum = _mm512_setzero_pd();
  for (i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
    const __m512 e = _mm512_maskz_mov_ps(
        m, Exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), max)));
    _mm512_mask_storeu_ps(x + i, m, e);
    sum = _mm512_add_pd(sum, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
    sum = _mm512_add_pd(sum,
                        _mm512_cvtps_pd(_mm256_castpd_ps(
                            _mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
  }
  const __m512 inv =
      _mm512_set1_ps(static_cast<float>(1.0 / _mm512_reduce_add_pd(sum)));
  for (i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
    _mm512_mask_storeu_ps(x + i, m,
                          _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
  }
}

// Squares are summed in f32 over 8 vectors (8 terms per lane), then in double,
// so d_model 2560 keeps the scalar oracle's precision at f32 speed.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y) {
  __m512d ss = _mm512_setzero_pd();
  int64_t i = 0;
  while (i < n) {
    __m512 part = _mm512_setzero_ps();
    for (int k = 0; k < 8 && i < n; ++k, i += 16) {
      const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
      const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
      part = _mm512_fmadd_ps(v, v, part);
    }
    ss = AddSquaresPd(ss, part);
  }
  double lanes[8];  // not _mm512_reduce_add_pd: GCC 12 -Wuninitialized
  _mm512_storeu_pd(lanes, ss);
  const double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                     ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  const __m512 inv = _mm512_set1_ps(
      static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps)));
  for (i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv);
    if (w != nullptr) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, w + i));
    _mm512_mask_storeu_ps(y + i, m, v);
  }
}

void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v) {
  const int64_t half = head_dim / 2;
  for (int64_t j = 0; j < half; j += 16) {
    const __mmask16 m = half - j >= 16 ? __mmask16{0xFFFF} : TailMask(half - j);
    const __m512 a = _mm512_maskz_loadu_ps(m, x + j);
    const __m512 b = _mm512_maskz_loadu_ps(m, x + half + j);
    const __m512 c = _mm512_maskz_loadu_ps(m, cos_v + j);
    const __m512 s = _mm512_maskz_loadu_ps(m, sin_v + j);
    _mm512_mask_storeu_ps(x + j, m, _mm512_fmsub_ps(a, c, _mm512_mul_ps(b, s)));
    _mm512_mask_storeu_ps(x + half + j, m,
                          _mm512_fmadd_ps(b, c, _mm512_mul_ps(a, s)));
  }
}

void Softcap(float* x, int64_t n, float cap) {
  const __m512 c = _mm512_set1_ps(cap);
  const __m512 inv = _mm512_set1_ps(1.0f / cap);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(x + i, m,
                          _mm512_mul_ps(c, Tanh(_mm512_mul_ps(v, inv))));
  }
}

void Scale(float* y, int64_t n, float s) {
  const __m512 sv = _mm512_set1_ps(s);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m,
                          _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), sv));
  }
}

void Add(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16{0xFFFF} : TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i),
                                        _mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace avx512
}  // namespace edgemma
