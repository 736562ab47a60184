// ARMv8.0 NEON variant (Pi 4 / Cortex-A72: no dot-product instructions). int8
// block dots with widening multiplies (vmull/vmlal) and pairwise accumulation.
#include "quant/arm/int8_tiles.h"
#include "quant/arm/kquant_tiles.h"

namespace edgemma {
namespace {

struct NeonDot {
  // Two int8 products sum to at most 2 * 128 * 127 = 32512: fits int16 lanes.
  static int32x4_t Dot(const I8x32& w, const I8x32& a) {
    const int16x8_t p0 = vmlal_high_s8(
        vmull_s8(vget_low_s8(w.lo), vget_low_s8(a.lo)), w.lo, a.lo);
    const int16x8_t p1 = vmlal_high_s8(
        vmull_s8(vget_low_s8(w.hi), vget_low_s8(a.hi)), w.hi, a.hi);
    return vaddq_s32(vpaddlq_s16(p0), vpaddlq_s16(p1));
  }
};

bool Runnable(const CpuFeatures& f) { return f.neon; }

}  // namespace

constexpr Kernels kNeonKernels = WithKQuants<KNeonDot, 4, 2>(MakeNeonKernels(
    "neon", Runnable, QGemmTiles<NeonDot, true, 4, 1>,
    QGemmTiles<NeonDot, true, 4, 2>, QGemmTiles<NeonDot, false, 4, 1>,
    QGemmTiles<NeonDot, false, 4, 2>));

}  // namespace edgemma
