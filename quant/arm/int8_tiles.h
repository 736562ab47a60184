// AArch64 int8 kernel bodies and the table builder shared by the neon, neondot
// and neoni8mm variants, written against a policy `P` with static members
// Dot(w, a) -> int32x4 partial sums of a 32-element signed int8 block product,
// Rows4<kQ4>(w[4], a) -> the four rows' block sums in lanes 0..3, and kQ4Frac:
// 4 if its Q4_0 weights are loaded x16 (LoadQ4x16: 3 vector operations per
// block instead of 4; needs 32-bit products), 0 if as q - 8 (|w| <= 8, so a
// 16-bit lane can hold four products).
// Include ONLY from a translation unit compiled for the variant's ISA;
// everything is in an anonymous namespace so each variant's TU has its own copy
// (no ODR sharing between ISAs).
#ifndef EDGEMMA_QUANT_ARM_INT8_TILES_H_
#define EDGEMMA_QUANT_ARM_INT8_TILES_H_

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "quant/arm/f32x4.h"
#include "quant/arm/neon/neon.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/scalar/scalar.h"
#include "quant/simd/float_tiles.h"
#include "quant/simd/tile_loop.h"
#include "quant/simd/vec_ops.h"

namespace edgemma {
namespace {

// A 32-element int8 block: elements 0..15 and 16..31.
struct I8x32 {
  int8x16_t lo, hi;
};

// The f16 scale at the start of a block (any address), converted by the FPU
// (fcvt is ARMv8.0; the portable F16ToF32 is an out-of-line call).
inline float LoadScale(const uint8_t* p) {
  __fp16 h;
  std::memcpy(&h, p, 2);
  return static_cast<float>(h);
}

// The scales of the blocks at p, p + stride, p + 2 stride, p + 3 stride as
// one f32 vector: four 16-bit loads packed in a general register, one move and
// one conversion (the vector pipes are the kernels' bottleneck).
inline float32x4_t LoadScales4(const uint8_t* p, size_t stride) {
  uint16_t h[4];
  for (int i = 0; i < 4; ++i) std::memcpy(&h[i], p + i * stride, 2);
  const uint64_t bits =
      h[0] | uint64_t{h[1]} << 16 | uint64_t{h[2]} << 32 | uint64_t{h[3]} << 48;
  return vcvt_f32_f16(vreinterpret_f16_u64(vcreate_u64(bits)));
}

// Q4_0 nibbles minus 8 as int8 (for 16-bit products: plain NEON).
inline I8x32 LoadQ4(const uint8_t* qs) {
  const uint8x16_t q = vld1q_u8(qs);
  const int8x16_t eight = vdupq_n_s8(8);
  return {vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0f))), eight),
          vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight)};
}

// Q4_0 nibbles minus 8, times 16, in three operations for 32 weights: xor
// 0x88 turns each nibble q into q - 8 in 4-bit two's complement, shl 4 / and
// 0xf0 put it in the top half of a byte. Block sums come out x16 (exact in
// int32 lanes); ToF32<4> divides it out in the int -> float conversion.
// UnpackQ4x16: low nibbles (elements 0..15), high nibbles (16..31) of 16
// packed bytes.
inline I8x32 UnpackQ4x16(uint8x16_t q) {
  const uint8x16_t x = veorq_u8(q, vdupq_n_u8(0x88));
  return {vreinterpretq_s8_u8(vshlq_n_u8(x, 4)),
          vreinterpretq_s8_u8(vandq_u8(x, vdupq_n_u8(0xf0)))};
}

inline I8x32 LoadQ4x16(const uint8_t* qs) { return UnpackQ4x16(vld1q_u8(qs)); }

inline const int8_t* AsI8(const uint8_t* p) {
  return reinterpret_cast<const int8_t*>(p);
}

inline I8x32 LoadQ8(const uint8_t* qs) {
  return {vld1q_s8(AsI8(qs)), vld1q_s8(AsI8(qs + 16))};
}

