// The x86 peak-loop table.
#include "bench/common/peak.h"

namespace edgemma {

int64_t PeakAvx2(int64_t iters, int64_t* sink);
int64_t PeakAvx512(int64_t iters, int64_t* sink);

const PeakLoop* PeakLoops(int* count) {
  static const PeakLoop kLoops[] = {{"avx512", PeakAvx512}, {"avx2", PeakAvx2}};
  *count = 2;
  return kLoops;
}

}  // namespace edgemma
