// ARMv8.0 NEON vector ops: exp-based gelu_tanh, softmax and softcap, rmsnorm,
// rope and the elementwise scale/add (4 lanes). Tails of the approximations go
// through a padded 4-float stack buffer so every element gets the same
// arithmetic; exact ops (scale, add, the rmsnorm sum) finish in scalar code.
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "quant/arm/vec_ops.h"
#include "quant/exp_poly.h"

namespace edgemma {
namespace neon {
namespace {

using namespace exp_poly;  // NOLINT(build/namespaces): constants only

// exp(x) per lane; see quant/exp_poly.h. Lanes below kExpLo give 0.
inline float32x4_t Exp(float32x4_t x) {
  const float32x4_t xc =
      vminq_f32(vmaxq_f32(x, vdupq_n_f32(kExpLo)), vdupq_n_f32(kExpHi));
  const float32x4_t n = vrndnq_f32(vmulq_f32(xc, vdupq_n_f32(kLog2e)));
  float32x4_t r = vfmsq_f32(xc, n, vdupq_n_f32(kLn2Hi));
  r = vfmsq_f32(r, n, vdupq_n_f32(kLn2Lo));
  float32x4_t p = vdupq_n_f32(kP0);
  p = vfmaq_f32(vdupq_n_f32(kP1), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP2), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP3), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP4), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP5), p, r);
  const float32x4_t e =
      vaddq_f32(vfmaq_f32(r, p, vmulq_f32(r, r)), vdupq_n_f32(1.0f));
  const int32x4_t bits =
      vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  const float32x4_t y = vmulq_f32(e, vreinterpretq_f32_s32(bits));
  const uint32x4_t keep = vcgeq_f32(x, vdupq_n_f32(kExpLo));
  return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(y), keep));
}

// x / (1 + exp(-2u)); see quant/exp_poly.h.
inline float32x4_t Gelu(float32x4_t x) {
  const float32x4_t x2 = vmulq_f32(x, x);
  const float32x4_t t =
      vmulq_f32(x, vfmaq_f32(vdupq_n_f32(kG1), x2, vdupq_n_f32(kG2)));
  return vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), Exp(t)));
}

// The last n % 4 elements of p, padded with `fill`.
struct Tail {
  Tail(const float* p, int64_t left, float fill) : left(left) {
    for (float& v : buf) v = fill;
    std::memcpy(buf, p, sizeof(float) * left);
  }
  float32x4_t Load() const { return vld1q_f32(buf); }
  void Store(float32x4_t v, float* p) {
    vst1q_f32(buf, v);
    std::memcpy(p, buf, sizeof(float) * left);
  }
  int64_t left;
  float buf[4];
};

inline float64x2_t SumPd(float64x2_t acc, float32x4_t e) {
  acc = vaddq_f64(acc, vcvt_f64_f32(vget_low_f32(e)));
  return vaddq_f64(acc, vcvt_high_f64_f32(e));
}

// tanh(u) = 1 - 2 / (1 + exp(2u)): absolute error a few 1e-7 (the GELU
// budget), exactly +-1 once exp saturates, no inf/NaN for finite or infinite u.
inline float32x4_t Tanh(float32x4_t u) {
  const float32x4_t one = vdupq_n_f32(1.0f);
  const float32x4_t e = Exp(vaddq_f32(u, u));
  return vsubq_f32(one, vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(one, e)));
}

}  // namespace

void GeluTanh(const float* x, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, Gelu(vld1q_f32(x + i)));
  if (i < n) {
    Tail t(x + i, n - i, 0.0f);
    t.Store(Gelu(t.Load()), y + i);
  }
}

void GeluTanhMul(float* a, const float* b, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(a + i, vmulq_f32(Gelu(vld1q_f32(a + i)), vld1q_f32(b + i)));
  if (i < n) {
    Tail ta(a + i, n - i, 0.0f);
    const Tail tb(b + i, n - i, 0.0f);
    ta.Store(vmulq_f32(Gelu(ta.Load()), tb.Load()), a + i);
  }
}