// A weight block's int8 values; kFrac: 4 for Q4_0 scaled by 16 (LoadQ4x16),
// 0 for unscaled.
template <bool kQ4, int kFrac>
inline I8x32 LoadW(const uint8_t* block) {
  static_assert(kFrac == 0 || kFrac == 4, "Q4_0 weights x1 or x16");
  if constexpr (!kQ4) {
    return LoadQ8(block + 2);
  } else if constexpr (kFrac == 4) {
    return LoadQ4x16(block + 2);
  } else {
    return LoadQ4(block + 2);
  }
}

// int32 block sums with kFrac fraction bits -> f32 (exact: |sum| < 2^24).
template <int kFrac>
inline float32x4_t ToF32(int32x4_t s) {
  if constexpr (kFrac == 0) {
    return vcvtq_f32_s32(s);
  } else {
    return vcvtq_n_f32_s32(s, kFrac);
  }
}

// Four rows' partial sums (any lane split) -> lane r = row r's total.
inline int32x4_t RowTotals(const int32x4_t s[4]) {
  return vpaddq_s32(vpaddq_s32(s[0], s[1]), vpaddq_s32(s[2], s[3]));
}

// One R x T tile over nb blocks: each weight block decoded once, each
// activation block loaded once. R == 4: the four rows' block sums share one
// vector (lane r = row r), so a block costs one int -> float conversion and
// one multiply-add per token, with the four row scales converted together;
// R == 1 (row tails) keeps per-row partial sums and reduces at the end. The
// policy P supplies Dot(w, a) (int32x4 partial sums of one block product),
// Rows4<kQ4>(w[4], a) (lane r = row r's block sum) and kQ4Frac (how its Q4_0
// weights are loaded: LoadW).
template <class P, bool kQ4, int R, int T>
[[gnu::noinline]] void QTile(const uint8_t* w, size_t ws, int64_t nb,
                             const uint8_t* xq, size_t xs, float* y,
                             int64_t ldy) {
  static_assert(R == 1 || R == 4, "rows come four to a vector, or alone");
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  constexpr int kFrac = kQ4 ? P::kQ4Frac : 0;
  float32x4_t acc[T];
  for (int t = 0; t < T; ++t) acc[t] = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < nb; ++b) {
    I8x32 a[T];
    float da[T];
    for (int t = 0; t < T; ++t) {
      const uint8_t* ab = xq + t * xs + b * sizeof(BlockQ8_0);
      a[t] = LoadQ8(ab + 2);
      da[t] = LoadScale(ab);
    }
    const uint8_t* wb = w + b * kWB;
    if constexpr (R == 4) {
      I8x32 wv[4];
      for (int r = 0; r < 4; ++r) wv[r] = LoadW<kQ4, kFrac>(wb + r * ws);
      const float32x4_t dw = LoadScales4(wb, ws);
      // Unrolled, so the T tokens' products interleave (clang keeps a 2-trip
      // loop around the large plain-NEON body otherwise).
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        const int32x4_t s = P::template Rows4<kQ4>(wv, a[t]);
        acc[t] = vfmaq_f32(acc[t], ToF32<kFrac>(s), vmulq_n_f32(dw, da[t]));
      }
    } else {
      const float dw = LoadScale(wb);
      const I8x32 wv = LoadW<kQ4, kFrac>(wb);
      for (int t = 0; t < T; ++t) {
        acc[t] =
            vfmaq_n_f32(acc[t], ToF32<kFrac>(P::Dot(wv, a[t])), dw * da[t]);
      }
    }
  }
  for (int t = 0; t < T; ++t) {
    if constexpr (R == 4) {
      vst1q_f32(y + t * ldy, acc[t]);
    } else {
      y[t * ldy] = vaddvq_f32(acc[t]);
    }
  }
}

// Tokens per pass: a pass's Q8 activations stay in cache while the rows stream
// past once.
constexpr int64_t kTokenChunk = 32;

// The tiles of one call, for ForEachTile: R x T tiles via `Main`, the tails
// with QTile of policy P.
template <class P, bool kQ4, int R, int T,
          void (*Main)(const uint8_t*, size_t, int64_t, const uint8_t*, size_t,
                       float*, int64_t)>
