// Scalar matrix kernels (the oracle). Straightforward loops: one output at a
// time.
#include <cstring>

#include "quant/blocks.h"
#include "quant/quantize.h"
#include "quant/scalar/scalar.h"

namespace edgemma {
namespace scalar {

void QuantizeQ8_0(const float* x, void* y, int64_t n) {
  QuantizeQ8_0Ref(x, y, n);
}

namespace {

float DotQ4_0Q8_0(const uint8_t* w, const uint8_t* a, int64_t nb) {
  float acc = 0.0f;
  for (int64_t b = 0; b < nb;
       ++b, w += sizeof(BlockQ4_0), a += sizeof(BlockQ8_0)) {
    const uint8_t* qw = w + 2;
    const auto* qa = reinterpret_cast<const int8_t*>(a + 2);
    int32_t sum = 0;
    for (int j = 0; j < 16; ++j) {
      sum += ((qw[j] & 0x0f) - 8) * qa[j] + ((qw[j] >> 4) - 8) * qa[j + 16];
    }
    acc += static_cast<float>(sum) * (BlockScale(w) * BlockScale(a));
  }
  return acc;
}

float DotQ8_0Q8_0(const uint8_t* w, const uint8_t* a, int64_t nb) {
  float acc = 0.0f;
  for (int64_t b = 0; b < nb;
       ++b, w += sizeof(BlockQ8_0), a += sizeof(BlockQ8_0)) {
    const auto* qw = reinterpret_cast<const int8_t*>(w + 2);
    const auto* qa = reinterpret_cast<const int8_t*>(a + 2);
    int32_t sum = 0;
    for (int j = 0; j < kQK; ++j) sum += qw[j] * qa[j];
    acc += static_cast<float>(sum) * (BlockScale(w) * BlockScale(a));
  }
  return acc;
}

template <typename ToFloat>
void GemmFloat(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
               int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
               int64_t ldy, size_t esize, ToFloat to_float) {
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* row = w + r * w_stride;
    for (int64_t t = 0; t < n; ++t) {
      const float* xt = x + t * ldx;
      float acc = 0.0f;
      for (int64_t c = 0; c < cols; ++c)
        acc += to_float(row + c * esize) * xt[c];
      y[t * ldy + r] = acc;
    }
  }
}

// The 32 weights of one Q4_0 / Q8_0 block as f32: d * q, exact (q has at
// most 8 bits, d is an f16).
template <bool kQ4>
void DequantizeBlock(const uint8_t* blk, float out[kQK]) {
  const float d = BlockScale(blk);
  const uint8_t* q = blk + 2;
  for (int j = 0; j < kQK; ++j) {
    const int v = kQ4 ? ((q[j % 16] >> (j < 16 ? 0 : 4)) & 0x0f) - 8
                      : static_cast<int8_t>(q[j]);
    out[j] = d * static_cast<float>(v);
  }
}

template <bool kQ4>
void GemmQF32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
              int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
              int64_t ldy) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  float wf[kQK];  // one dequantized block
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t t = 0; t < n; ++t) {
      const float* xt = x + t * ldx;
      float acc = 0.0f;
      for (int64_t b = 0; b < cols / kQK; ++b) {
        DequantizeBlock<kQ4>(w + r * w_stride + b * kWB, wf);
        for (int j = 0; j < kQK; ++j) acc += wf[j] * xt[b * kQK + j];
      }
      y[t * ldy + r] = acc;
    }
  }
}

}  // namespace

void GemmQ4_0F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  GemmQF32<true>(w, w_stride, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmQ8_0F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  GemmQF32<false>(w, w_stride, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmQ4_0Q8_0(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t t = 0; t < n; ++t) {
      y[t * ldy + r] = DotQ4_0Q8_0(w + r * w_stride, xq + t * xq_stride, nb);
    }
  }
}

void GemmQ8_0Q8_0(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t t = 0; t < n; ++t) {
      y[t * ldy + r] = DotQ8_0Q8_0(w + r * w_stride, xq + t * xq_stride, nb);
    }
  }
}

void GemmF32F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  GemmFloat(w, w_stride, r0, r1, cols, x, ldx, n, y, ldy, 4,
            [](const uint8_t* p) {
              float f;
              std::memcpy(&f, p, 4);
              return f;
            });
}

void GemmF16F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  GemmFloat(w, w_stride, r0, r1, cols, x, ldx, n, y, ldy, 2,
            [](const uint8_t* p) {
              uint16_t h;
              std::memcpy(&h, p, 2);
              return edgemma::F16ToF32(h);
            });
}

void GemmBF16F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  GemmFloat(w, w_stride, r0, r1, cols, x, ldx, n, y, ldy, 2,
            [](const uint8_t* p) {
              uint16_t h;
              std::memcpy(&h, p, 2);
              return BF16ToF32(h);
            });
}

}  // namespace scalar
}  // namespace edgemma
