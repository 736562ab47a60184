// Scalar f32 vector ops (the oracle).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/scalar/scalar.h"
#include "quant/types.h"

namespace edgemma {
namespace scalar {

float DotF32(const float* a, const float* b, int64_t n) {
  float acc = 0.0f;
  for (int64_t i = 0; i < n; ++i) acc += a[i] * b[i];
  return acc;
}

void AxpyF32(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float DotF16(const float* a, const uint16_t* b, int64_t n) {
  float acc = 0.0f;
  for (int64_t i = 0; i < n; ++i) acc += a[i] * edgemma::F16ToF32(b[i]);
  return acc;
}

void AxpyF16(float a, const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * edgemma::F16ToF32(x[i]);
}

void AccumRowsF32(const float* w, int64_t ws, int64_t nk, int64_t cols,
                  const float* x, int64_t ldx, int64_t n, float* y,
                  int64_t ldy) {
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t k = 0; k < nk; ++k) {
      AxpyF32(x[t * ldx + k], w + k * ws, y + t * ldy, cols);
    }
  }
}

void F32ToF16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = edgemma::F32ToF16(x[i]);
}

void F16ToF32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = edgemma::F16ToF32(x[i]);
}

void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y) {
  // Sum of squares in double: n is at most a few thousand and this runs once
  // per row.
  double ss = 0.0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float inv =
      static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] * inv * (w != nullptr ? w[i] : 1.0f);
}

void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v) {
  const int64_t half = head_dim / 2;
  for (int64_t j = 0; j < half; ++j) {
    const float a = x[j];
    const float b = x[j + half];
    x[j] = a * cos_v[j] - b * sin_v[j];
    x[j + half] = b * cos_v[j] + a * sin_v[j];
  }
}

void Softmax(float* x, int64_t n) {
  if (n <= 0) return;
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = std::fmax(max, x[i]);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

namespace {
inline float Gelu(float v) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * v *
         (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
}
}  // namespace

void GeluTanh(const float* x, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = Gelu(x[i]);
}

void GeluTanhMul(float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = Gelu(a[i]) * b[i];
}

void Softcap(float* x, int64_t n, float cap) {
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

void Scale(float* y, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) y[i] *= s;
}

void Add(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void Clamp(const float* x, int64_t n, float lo, float hi, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

}  // namespace scalar

}  // namespace edgemma
