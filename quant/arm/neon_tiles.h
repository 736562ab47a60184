// AArch64 kernel bodies shared by the neon, neondot and neoni8mm variants,
// written against a policy `P` with one static member Dot(w, a) -> int32x4
// partial sums of a 32-element signed int8 block product. Include ONLY from a
// translation unit compiled for the variant's ISA; everything is in an
// anonymous namespace so each variant's TU has its own copy (no ODR sharing
// between ISAs).
#ifndef EDGEMMA_QUANT_ARM_NEON_TILES_H_
#define EDGEMMA_QUANT_ARM_NEON_TILES_H_

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "quant/arm/vec_ops.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/scalar.h"

namespace edgemma {
namespace {

// A 32-element int8 block: elements 0..15 and 16..31.
struct I8x32 {
  int8x16_t lo, hi;
};

inline float LoadScale(const uint8_t* p) { return BlockScale(p); }

inline I8x32 LoadQ4(const uint8_t* qs) {
  const uint8x16_t q = vld1q_u8(qs);
  const int8x16_t eight = vdupq_n_s8(8);
  return {vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0f))), eight),
          vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight)};
}

inline I8x32 LoadQ8(const uint8_t* qs) {
  const auto* p = reinterpret_cast<const int8_t*>(qs);
  return {vld1q_s8(p), vld1q_s8(p + 16)};
}

template <bool kQ4>
inline I8x32 LoadW(const uint8_t* block) {
  return kQ4 ? LoadQ4(block + 2) : LoadQ8(block + 2);
}

// One R x T tile over nb blocks: each weight block decoded once, each
// activation block loaded once.
template <class P, bool kQ4, int R, int T>
void QTile(const uint8_t* w, size_t ws, int64_t nb, const uint8_t* xq,
           size_t xs, float* y, int64_t ldy) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  float32x4_t acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = vdupq_n_f32(0.0f);
  }
  for (int64_t b = 0; b < nb; ++b) {
    I8x32 a[T];
    float da[T];
    for (int t = 0; t < T; ++t) {
      const uint8_t* ab = xq + t * xs + b * sizeof(BlockQ8_0);
      a[t] = LoadQ8(ab + 2);
      da[t] = LoadScale(ab);
    }
    for (int r = 0; r < R; ++r) {
      const uint8_t* wb = w + r * ws + b * kWB;
      const float dw = LoadScale(wb);
      const I8x32 wv = LoadW<kQ4>(wb);
      for (int t = 0; t < T; ++t) {
        acc[r][t] =
            vfmaq_n_f32(acc[r][t], vcvtq_f32_s32(P::Dot(wv, a[t])), dw * da[t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * ldy + r] = vaddvq_f32(acc[r][t]);
  }
}

// Tokens per pass: a pass's Q8 activations stay in cache while the rows stream
// past once.
constexpr int64_t kTokenChunk = 32;

// Tiles of R x T via `Main`, tails with 1 x 1 tiles of policy P.
template <class P, bool kQ4, int R, int T,
          void (*Main)(const uint8_t*, size_t, int64_t, const uint8_t*, size_t,
                       float*, int64_t)>
void QGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
           const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  for (int64_t t0 = 0; t0 < n; t0 += kTokenChunk) {
    const int64_t t1 = t0 + kTokenChunk < n ? t0 + kTokenChunk : n;
    int64_t r = r0;
    for (; r + R <= r1; r += R) {
      int64_t t = t0;
      for (; t + T <= t1; t += T)
        Main(w + r * ws, ws, nb, xq + t * xs, xs, y + t * ldy + r, ldy);
      for (; t < t1; ++t) {
        QTile<P, kQ4, R, 1>(w + r * ws, ws, nb, xq + t * xs, xs,
                            y + t * ldy + r, ldy);
      }
    }
    for (; r < r1; ++r) {
      for (int64_t t = t0; t < t1; ++t) {
        QTile<P, kQ4, 1, 1>(w + r * ws, ws, nb, xq + t * xs, xs,
                            y + t * ldy + r, ldy);
      }
    }
  }
}

template <class P, bool kQ4, int R, int T>
void QGemmTiles(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
                const uint8_t* xq, size_t xs, int64_t n, float* y,
                int64_t ldy) {
  QGemm<P, kQ4, R, T, QTile<P, kQ4, R, T>>(w, ws, r0, r1, nb, xq, xs, n, y,
                                           ldy);
}

// ---- float weights
// ------------------------------------------------------------------------
struct LoadF32 {
  static constexpr size_t kSize = 4;
  static float32x4_t Load4(const uint8_t* p) {
    return vld1q_f32(reinterpret_cast<const float*>(p));
  }
  static float Load1(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
};
struct LoadF16 {
  static constexpr size_t kSize = 2;
  static float32x4_t Load4(const uint8_t* p) {
    return vcvt_f32_f16(
        vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p))));
  }
  static float Load1(const uint8_t* p) { return BlockScale(p); }
};
struct LoadBF16 {
  static constexpr size_t kSize = 2;
  static float32x4_t Load4(const uint8_t* p) {
    return vreinterpretq_f32_u32(
        vshll_n_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p)), 16));
  }
  static float Load1(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return BF16ToF32(h);
  }
};

