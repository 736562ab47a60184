// The x86 peak-loop table (amx where the compiler has AMX:
// EDGEMMA_PEAK_AMX, bench/common/CMakeLists.txt).
#include "bench/common/peak.h"

namespace edgemma {

int64_t PeakAvx2(int64_t iters, int64_t* sink);
int64_t PeakAvx512(int64_t iters, int64_t* sink);
int64_t PeakAmx(int64_t iters, int64_t* sink);

namespace {

const PeakLoop kLoops[] = {
#if defined(EDGEMMA_PEAK_AMX)
    {"amx", PeakAmx},
#endif
    {"avx512", PeakAvx512},
    {"avx2", PeakAvx2},
};

}  // namespace

const PeakLoop* PeakLoops(int* count) {
  *count = static_cast<int>(sizeof(kLoops) / sizeof(kLoops[0]));
  return kLoops;
}

}  // namespace edgemma
