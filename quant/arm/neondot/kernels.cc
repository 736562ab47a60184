// ARMv8.2 NEON + dotprod variant (Pi 5 / Cortex-A76): int8 block dots with
// sdot, 4 x 4 tiles.
#include "quant/arm/int8_tiles.h"
#include "quant/arm/kquant_tiles.h"

namespace edgemma {
namespace {

struct SdotDot {
  static int32x4_t Dot(const I8x32& w, const I8x32& a) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w.lo, a.lo), w.hi, a.hi);
  }
};

bool Runnable(const CpuFeatures& f) { return f.neon && f.dotprod; }

}  // namespace

constexpr Kernels kNeonDotKernels = WithKQuants<KSdot, 4, 4>(MakeNeonKernels(
    "neondot", Runnable, QGemmTiles<SdotDot, true, 4, 1>,
    QGemmTiles<SdotDot, true, 4, 4>, QGemmTiles<SdotDot, false, 4, 1>,
    QGemmTiles<SdotDot, false, 4, 4>));

}  // namespace edgemma