template <class L, int R, int T>
void FTile(const uint8_t* w, size_t ws, int64_t cols, const float* x,
           int64_t ldx, float* y, int64_t ldy) {
  float32x4_t acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = vdupq_n_f32(0.0f);
  }
  int64_t c = 0;
  for (; c + 4 <= cols; c += 4) {
    float32x4_t xv[T];
    for (int t = 0; t < T; ++t) xv[t] = vld1q_f32(x + t * ldx + c);
    for (int r = 0; r < R; ++r) {
      const float32x4_t wv = L::Load4(w + r * ws + c * L::kSize);
      for (int t = 0; t < T; ++t) acc[r][t] = vfmaq_f32(acc[r][t], wv, xv[t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) {
      float s = vaddvq_f32(acc[r][t]);
      for (int64_t k = c; k < cols; ++k)
        s += L::Load1(w + r * ws + k * L::kSize) * x[t * ldx + k];
      y[t * ldy + r] = s;
    }
  }
}

template <class L>
void FGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
           const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  for (int64_t t0 = 0; t0 < n; t0 += kTokenChunk) {
    const int64_t t1 = t0 + kTokenChunk < n ? t0 + kTokenChunk : n;
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) {
      int64_t t = t0;
      for (; t + 4 <= t1; t += 4)
        FTile<L, 4, 4>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                       ldy);
      for (; t < t1; ++t)
        FTile<L, 4, 1>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                       ldy);
    }
    for (; r < r1; ++r) {
      for (int64_t t = t0; t < t1; ++t) {
        FTile<L, 1, 1>(w + r * ws, ws, cols, x + t * ldx, ldx, y + t * ldy + r,
                       ldy);
      }
    }
  }
}

// ---- activation quantization and vector ops
// ------------------------------------------------ Bit-identical to
// QuantizeQ8_0Ref: vcvtaq rounds half away from zero like roundf.
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
    const uint16_t dh = F32ToF16(d);
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

inline float DotF32Neon(const float* a, const float* b, int64_t n) {
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    acc1 = vfmaq_f32(acc1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
  }
  float s = vaddvq_f32(vaddq_f32(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

inline float DotF16Neon(const float* a, const uint16_t* b, int64_t n) {
  float32x4_t acc = vdupq_n_f32(0.0f);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    acc = vfmaq_f32(acc, vld1q_f32(a + i),
                    LoadF16::Load4(reinterpret_cast<const uint8_t*>(b + i)));
  }
  float s = vaddvq_f32(acc);
  for (; i < n; ++i) s += a[i] * F16ToF32(b[i]);
  return s;
}

inline void AxpyF32Neon(float a, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
  for (; i < n; ++i) y[i] += a * x[i];
}

inline void AxpyF16Neon(float a, const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t xv =
        LoadF16::Load4(reinterpret_cast<const uint8_t*>(x + i));
    vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), xv, a));
  }
  for (; i < n; ++i) y[i] += a * F16ToF32(x[i]);
}

inline void F32ToF16Neon(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; ++i) y[i] = F32ToF16(x[i]);
}

inline void F16ToF32Neon(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(y + i, LoadF16::Load4(reinterpret_cast<const uint8_t*>(x + i)));
  for (; i < n; ++i) y[i] = F16ToF32(x[i]);
}

// The table of a NEON variant: the given int8 matrix kernels plus the shared
// float paths (the quantized x f32 kernels are the ARMv8.0 ones of
// quant/gemm_q_f32_neon.cc in every variant: no int8 instruction helps them).
constexpr Kernels MakeNeonKernels(const char* name,
                                  bool (*runnable)(const CpuFeatures&),
                                  GemmQFn gemv_q4, GemmQFn gemm_q4,
                                  GemmQFn gemv_q8, GemmQFn gemm_q8) {
  return Kernels{
      name,           runnable,        QuantizeQ8_0Neon,  gemv_q4,
      gemm_q4,        gemv_q8,         gemm_q8,           FGemm<LoadF32>,
      FGemm<LoadF16>, FGemm<LoadBF16>, neon::GemmQ4_0F32, neon::GemmQ8_0F32,
      DotF32Neon,     AxpyF32Neon,     DotF16Neon,        AxpyF16Neon,
      F32ToF16Neon,   F16ToF32Neon,    neon::RmsNorm,     neon::RopeNeoxCosSin,
      neon::Softmax,  neon::GeluTanh,  neon::GeluTanhMul, neon::Softcap,
      neon::Scale,    neon::Add};
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_NEON_TILES_H_
