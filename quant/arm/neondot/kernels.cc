// ARMv8.2 NEON + dotprod variant (Pi 5 / Cortex-A76): int8 block dots with
// sdot, 4 x 4 tiles.
#include "quant/arm/int8_tiles.h"
#include "quant/arm/sdot.h"

namespace edgemma {
namespace {

bool Runnable(const CpuFeatures& f) { return f.neon && f.dotprod; }

}  // namespace

constexpr Kernels kNeonDotKernels = MakeNeonKernels(
    "neondot", Runnable, QGemmTiles<SdotDot, true, 4, 1>,
    QGemmTiles<SdotDot, true, 4, 4>, QGemmTiles<SdotDot, false, 4, 1>,
    QGemmTiles<SdotDot, false, 4, 4>);

}  // namespace edgemma