struct QTiles {
  const uint8_t* w;
  size_t ws;
  int64_t nb;
  const uint8_t* xq;
  size_t xs;
  float* y;
  int64_t ldy;
  template <int Rt, int Tt>
  void Run(int64_t r, int64_t t) const {
    if constexpr (Rt == R && Tt == T) {
      Main(w + r * ws, ws, nb, xq + t * xs, xs, y + t * ldy + r, ldy);
    } else {
      QTile<P, kQ4, Rt, Tt>(w + r * ws, ws, nb, xq + t * xs, xs,
                            y + t * ldy + r, ldy);
    }
  }
};

// GemmQFn over rows [r0, r1) in R x T tiles of `Main`.
template <class P, bool kQ4, int R, int T,
          void (*Main)(const uint8_t*, size_t, int64_t, const uint8_t*, size_t,
                       float*, int64_t)>
void QGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
           const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  const QTiles<P, kQ4, R, T, Main> tiles{w, ws, nb, xq, xs, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kTokenChunk, tiles);
}

template <class P, bool kQ4, int R, int T>
void QGemmTiles(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
                const uint8_t* xq, size_t xs, int64_t n, float* y,
                int64_t ldy) {
  QGemm<P, kQ4, R, T, QTile<P, kQ4, R, T>>(w, ws, r0, r1, nb, xq, xs, n, y,
                                           ldy);
}

// Activation quantization, bit-identical to QuantizeQ8_0Ref: vcvtaq rounds
// half away from zero like roundf.
inline void QuantizeQ8_0Neon(const float* x, void* out, int64_t n) {
  auto* y = static_cast<uint8_t*>(out);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, y += sizeof(BlockQ8_0)) {
    float32x4_t v[8];
    float32x4_t m = vdupq_n_f32(0.0f);
    for (int i = 0; i < 8; ++i) {
      v[i] = vld1q_f32(x + 4 * i);
      m = vmaxq_f32(m, vabsq_f32(v[i]));
    }
    const float d = vmaxvq_f32(m) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const __fp16 dh = d;  // fcvt: round to nearest even, as F32ToF16
    std::memcpy(y, &dh, 2);
    int16x8_t h[4];
    for (int i = 0; i < 4; ++i) {
      const int32x4_t q0 = vcvtaq_s32_f32(vmulq_n_f32(v[2 * i], id));
      const int32x4_t q1 = vcvtaq_s32_f32(vmulq_n_f32(v[2 * i + 1], id));
      h[i] = vcombine_s16(vmovn_s32(q0), vmovn_s32(q1));
    }
    auto* qs = reinterpret_cast<int8_t*>(y + 2);
    vst1q_s8(qs, vcombine_s8(vmovn_s16(h[0]), vmovn_s16(h[1])));
    vst1q_s8(qs + 16, vcombine_s8(vmovn_s16(h[2]), vmovn_s16(h[3])));
  }
}

// The table of a NEON variant: the given int8 matrix kernels; every float
// path is ARMv8.0 NEON (no int8 instruction helps them): the quantized x f32
// kernels of quant/arm/neon/gemm_q_f32.cc, the shared templates of
// quant/simd/ on 128-bit vectors (float tiles 4 x 4, vector ops, dot/axpy, f16
// conversion).
constexpr Kernels MakeNeonKernels(const char* name,
                                  bool (*runnable)(const CpuFeatures&),
                                  GemmQFn gemv_q4, GemmQFn gemm_q4,
                                  GemmQFn gemv_q8, GemmQFn gemm_q8) {
  Kernels k = ScalarKernelTable();
  k.name = name;
  k.runnable = runnable;
  k.quantize_q8_0 = QuantizeQ8_0Neon;
  k.gemv_q4_0_q8_0 = gemv_q4;
  k.gemm_q4_0_q8_0 = gemm_q4;
  k.gemv_q8_0_q8_0 = gemv_q8;
  k.gemm_q8_0_q8_0 = gemm_q8;
  UseFloatTiles<F32x4, 4, 4>(&k);
  k.gemm_q4_0_f32 = neon::GemmQ4_0F32;
  k.gemm_q8_0_f32 = neon::GemmQ8_0F32;
  UseStreamOps<F32x4>(&k);
  UseVectorOps<F32x4>(&k);
  return k;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_INT8_TILES_H_