// Max pass, exp + sum pass (sum in double, like the scalar oracle, so long
// attention rows keep full precision), scale pass.
void Softmax(float* x, int64_t n) {
  if (n <= 0) return;
  float32x4_t mx = vdupq_n_f32(-INFINITY);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) mx = vmaxq_f32(mx, vld1q_f32(x + i));
  float m = vmaxvq_f32(mx);
  for (int64_t j = i; j < n; ++j) m = std::fmax(m, x[j]);
  const float32x4_t max = vdupq_n_f32(m);

  float64x2_t sum = vdupq_n_f64(0.0);
  for (i = 0; i + 4 <= n; i += 4) {
    const float32x4_t e = Exp(vsubq_f32(vld1q_f32(x + i), max));
    vst1q_f32(x + i, e);
    sum = SumPd(sum, e);
  }
  if (i < n) {
    Tail t(x + i, n - i, -INFINITY);  // padding lanes give exp = 0
    const float32x4_t e = Exp(vsubq_f32(t.Load(), max));
    t.Store(e, x + i);
    sum = SumPd(sum, e);
  }
  const float inv = static_cast<float>(1.0 / vaddvq_f64(sum));
  for (i = 0; i + 4 <= n; i += 4)
    vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), inv));
  for (; i < n; ++i) x[i] *= inv;
}

// Squares are summed in f32 over 8 vectors with 2 accumulators (4 terms per
// lane each), then in double, so d_model 2560 keeps the scalar oracle's
// precision.
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y) {
  float64x2_t ss = vdupq_n_f64(0.0);
  int64_t i = 0;
  while (i + 8 <= n) {
    float32x4_t p0 = vdupq_n_f32(0.0f), p1 = vdupq_n_f32(0.0f);
    for (int k = 0; k < 4 && i + 8 <= n; ++k, i += 8) {
      const float32x4_t v0 = vld1q_f32(x + i), v1 = vld1q_f32(x + i + 4);
      p0 = vfmaq_f32(p0, v0, v0);
      p1 = vfmaq_f32(p1, v1, v1);
    }
    ss = SumPd(SumPd(ss, p0), p1);
  }
  double sum = vaddvq_f64(ss);
  for (int64_t j = i; j < n; ++j) sum += static_cast<double>(x[j]) * x[j];
  const float inv =
      static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (i = 0; i + 4 <= n; i += 4) {
    float32x4_t v = vmulq_n_f32(vld1q_f32(x + i), inv);
    if (w != nullptr) v = vmulq_f32(v, vld1q_f32(w + i));
    vst1q_f32(y + i, v);
  }
  for (; i < n; ++i) y[i] = x[i] * inv * (w != nullptr ? w[i] : 1.0f);
}

void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v) {
  const int64_t half = head_dim / 2;
  int64_t j = 0;
  for (; j + 4 <= half; j += 4) {
    const float32x4_t a = vld1q_f32(x + j), b = vld1q_f32(x + half + j);
    const float32x4_t c = vld1q_f32(cos_v + j), s = vld1q_f32(sin_v + j);
    vst1q_f32(x + j, vfmsq_f32(vmulq_f32(a, c), b, s));
    vst1q_f32(x + half + j, vfmaq_f32(vmulq_f32(b, c), a, s));
  }
  for (; j < half; ++j) {
    const float a = x[j];
    const float b = x[j + half];
    x[j] = std::fma(-b, sin_v[j], a * cos_v[j]);
    x[j + half] = std::fma(a, sin_v[j], b * cos_v[j]);
  }
}

void Softcap(float* x, int64_t n, float cap) {
  const float inv = 1.0f / cap;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(x + i,
              vmulq_n_f32(Tanh(vmulq_n_f32(vld1q_f32(x + i), inv)), cap));
  if (i < n) {
    Tail t(x + i, n - i, 0.0f);
    t.Store(vmulq_n_f32(Tanh(vmulq_n_f32(t.Load(), inv)), cap), x + i);
  }
}

void Scale(float* y, int64_t n, float s) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_n_f32(vld1q_f32(y + i), s));
  for (; i < n; ++i) y[i] *= s;
}

void Add(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), vld1q_f32(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}

}  // namespace neon
}  // namespace edgemma
