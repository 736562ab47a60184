// ARMv8.0 NEON variant (Pi 4 / Cortex-A72: no dot-product instructions). int8
// block dots with widening multiplies (smull/smlal into 16-bit lanes) and
// pairwise accumulation.
#include "quant/arm/int8_tiles.h"
#include "quant/arm/kquant_tiles.h"

namespace edgemma {
namespace {

struct NeonDot {
  static constexpr int kQ4Frac = 0;  // 16-bit products: Q4_0 weights as q - 8
  // Two int8 products sum to at most 2 * 128 * 127 = 32512 (activations are
  // in [-127, 127]): fits int16 lanes.
  static int32x4_t Dot(const I8x32& w, const I8x32& a) {
    const int16x8_t p0 = vmlal_high_s8(
        vmull_s8(vget_low_s8(w.lo), vget_low_s8(a.lo)), w.lo, a.lo);
    const int16x8_t p1 = vmlal_high_s8(
        vmull_s8(vget_low_s8(w.hi), vget_low_s8(a.hi)), w.hi, a.hi);
    return vpadalq_s16(vpaddlq_s16(p0), p1);
  }
  // Q4_0 (|w| <= 8, |a| <= 128): a lane holds 4 products (<= 4096), pairwise
  // sums of two rows' lanes stay <= 16384, so the four rows are reduced in
  // 16-bit lanes and widened once: 4 multiplies per row, 4 reductions for
  // the four rows (the A72 issues multiplies on one pipe: they set the pace).
  template <bool kQ4>
  static int32x4_t Rows4(const I8x32 w[4], const I8x32& a) {
    if constexpr (kQ4) {
      const int16x8_t p0 = Products4(w[0], a), p1 = Products4(w[1], a);
      const int16x8_t p2 = Products4(w[2], a), p3 = Products4(w[3], a);
      return vpaddlq_s16(vpaddq_s16(vpaddq_s16(p0, p1), vpaddq_s16(p2, p3)));
    } else {
      const int32x4_t s[4] = {Dot(w[0], a), Dot(w[1], a), Dot(w[2], a),
                              Dot(w[3], a)};
      return RowTotals(s);
    }
  }
  // The 32 products of a Q4_0 block, four to a 16-bit lane.
  static int16x8_t Products4(const I8x32& w, const I8x32& a) {
    int16x8_t s = vmull_s8(vget_low_s8(w.lo), vget_low_s8(a.lo));
    s = vmlal_high_s8(s, w.lo, a.lo);
    s = vmlal_s8(s, vget_low_s8(w.hi), vget_low_s8(a.hi));
    return vmlal_high_s8(s, w.hi, a.hi);
  }
};

bool Runnable(const CpuFeatures& f) { return f.neon; }

}  // namespace

constexpr Kernels kNeonKernels = WithKQuants<KNeonDot, 4, 2>(MakeNeonKernels(
    "neon", Runnable, QGemmTiles<NeonDot, true, 4, 1>,
    QGemmTiles<NeonDot, true, 4, 2>, QGemmTiles<NeonDot, false, 4, 1>,
    QGemmTiles<NeonDot, false, 4, 2>));

}  // namespace edgemma
