// Register-resident int8 multiply-accumulate loops, one per kernel variant (one
// ISA per file, compiled with that ISA's flags). Each returns the number of
// int8 MACs it performed, and a checksum folded into *sink so the loop cannot
// be optimised away.
#ifndef EDGEMMA_BENCH_COMMON_PEAK_H_
#define EDGEMMA_BENCH_COMMON_PEAK_H_

#include <cstdint>

namespace edgemma {

struct PeakLoop {
  const char* variant;  // Kernels name this loop measures
  int64_t (*run)(int64_t iters, int64_t* sink);
};

// Loops built for this architecture (x86: avx2, avx512, amx; aarch64: neon,
// neondot, neoni8mm).
const PeakLoop* PeakLoops(int* count);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_COMMON_PEAK_H_
