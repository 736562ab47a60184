// Scalar K-quant x Q8_K kernels (the oracle): each weight super-block is
// unpacked to its integer values, multiplied with the int8 activations per
// sub-block in int32 and scaled once per super-block, which is the arithmetic
// every SIMD variant reproduces (identical integer sums; only the f32
// summation order may differ).
#include <cstring>

#include "quant/blocks.h"
#include "quant/quantize.h"
#include "quant/scalar/scalar.h"

namespace edgemma {
namespace scalar {
namespace {

// The 256 quants of a Q4_K (kQ5 false) or Q5_K block, 0..15 / 0..31, in
// element order: 64-element chunk c holds qs[32c + l] low nibbles then high
// nibbles, plus bit 2c / 2c+1 of qh[l] as the fifth bit.
template <bool kQ5>
void UnpackQ45(const uint8_t* qs, const uint8_t* qh, int q[kQKK]) {
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t b = qs[32 * c + l];
      q[64 * c + l] = (b & 0x0f) + (kQ5 && (qh[l] >> (2 * c) & 1) ? 16 : 0);
      q[64 * c + 32 + l] =
          (b >> 4) + (kQ5 && (qh[l] >> (2 * c + 1) & 1) ? 16 : 0);
    }
  }
}

// Q4_K / Q5_K block . Q8_K block: d8 * (d * sum_j sc_j q_j.a_j - dmin * sum_j
// m_j sum(a_j)), j over the 8 sub-blocks of 32.
template <bool kQ5>
float DotQ45(const uint8_t* w, const BlockQ8_K& a) {
  uint16_t dh, mh;
  std::memcpy(&dh, w, 2);
  std::memcpy(&mh, w + 2, 2);
  const uint8_t* scales = w + 4;
  const uint8_t* qh = w + 16;
  const uint8_t* qs = kQ5 ? w + 48 : w + 16;
  int q[kQKK];
  UnpackQ45<kQ5>(qs, qh, q);
  int32_t sumi = 0, summ = 0;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    KScaleMin(scales, j, &sc, &m);
    int32_t dot = 0;
    for (int l = 32 * j; l < 32 * j + 32; ++l) dot += q[l] * a.qs[l];
    sumi += sc * dot;
    summ += m * (a.bsums[2 * j] + a.bsums[2 * j + 1]);
  }
  return a.d * (edgemma::F16ToF32(dh) * static_cast<float>(sumi) -
                edgemma::F16ToF32(mh) * static_cast<float>(summ));
}

// Q6_K block . Q8_K block: d8 * d * sum_g sc_g (q_g - 32).a_g, g over the 16
// groups of 16.
float DotQ6(const uint8_t* w, const BlockQ8_K& a) {
  BlockQ6_K blk;
  std::memcpy(&blk, w, sizeof(blk));
  int q[kQKK];
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = blk.ql + 64 * h;
    const uint8_t* qh = blk.qh + 32 * h;
    int* o = q + 128 * h;
    for (int l = 0; l < 32; ++l) {
      o[l] = ((ql[l] & 0xf) | ((qh[l] >> 0 & 3) << 4)) - 32;
      o[l + 32] = ((ql[l + 32] & 0xf) | ((qh[l] >> 2 & 3) << 4)) - 32;
      o[l + 64] = ((ql[l] >> 4) | ((qh[l] >> 4 & 3) << 4)) - 32;
      o[l + 96] = ((ql[l + 32] >> 4) | ((qh[l] >> 6 & 3) << 4)) - 32;
    }
  }
  int32_t sumi = 0;
  for (int g = 0; g < 16; ++g) {
    int32_t dot = 0;
    for (int l = 16 * g; l < 16 * g + 16; ++l) dot += q[l] * a.qs[l];
    sumi += blk.scales[g] * dot;
  }
  return a.d * edgemma::F16ToF32(blk.d) * static_cast<float>(sumi);
}

template <size_t kWB, float (*Dot)(const uint8_t*, const BlockQ8_K&)>
void GemmK(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
           int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n, float* y,
           int64_t ldy) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t t = 0; t < n; ++t) {
      float acc = 0.0f;
      for (int64_t b = 0; b < nb; ++b) {
        BlockQ8_K a;
        std::memcpy(&a, xq + t * xq_stride + b * sizeof(BlockQ8_K), sizeof(a));
        acc += Dot(w + r * w_stride + b * kWB, a);
      }
      y[t * ldy + r] = acc;
    }
  }
}

}  // namespace

void QuantizeQ8_K(const float* x, void* y, int64_t n) {
  QuantizeQ8_KRef(x, y, n);
}

void GemmQ4_KQ8_K(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy) {
  GemmK<sizeof(BlockQ4_K), DotQ45<false>>(w, w_stride, r0, r1, nb, xq,
                                          xq_stride, n, y, ldy);
}

void GemmQ5_KQ8_K(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy) {
  GemmK<sizeof(BlockQ5_K), DotQ45<true>>(w, w_stride, r0, r1, nb, xq, xq_stride,
                                         n, y, ldy);
}

void GemmQ6_KQ8_K(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy) {
  GemmK<sizeof(BlockQ6_K), DotQ6>(w, w_stride, r0, r1, nb, xq, xq_stride, n, y,
                                  ldy);
}

}  // namespace scalar
}  // namespace edgemma
