// AVX2 + FMA vector ops: exp-based gelu_tanh, softmax and softcap, rmsnorm,
// rope and the elementwise scale/add (8 lanes). Tails of the approximations go
// through a padded 8-float stack buffer so every element gets the same
// arithmetic; exact ops (scale, add, the rmsnorm sum) finish in scalar code.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "quant/exp_poly.h"
#include "quant/x86/vec_ops.h"

namespace edgemma {
namespace avx2 {
namespace {

using namespace exp_poly;  // NOLINT(build/namespaces): constants only

// exp(x) per lane; see quant/exp_poly.h. Lanes below kExpLo give 0.
inline __m256 Exp(__m256 x) {
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kExpLo)),
                                  _mm256_set1_ps(kExpHi));
  const __m256 n =
      _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(kLog2e)),
                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kP0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP5));
  const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r),
                                 _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 y = _mm256_mul_ps(e, _mm256_castsi256_ps(bits));
  const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(kExpLo), _CMP_GE_OQ);
  return _mm256_and_ps(y, keep);
}

// x / (1 + exp(-2u)); see quant/exp_poly.h.
inline __m256 Gelu(__m256 x) {
  const __m256 x2 = _mm256_mul_ps(x, x);
  const __m256 t = _mm256_mul_ps(
      x, _mm256_fmadd_ps(x2, _mm256_set1_ps(kG2), _mm256_set1_ps(kG1)));
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), Exp(t)));
}

// The last n % 8 elements of p, padded with `fill`.
struct Tail {
  Tail(const float* p, int64_t left, float fill) : left(left) {
    for (float& v : buf) v = fill;
    std::memcpy(buf, p, sizeof(float) * left);
  }
  __m256 Load() const { return _mm256_loadu_ps(buf); }
  void Store(__m256 v, float* p) {
    _mm256_storeu_ps(buf, v);
    std::memcpy(p, buf, sizeof(float) * left);
  }
  int64_t left;
  float buf[8];
};

inline __m256d SumPd(__m256d acc, __m256 e) {
  acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
  return _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
}

inline double HSumPd(__m256d v) {
  double s[4];
  _mm256_storeu_pd(s, v);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// tanh(u) = 1 - 2 / (1 + exp(2u)): absolute error a few 1e-7 (the GELU
// budget), exactly +-1 once exp saturates, no inf/NaN for finite or infinite u.
inline __m256 Tanh(__m256 u) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = Exp(_mm256_add_ps(u, u));
  return _mm256_sub_ps(
      one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(one, e)));
}

}  // namespace

void GeluTanh(const float* x, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, Gelu(_mm256_loadu_ps(x + i)));
  if (i < n) {
    Tail t(x + i, n - i, 0.0f);
    t.Store(Gelu(t.Load()), y + i);
  }
}

void GeluTanhMul(float* a, const float* b, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(a + i, _mm256_mul_ps(Gelu(_mm256_loadu_ps(a + i)),
                                          _mm256_loadu_ps(b + i)));
  }
  if (i < n) {
    Tail ta(a + i, n - i, 0.0f);
    const Tail tb(b + i, n - i, 0.0f);
    ta.Store(_mm256_mul_ps(Gelu(ta.Load()), tb.Load()), a + i);
  }
}

// Max pass, exp + sum pass (sum in double, like the scalar oracle, so long
// attention rows keep full precision), scale pass.
void Softmax(float* x, int64_t n) {
  if (n <= 0) return;
  __m256 mx = _mm256_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(x + i));
  float lanes[8];
  _mm256_storeu_ps(lanes, mx);
  float m = lanes[0];
  for (int j = 1; j < 8; ++j) m = std::fmax(m, lanes[j]);
  for (int64_t j = i; j < n; ++j) m = std::fmax(m, x[j]);
  const __m256 max = _mm256_set1_ps(m);

  __m256d sum = _mm256_setzero_pd();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = Exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), max));
    _mm256_storeu_ps(x + i, e);
    sum = SumPd(sum, e);
  }
  if (i < n) {
    Tail t(x + i, n - i, -INFINITY);  // padding lanes give exp = 0
    const __m256 e = Exp(_mm256_sub_ps(t.Load(), max));
    t.Store(e, x + i);
    sum = SumPd(sum, e);
  }
  double s[4];
  _mm256_storeu_pd(s, sum);
  const __m256 inv =
      _mm256_set1_ps(static_cast<float>(1.0 / ((s[0] + s[1]) + (s[2] + s[3]))));
  for (i = 0; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
  for (; i < n; ++i) x[i] *= _mm256_cvtss_f32(inv);
}

// Squares are summed in f32 over 8 vectors (8 terms per lane), then in double,
// so d_model 2560 keeps the scalar oracle's precision at f32 speed.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y) {
  __m256d ss = _mm256_setzero_pd();
  int64_t i = 0;
  while (i + 8 <= n) {
    __m256 part = _mm256_setzero_ps();
    for (int k = 0; k < 8 && i + 8 <= n; ++k, i += 8) {
      const __m256 v = _mm256_loadu_ps(x + i);
      part = _mm256_fmadd_ps(v, v, part);
    }
    ss = SumPd(ss, part);
  }
  double sum = HSumPd(ss);
  for (int64_t j = i; j < n; ++j) sum += static_cast<double>(x[j]) * x[j];
  const float inv_s =
      static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  const __m256 inv = _mm256_set1_ps(inv_s);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), inv);
    if (w != nullptr) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
    _mm256_storeu_ps(y + i, v);
  }
  for (; i < n; ++i) y[i] = x[i] * inv_s * (w != nullptr ? w[i] : 1.0f);
}

void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v) {
  const int64_t half = head_dim / 2;
  int64_t j = 0;
  for (; j + 8 <= half; j += 8) {
    const __m256 a = _mm256_loadu_ps(x + j);
    const __m256 b = _mm256_loadu_ps(x + half + j);
    const __m256 c = _mm256_loadu_ps(cos_v + j);
    const __m256 s = _mm256_loadu_ps(sin_v + j);
    _mm256_storeu_ps(x + j, _mm256_fmsub_ps(a, c, _mm256_mul_ps(b, s)));
    _mm256_storeu_ps(x + half + j, _mm256_fmadd_ps(b, c, _mm256_mul_ps(a, s)));
  }
  for (; j < half; ++j) {
    const float a = x[j];
    const float b = x[j + half];
    x[j] = std::fma(a, cos_v[j], -(b * sin_v[j]));
    x[j + half] = std::fma(b, cos_v[j], a * sin_v[j]);
  }
}

void Softcap(float* x, int64_t n, float cap) {
  const __m256 c = _mm256_set1_ps(cap);
  const __m256 inv = _mm256_set1_ps(1.0f / cap);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), inv);
    _mm256_storeu_ps(x + i, _mm256_mul_ps(c, Tanh(v)));
  }
  if (i < n) {
    Tail t(x + i, n - i, 0.0f);
    t.Store(_mm256_mul_ps(c, Tanh(_mm256_mul_ps(t.Load(), inv))), x + i);
  }
}

void Scale(float* y, int64_t n, float s) {
  const __m256 sv = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), sv));
  for (; i < n; ++i) y[i] *= s;
}

void Add(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(
        y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  }
  for (; i < n; ++i) y[i] += x[i];
}

}  // namespace avx2
}  // namespace edgemma
