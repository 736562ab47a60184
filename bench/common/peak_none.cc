// No SIMD peak loops on this architecture (the bench reports bandwidth and
// kernels only).
#include "bench/common/peak.h"

namespace edgemma {

const PeakLoop* PeakLoops(int* count) {
  *count = 0;
  return nullptr;
}

}  // namespace edgemma
