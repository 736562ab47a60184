// AArch64 K-quant kernel bodies: Q4_K / Q5_K / Q6_K weights x Q8_K
// activations in R x T register tiles, shared by the neon, neondot and
// neoni8mm variants through a policy `P` with one static member
// Dot(acc, w, a) -> acc + the int32x4 partial sums of 16 int8 products
// (widening multiplies on ARMv8.0, sdot with dotprod). Include ONLY from a
// translation unit compiled for the variant's ISA; anonymous namespace, so
// each variant's TU has its own copy.
//
// Weights are decoded to signed bytes (Q4_K 0..15, Q5_K 0..31, Q6_K q - 32 in
// -32..31), so products of 16 elements fit any lane; each sub-block's int32
// dot is multiplied by its integer scale (vmla) and the super-block sum is
// converted to f32 once: d * d8 * isum, plus for Q4_K / Q5_K the min term
// -dmin * d8 * sum_j m_j * sum(a_j) from the activation sums. The Q8_K
// activation quantizer stays the scalar one (per token, not per weight).
#ifndef EDGEMMA_QUANT_ARM_KQUANT_TILES_H_
#define EDGEMMA_QUANT_ARM_KQUANT_TILES_H_

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "quant/arm/int8_tiles.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/simd/tile_loop.h"

namespace edgemma {
namespace {

// Q4_K (kQ5 false) / Q5_K: calls f(j, v_j) for the 8 sub-blocks of 32.
template <bool kQ5, class Fn>
inline void ForEachSubQ45(const uint8_t* wb, Fn&& f) {
  const uint8_t* qs = wb + (kQ5 ? 48 : 16);
  const uint8x16_t m4 = vdupq_n_u8(0x0f);
  uint8x16_t h0 = vdupq_n_u8(0), h1 = vdupq_n_u8(0);
  if (kQ5) {
    h0 = vld1q_u8(wb + 16);
    h1 = vld1q_u8(wb + 32);
  }
  const uint8x16_t b4 = vdupq_n_u8(0x10);
  for (int c = 0; c < 4; ++c) {
    const uint8x16_t r0 = vld1q_u8(qs + 32 * c);
    const uint8x16_t r1 = vld1q_u8(qs + 32 * c + 16);
    uint8x16_t v[4] = {vandq_u8(r0, m4), vandq_u8(r1, m4), vshrq_n_u8(r0, 4),
                       vshrq_n_u8(r1, 4)};
    if (kQ5) {
      const uint8x16_t bit0 = vdupq_n_u8(static_cast<uint8_t>(1 << (2 * c)));
      const uint8x16_t bit1 = vshlq_n_u8(bit0, 1);
      v[0] = vorrq_u8(v[0], vandq_u8(vtstq_u8(h0, bit0), b4));
      v[1] = vorrq_u8(v[1], vandq_u8(vtstq_u8(h1, bit0), b4));
      v[2] = vorrq_u8(v[2], vandq_u8(vtstq_u8(h0, bit1), b4));
      v[3] = vorrq_u8(v[3], vandq_u8(vtstq_u8(h1, bit1), b4));
    }
    f(2 * c, I8x32{vreinterpretq_s8_u8(v[0]), vreinterpretq_s8_u8(v[1])});
    f(2 * c + 1, I8x32{vreinterpretq_s8_u8(v[2]), vreinterpretq_s8_u8(v[3])});
  }
}

// Q6_K: calls f(j, v_j) for the 8 sub-blocks of 32 (v already minus 32).
// Half h holds sub-blocks 4h..4h+3: low nibbles of ql[64h..+31], of
// ql[64h+32..+63], then their high nibbles; bit pair k of qh[32h..+31].
template <class Fn>
inline void ForEachSubQ6(const uint8_t* wb, Fn&& f) {
  const uint8x16_t m4 = vdupq_n_u8(0x0f), m2 = vdupq_n_u8(0x30);
  const int8x16_t off = vdupq_n_s8(32);
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = wb + 64 * h;
    const uint8_t* qhp = wb + 128 + 32 * h;
    const uint8x16_t l[4] = {vld1q_u8(ql), vld1q_u8(ql + 16), vld1q_u8(ql + 32),
                             vld1q_u8(ql + 48)};
    const uint8x16_t qh[2] = {vld1q_u8(qhp), vld1q_u8(qhp + 16)};
    auto sub = [&](int k) {
      I8x32 v;
      int8x16_t* parts[2] = {&v.lo, &v.hi};
      for (int half = 0; half < 2; ++half) {
        const uint8x16_t raw = l[2 * (k % 2) + half];
        const uint8x16_t nib = k < 2 ? vandq_u8(raw, m4) : vshrq_n_u8(raw, 4);
        const uint8x16_t q = qh[half];
        uint8x16_t hb;
        switch (k) {
          case 0:
            hb = vshlq_n_u8(q, 4);
            break;
          case 1:
            hb = vshlq_n_u8(q, 2);
            break;
          case 2:
            hb = q;
            break;
          default:
            hb = vshrq_n_u8(q, 2);
            break;
        }
        *parts[half] =
            vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(nib, vandq_u8(hb, m2))), off);
      }
      f(4 * h + k, v);
    };
    sub(0);
    sub(1);
    sub(2);
    sub(3);
  }
}

// Offsets inside a BlockQ8_K.
constexpr size_t kQ8KQs = 4, kQ8KSums = 260;

