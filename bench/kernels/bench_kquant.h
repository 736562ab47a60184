// edgemma-bench-kernels --focus kquant: the K-quant kernels (q4_K, q5_K, q6_K
// weights x Q8_K activations) next to Q4_0 x Q8_0 on the same shapes, per
// weight byte, and next to the dequantizing f32 path K-quants took before
// (ActType::kF32): decode gemv with weights streamed from DRAM (copies larger
// than the last-level cache), prefill gemm at --n tokens. Prints a table and
// returns JSON rows for the caller's file.
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
  int64_t n = 64;       // prefill tokens
  std::string json;     // "" = no file
  std::string variant;  // "" = every runnable variant
};

// 0 on success (figures printed and written), 1 on an I/O or validation error.
int RunKQuantBench(const KQuantBenchOptions& o);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_KERNELS_BENCH_KQUANT_H_
