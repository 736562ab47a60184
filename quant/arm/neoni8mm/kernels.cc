// ARMv8.6 NEON + dotprod + i8mm variant: prefill tiles of 4 rows x 4 tokens
// built from 2 x 2 smmla blocks (each smmla does a 2x8 by 8x2 int8 product: 32
// MACs per instruction, twice the work of an sdot); decode and tails use sdot.
#include "quant/arm/int8_tiles.h"
#include "quant/arm/kquant_tiles.h"
#include "quant/arm/sdot.h"

namespace edgemma {
namespace {

// Two 32-element blocks interleaved as four 2x8 smmla operands (8-byte chunk k
// of x0, then x1).
struct Pair2 {
  int8x16_t c[4];
};

inline Pair2 Zip(const I8x32& x0, const I8x32& x1) {
  const int64x2_t l0 = vreinterpretq_s64_s8(x0.lo),
                  l1 = vreinterpretq_s64_s8(x1.lo);
  const int64x2_t h0 = vreinterpretq_s64_s8(x0.hi),
                  h1 = vreinterpretq_s64_s8(x1.hi);
  return {{vreinterpretq_s8_s64(vzip1q_s64(l0, l1)),
           vreinterpretq_s8_s64(vzip2q_s64(l0, l1)),
           vreinterpretq_s8_s64(vzip1q_s64(h0, h1)),
           vreinterpretq_s8_s64(vzip2q_s64(h0, h1))}};
}

// 4 rows x 4 tokens; acc[rp][tp] lanes are (row 2rp, tok 2tp), (2rp, 2tp+1),
// (2rp+1, 2tp), (2rp+1, 2tp+1).
template <bool kQ4>
[[gnu::noinline]] void MmlaTile(const uint8_t* w, size_t ws, int64_t nb,
                                const uint8_t* xq, size_t xs, float* y,
                                int64_t ldy) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  constexpr int kFrac = kQ4 ? SdotDot::kQ4Frac : 0;
  float32x4_t acc[2][2];
  for (auto& row : acc) row[0] = row[1] = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < nb; ++b) {
    Pair2 a[2];
    float32x4_t da[2];
    for (int tp = 0; tp < 2; ++tp) {
      const uint8_t* a0 = xq + (2 * tp) * xs + b * sizeof(BlockQ8_0);
      const uint8_t* a1 = a0 + xs;
      a[tp] = Zip(LoadQ8(a0 + 2), LoadQ8(a1 + 2));
      const float32x2_t d =
          vset_lane_f32(LoadScale(a1), vdup_n_f32(LoadScale(a0)), 1);
      da[tp] = vcombine_f32(d, d);  // d0, d1, d0, d1
    }
    for (int rp = 0; rp < 2; ++rp) {
      const uint8_t* w0 = w + (2 * rp) * ws + b * kWB;
      const uint8_t* w1 = w0 + ws;
      const Pair2 wv = Zip(LoadW<kQ4, kFrac>(w0), LoadW<kQ4, kFrac>(w1));
      const float32x4_t dw =
          vcombine_f32(vdup_n_f32(LoadScale(w0)), vdup_n_f32(LoadScale(w1)));
      for (int tp = 0; tp < 2; ++tp) {
        int32x4_t s = vmmlaq_s32(vdupq_n_s32(0), wv.c[0], a[tp].c[0]);
        s = vmmlaq_s32(s, wv.c[1], a[tp].c[1]);
        s = vmmlaq_s32(s, wv.c[2], a[tp].c[2]);
        s = vmmlaq_s32(s, wv.c[3], a[tp].c[3]);
        acc[rp][tp] =
            vfmaq_f32(acc[rp][tp], ToF32<kFrac>(s), vmulq_f32(dw, da[tp]));
      }
    }
  }
  for (int rp = 0; rp < 2; ++rp) {
    for (int tp = 0; tp < 2; ++tp) {
      float v[4];
      vst1q_f32(v, acc[rp][tp]);
      y[(2 * tp) * ldy + 2 * rp] = v[0];
      y[(2 * tp + 1) * ldy + 2 * rp] = v[1];
      y[(2 * tp) * ldy + 2 * rp + 1] = v[2];
      y[(2 * tp + 1) * ldy + 2 * rp + 1] = v[3];
    }
  }
}

bool Runnable(const CpuFeatures& f) { return f.neon && f.dotprod && f.i8mm; }

}  // namespace

constexpr Kernels kNeonI8mmKernels = WithKQuants<KSdot, 4, 4>(
    MakeNeonKernels("neoni8mm", Runnable, QGemmTiles<SdotDot, true, 4, 1>,
                    QGemm<SdotDot, true, 4, 4, MmlaTile<true>>,
                    QGemmTiles<SdotDot, false, 4, 1>,
                    QGemm<SdotDot, false, 4, 4, MmlaTile<false>>));

}  // namespace edgemma
