// The int8 block-product policy of quant/arm/int8_tiles.h built on the
// ARMv8.2 dot-product instruction (sdot: four int8 products summed into each
// int32 lane), and the prefill tile built on its by-element form, shared by
// the neondot and neoni8mm variants. Include ONLY from a translation unit
// compiled with dotprod; anonymous namespace, as int8_tiles.h.
#ifndef EDGEMMA_QUANT_ARM_SDOT_H_
#define EDGEMMA_QUANT_ARM_SDOT_H_

#include <arm_neon.h>

#include "quant/arm/int8_tiles.h"

namespace edgemma {
namespace {

struct SdotDot {
  static constexpr int kQ4Frac = 4;  // int32 lanes: Q4_0 weights x16
  static int32x4_t Dot(const I8x32& w, const I8x32& a) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w.lo, a.lo), w.hi, a.hi);
  }
  template <bool kQ4>
  static int32x4_t Rows4(const I8x32 w[4], const I8x32& a) {
    const int32x4_t s[4] = {Dot(w[0], a), Dot(w[1], a), Dot(w[2], a),
                            Dot(w[3], a)};
    return RowTotals(s);
  }
};

// 4 x 4 transpose of 32-bit words: out[j] = word j of in[0], ..., in[3].
inline void Transpose4x4(const int8x16_t in[4], int8x16_t out[4]) {
  const int32x4_t r0 = vreinterpretq_s32_s8(in[0]);
  const int32x4_t r1 = vreinterpretq_s32_s8(in[1]);
  const int32x4_t r2 = vreinterpretq_s32_s8(in[2]);
  const int32x4_t r3 = vreinterpretq_s32_s8(in[3]);
  const int64x2_t t0 = vreinterpretq_s64_s32(vtrn1q_s32(r0, r1));
  const int64x2_t t1 = vreinterpretq_s64_s32(vtrn2q_s32(r0, r1));
  const int64x2_t t2 = vreinterpretq_s64_s32(vtrn1q_s32(r2, r3));
  const int64x2_t t3 = vreinterpretq_s64_s32(vtrn2q_s32(r2, r3));
  out[0] = vreinterpretq_s8_s64(vtrn1q_s64(t0, t2));
  out[1] = vreinterpretq_s8_s64(vtrn1q_s64(t1, t3));
  out[2] = vreinterpretq_s8_s64(vtrn2q_s64(t0, t2));
  out[3] = vreinterpretq_s8_s64(vtrn2q_s64(t1, t3));
}

// Block b of four rows with their elements interleaved: wt[j] = elements
// 4j..4j+3 of rows 0..3 (one 32-bit word per row). Q4_0: the packed bytes are
// transposed first (byte i holds elements i and i + 16), then unpacked x16
// (UnpackQ4x16), so both halves come out interleaved for 8 + 12 operations.
template <bool kQ4>
inline void LoadInterleaved(const uint8_t* wb, size_t ws, int8x16_t wt[8]) {
  int8x16_t rows[4];
  if constexpr (kQ4) {
    for (int r = 0; r < 4; ++r) rows[r] = vld1q_s8(AsI8(wb + r * ws + 2));
    int8x16_t packed[4];
    Transpose4x4(rows, packed);
    for (int j = 0; j < 4; ++j) {
      const I8x32 q = UnpackQ4x16(vreinterpretq_u8_s8(packed[j]));
      wt[j] = q.lo;
      wt[j + 4] = q.hi;
    }
  } else {
    for (int half = 0; half < 2; ++half) {
      for (int r = 0; r < 4; ++r) {
        rows[r] = vld1q_s8(AsI8(wb + r * ws + 2 + 16 * half));
      }
      Transpose4x4(rows, wt + 4 * half);
    }
  }
}

// Prefill tile of 4 rows x T tokens on interleaved weights: sdot by element
// multiplies word j of the activations (broadcast) with the four rows' word j
// at once, so the four row sums build up in the lanes of one accumulator with
// no reduction, and each block costs per token one zeroing, eight sdots, one
// conversion and one multiply-add for all four rows. Activations are loaded
// token by token (8 interleaved weight vectors + T accumulators stay in
// registers).
template <bool kQ4, int T>
[[gnu::noinline]] void SdotLaneTile(const uint8_t* w, size_t ws, int64_t nb,
                                    const uint8_t* xq, size_t xs, float* y,
                                    int64_t ldy) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  constexpr int kFrac = kQ4 ? SdotDot::kQ4Frac : 0;
  float32x4_t acc[T];
  for (int t = 0; t < T; ++t) acc[t] = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* wb = w + b * kWB;
    int8x16_t wt[8];
    LoadInterleaved<kQ4>(wb, ws, wt);
    const float32x4_t dw = LoadScales4(wb, ws);
    for (int t = 0; t < T; ++t) {
      const uint8_t* ab = xq + t * xs + b * sizeof(BlockQ8_0);
      const int8x16_t lo = vld1q_s8(AsI8(ab + 2)), hi = vld1q_s8(AsI8(ab + 18));
      int32x4_t s = vdupq_n_s32(0);
      s = vdotq_laneq_s32(s, wt[0], lo, 0);
      s = vdotq_laneq_s32(s, wt[1], lo, 1);
      s = vdotq_laneq_s32(s, wt[2], lo, 2);
      s = vdotq_laneq_s32(s, wt[3], lo, 3);
      s = vdotq_laneq_s32(s, wt[4], hi, 0);
      s = vdotq_laneq_s32(s, wt[5], hi, 1);
      s = vdotq_laneq_s32(s, wt[6], hi, 2);
      s = vdotq_laneq_s32(s, wt[7], hi, 3);
      acc[t] =
          vfmaq_f32(acc[t], ToF32<kFrac>(s), vmulq_n_f32(dw, LoadScale(ab)));
    }
  }
  for (int t = 0; t < T; ++t) vst1q_f32(y + t * ldy, acc[t]);
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_SDOT_H_
