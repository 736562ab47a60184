// ARMv8.0 NEON quantized-weight x f32-activation kernels (shared by the neon,
// neondot and neoni8mm tables): a block's 32 weights become 8 float32x4 (widen
// int8 -> int16 -> int32, convert, scale), then FMAs with the activations.
// Tiles: 4 rows x 4 tokens for prefill (16 accumulators + 8 decoded vectors
// of the 32 registers), 4 rows for decode.
#include <arm_neon.h>

#include "quant/arm/f32x4.h"
#include "quant/arm/neon/neon.h"
#include "quant/blocks.h"
#include "quant/simd/q_f32_tiles.h"

namespace edgemma {
namespace neon {
namespace {

// The 128-bit vector policy plus the block decoders of quant/simd/
// q_f32_tiles.h.
struct F32x4Q : F32x4 {
  static constexpr int kVecs = 8;
  // 16 int8 -> 4 x float32x4, each times d (exact: |q| <= 128, d an f16).
  static void Widen(int8x16_t q, float d, F* w) {
    const int16x8_t lo = vmovl_s8(vget_low_s8(q));
    const int16x8_t hi = vmovl_high_s8(q);
    w[0] = vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), d);
    w[1] = vmulq_n_f32(vcvtq_f32_s32(vmovl_high_s16(lo)), d);
    w[2] = vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), d);
    w[3] = vmulq_n_f32(vcvtq_f32_s32(vmovl_high_s16(hi)), d);
  }
  // Low nibbles are elements 0..15, high nibbles 16..31.
  static void DecodeQ4(const uint8_t* blk, F w[kVecs]) {
    const float d = BlockScale(blk);
    const uint8x16_t q = vld1q_u8(blk + 2);
    const int8x16_t eight = vdupq_n_s8(8);
    Widen(vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0f))), eight),
          d, w);
    Widen(vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight), d, w + 4);
  }
  static void DecodeQ8(const uint8_t* blk, F w[kVecs]) {
    const float d = BlockScale(blk);
    const auto* q = reinterpret_cast<const int8_t*>(blk + 2);
    Widen(vld1q_s8(q), d, w);
    Widen(vld1q_s8(q + 16), d, w + 4);
  }
};

}  // namespace

void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<F32x4Q, true, 4, 4, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<F32x4Q, false, 4, 4, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

}  // namespace neon
}  // namespace edgemma