// One R x T tile over nb super-blocks. kType: 4 (Q4_K), 5 (Q5_K), 6 (Q6_K).
template <class P, int kType, int R, int T>
[[gnu::noinline]] void KTile(const uint8_t* w, size_t ws, int64_t nb,
                             const uint8_t* xq, size_t xs, float* y,
                             int64_t ldy) {
  constexpr size_t kWB = kType == 4   ? sizeof(BlockQ4_K)
                         : kType == 5 ? sizeof(BlockQ5_K)
                                      : sizeof(BlockQ6_K);
  float32x4_t acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = vdupq_n_f32(0.0f);
  }
  for (int64_t b = 0; b < nb; ++b) {
    const int8_t* a[T];
    float ad[T];
    int16x8_t pairs[T];  // sums of each 32 activations (sub-block j)
    for (int t = 0; t < T; ++t) {
      const uint8_t* ab = xq + t * xs + b * sizeof(BlockQ8_K);
      a[t] = reinterpret_cast<const int8_t*>(ab + kQ8KQs);
      std::memcpy(&ad[t], ab, 4);
      int16_t s[16];
      std::memcpy(s, ab + kQ8KSums, sizeof(s));
      pairs[t] = vpaddq_s16(vld1q_s16(s), vld1q_s16(s + 8));
    }
    for (int r = 0; r < R; ++r) {
      const uint8_t* wb = w + r * ws + b * kWB;
      int32x4_t isum[T];
      for (int t = 0; t < T; ++t) isum[t] = vdupq_n_s32(0);
      if constexpr (kType == 6) {
        const auto* sc = reinterpret_cast<const int8_t*>(wb + 192);
        ForEachSubQ6(wb, [&](int j, const I8x32& v) {
          for (int t = 0; t < T; ++t) {
            const int8_t* aj = a[t] + 32 * j;
            const int32x4_t d0 = P::Dot(vdupq_n_s32(0), v.lo, vld1q_s8(aj));
            const int32x4_t d1 =
                P::Dot(vdupq_n_s32(0), v.hi, vld1q_s8(aj + 16));
            isum[t] = vmlaq_n_s32(isum[t], d0, sc[2 * j]);
            isum[t] = vmlaq_n_s32(isum[t], d1, sc[2 * j + 1]);
          }
        });
        const float d = LoadScale(wb + 208);
        for (int t = 0; t < T; ++t) {
          acc[r][t] = vfmaq_n_f32(acc[r][t], vcvtq_f32_s32(isum[t]), d * ad[t]);
        }
      } else {
        uint8_t sm[16];
        KScalesMins(wb + 4, sm);
        ForEachSubQ45<kType == 5>(wb, [&](int j, const I8x32& v) {
          for (int t = 0; t < T; ++t) {
            const int8_t* aj = a[t] + 32 * j;
            int32x4_t dj = P::Dot(vdupq_n_s32(0), v.lo, vld1q_s8(aj));
            dj = P::Dot(dj, v.hi, vld1q_s8(aj + 16));
            isum[t] = vmlaq_n_s32(isum[t], dj, sm[j]);
          }
        });
        const int16x8_t mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(sm + 8)));
        const float d = LoadScale(wb), dmin = LoadScale(wb + 2);
        for (int t = 0; t < T; ++t) {
          const int32x4_t msum = vmlal_high_s16(
              vmull_s16(vget_low_s16(mins), vget_low_s16(pairs[t])), mins,
              pairs[t]);
          acc[r][t] = vfmaq_n_f32(acc[r][t], vcvtq_f32_s32(isum[t]), d * ad[t]);
          acc[r][t] =
              vfmaq_n_f32(acc[r][t], vcvtq_f32_s32(msum), -dmin * ad[t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * ldy + r] = vaddvq_f32(acc[r][t]);
  }
}

constexpr int64_t kKTokenChunk = 32;

template <class P, int kType>
struct KTiles {
  const uint8_t* w;
  size_t ws;
  int64_t nb;
  const uint8_t* xq;
  size_t xs;
  float* y;
  int64_t ldy;
  template <int R, int T>
  void Run(int64_t r, int64_t t) const {
    KTile<P, kType, R, T>(w + r * ws, ws, nb, xq + t * xs, xs, y + t * ldy + r,
                          ldy);
  }
};

template <class P, int kType, int R, int T>
void KGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
           const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  const KTiles<P, kType> tiles{w, ws, nb, xq, xs, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kKTokenChunk, tiles);
}

// Policies: ARMv8.0 widening multiplies (two products per int16 lane, at most
// 2 * 32 * 127: no overflow) and sdot.
struct KNeonDot {
  static int32x4_t Dot(int32x4_t acc, int8x16_t w, int8x16_t a) {
    return vpadalq_s16(
        acc, vmlal_high_s8(vmull_s8(vget_low_s8(w), vget_low_s8(a)), w, a));
  }
};
#if defined(__ARM_FEATURE_DOTPROD)
struct KSdot {
  static int32x4_t Dot(int32x4_t acc, int8x16_t w, int8x16_t a) {
    return vdotq_s32(acc, w, a);
  }
};
#endif

// The table `k` with its K-quant members: gemv R x 1, gemm R x T tiles.
template <class P, int R, int T>
constexpr Kernels WithKQuants(Kernels k) {
  k.gemv_q4_K_q8_K = KGemm<P, 4, R, 1>;
  k.gemm_q4_K_q8_K = KGemm<P, 4, R, T>;
  k.gemv_q5_K_q8_K = KGemm<P, 5, R, 1>;
  k.gemm_q5_K_q8_K = KGemm<P, 5, R, T>;
  k.gemv_q6_K_q8_K = KGemm<P, 6, R, 1>;
  k.gemm_q6_K_q8_K = KGemm<P, 6, R, T>;
  return k;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_KQUANT_TILES_H_
