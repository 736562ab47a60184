// edgemma-bench-kernels --focus kquant [--cpu-clock]: the K-quant kernels
// (q4_K, q5_K, q6_K weights x Q8_K activations) next to Q4_0 x Q8_0 on the
// same shapes, per weight byte, and next to the dequantizing f32 path
// K-quants took before (ActType::kF32): decode gemv with weights streamed
// from DRAM (copies larger than the last-level cache; shape tag "cold") and
// from cache (one 1024x2048 matrix; "hot"), prefill gemm at --n tokens.
// --cpu-clock times on the process CPU clock divided by the threads (time
// other processes of a shared machine took does not count). Prints a table;
// writes JSON rows.
#ifndef EDGEMMA_BENCH_KERNELS_BENCH_KQUANT_H_
#define EDGEMMA_BENCH_KERNELS_BENCH_KQUANT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "quant/kernels.h"

namespace edgemma {

struct KQuantBenchOptions {
  int threads = 2;
  bool quick = false;
  int64_t n = 64;          // prefill tokens
  std::string json;        // "" = no file
  std::string variant;     // "" = every runnable variant
  bool cpu_clock = false;  // time on the process CPU clock / threads
};

// 0 on success (figures printed and written), 1 on an I/O or validation error.
int RunKQuantBench(const KQuantBenchOptions& o);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_KERNELS_BENCH_KQUANT_H_
