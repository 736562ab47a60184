// ARMv8.2 NEON + dotprod variant (Pi 5 / Cortex-A76): int8 block dots with
// sdot: 4-row decode tiles, 4 x 8 prefill tiles on interleaved weights
// (quant/arm/sdot.h).
#include "quant/arm/int8_tiles.h"
#include "quant/arm/kquant_tiles.h"
#include "quant/arm/sdot.h"

namespace edgemma {
namespace {

bool Runnable(const CpuFeatures& f) { return f.neon && f.dotprod; }

}  // namespace

constexpr Kernels kNeonDotKernels = WithKQuants<KSdot, 4, 4>(
    MakeNeonKernels("neondot", Runnable, QGemmTiles<SdotDot, true, 4, 1>,
                    QGemm<SdotDot, true, 4, 8, SdotLaneTile<true, 8>>,
                    QGemmTiles<SdotDot, false, 4, 1>,
                    QGemm<SdotDot, false, 4, 8, SdotLaneTile<false, 8>>));

}  // namespace edgemma
