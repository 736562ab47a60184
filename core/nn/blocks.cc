#include "core/nn/blocks.h"

#include <cmath>

namespace edgemma {
namespace {

// Elements per parallel grain of the gated GELU (scalar tanh: ~10 ns each).
constexpr int64_t kGeluGrain = 2048;

}  // namespace

void NormRowsTo(const NnContext& c, const float* x, int64_t rows, int64_t n,
                const float* w, float eps, float* y) {
  ParallelRange(c.pool, rows, kRowGrain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      RmsNorm(c.k(), x + r * n, w, n, eps, y + r * n);
  });
}

void NormRows(const NnContext& c, float* x, int64_t rows, int64_t n,
              const float* w, float eps) {
  NormRowsTo(c, x, rows, n, w, eps, x);
}

void NormAddRows(const NnContext& c, float* x, int64_t rows, int64_t n,
                 const float* w, float eps, float* acc, float scale) {
  ParallelRange(c.pool, rows, kRowGrain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      RmsNorm(c.k(), x + r * n, w, n, eps, x + r * n);
      Add(c.k(), x + r * n, acc + r * n, n);
      if (scale != 1.f) Scale(c.k(), acc + r * n, n, scale);
    }
  });
}

void NormRopeHeads(const NnContext& c, float* x, int T, int heads, int hd,
                   const float* w, float eps, const float* cos,
                   const float* sin) {
  ParallelRange(c.pool, T, kRowGrain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      for (int h = 0; h < heads; ++h) {
        float* v = x + (t * heads + h) * hd;  // [hd]
        RmsNorm(c.k(), v, w, hd, eps, v);
        if (cos) {
          RopeNeoxCosSin(c.k(), v, hd, cos + t * (hd / 2), sin + t * (hd / 2));
        }
      }
    }
  });
}

void RopeTable(const std::vector<double>& inv_freq, int T, int64_t pos0,
               float* cos, float* sin) {
  const int64_t half = static_cast<int64_t>(inv_freq.size());
  for (int t = 0; t < T; ++t) {
    for (int64_t j = 0; j < half; ++j) {
      const double angle = static_cast<double>(pos0 + t) * inv_freq[j];
      cos[t * half + j] = static_cast<float>(std::cos(angle));
      sin[t * half + j] = static_cast<float>(std::sin(angle));
    }
  }
}

void GatedGelu(const NnContext& c, float* gate, const float* up, int64_t n) {
  ParallelRange(c.pool, n, kGeluGrain, [&](int64_t e0, int64_t e1) {
    GeluTanhMul(c.k(), gate + e0, up + e0, e1 - e0);
  });
}

}  // namespace edgemma
