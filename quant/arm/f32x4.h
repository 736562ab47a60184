// The 128-bit f32 vector policy of quant/simd/vec_ops.h, quant/simd/
// float_tiles.h and quant/simd/q_f32_tiles.h (4 lanes; ARMv8.0 NEON, shared by
// the neon, neondot and neoni8mm variants). Include ONLY from quant/arm/;
// anonymous namespace, so each ISA's TU has its own copy.
#ifndef EDGEMMA_QUANT_ARM_F32X4_H_
#define EDGEMMA_QUANT_ARM_F32X4_H_

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "quant/types.h"

namespace edgemma {
namespace {

struct F32x4 {
  using F = float32x4_t;
  using D = float64x2_t;
  static constexpr int kLanes = 4;

  static F Zero() { return vdupq_n_f32(0.0f); }
  static F Set1(float v) { return vdupq_n_f32(v); }
  static F Load(const float* p) { return vld1q_f32(p); }
  static void Store(float* p, F v) { vst1q_f32(p, v); }
  // Tails go through a padded stack buffer (at most 3 elements).
  static F LoadPart(const float* p, int64_t left, float fill) {
    float buf[kLanes];
    for (float& v : buf) v = fill;
    std::memcpy(buf, p, sizeof(float) * left);
    return vld1q_f32(buf);
  }
  static void StorePart(float* p, int64_t left, F v) {
    float buf[kLanes];
    vst1q_f32(buf, v);
    std::memcpy(p, buf, sizeof(float) * left);
  }

  static F Add(F a, F b) { return vaddq_f32(a, b); }
  static F Sub(F a, F b) { return vsubq_f32(a, b); }
  static F Mul(F a, F b) { return vmulq_f32(a, b); }
  static F Div(F a, F b) { return vdivq_f32(a, b); }
  static F Min(F a, F b) { return vminq_f32(a, b); }
  static F Max(F a, F b) { return vmaxq_f32(a, b); }
  static F MulAdd(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  // a * b - c with one rounding: -(c - a * b), the negation is exact.
  static F MulSub(F a, F b, F c) { return vnegq_f32(vfmsq_f32(c, a, b)); }
  static F NegMulAdd(F a, F b, F c) { return vfmsq_f32(c, a, b); }
  static F Round(F v) { return vrndnq_f32(v); }
  static F Pow2(F n) {
    const int32x4_t e = vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
  }
  static F KeepGe(F y, F x, float lo) {
    return vreinterpretq_f32_u32(
        vandq_u32(vreinterpretq_u32_f32(y), vcgeq_f32(x, vdupq_n_f32(lo))));
  }
  static float ReduceMax(F v) { return vmaxvq_f32(v); }
  static float ReduceAdd(F v) { return vaddvq_f32(v); }

  static D DZero() { return vdupq_n_f64(0.0); }
  static D AddWidened(D acc, F v) {
    acc = vaddq_f64(acc, vcvt_f64_f32(vget_low_f32(v)));
    return vaddq_f64(acc, vcvt_high_f64_f32(v));
  }
  static double ReduceD(D v) { return vaddvq_f64(v); }

  static F LoadF16(const uint16_t* p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
  }
  static void StoreF16(uint16_t* p, F v) {
    vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)));
  }
  static F LoadBF16(const uint16_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
  }
  static float Half(uint16_t h) { return F16ToF32(h); }
};

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_F32X4_H_
