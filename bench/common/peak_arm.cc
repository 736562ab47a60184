// The aarch64 peak-loop table.
#include "bench/common/peak.h"

namespace edgemma {

int64_t PeakNeon(int64_t iters, int64_t* sink);
int64_t PeakNeonDot(int64_t iters, int64_t* sink);
int64_t PeakNeonI8mm(int64_t iters, int64_t* sink);

const PeakLoop* PeakLoops(int* count) {
  static const PeakLoop kLoops[] = {
      {"neoni8mm", PeakNeonI8mm}, {"neondot", PeakNeonDot}, {"neon", PeakNeon}};
  *count = 3;
  return kLoops;
}

}  // namespace edgemma
