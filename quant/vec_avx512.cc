// AVX-512F vector exp, gelu_tanh and softmax (16 lanes; tails with masked
// loads and stores, so every element goes through the same approximation).
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

}  // namespace avx512
}  // namespace edgemma
