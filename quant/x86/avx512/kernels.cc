// The AVX-512 F/BW/VL + VNNI variant's table (built in table.h).
#include "quant/kernels.h"

#include "quant/x86/avx2/avx2.h"
#include "quant/x86/avx512/table.h"

namespace edgemma {

constexpr Kernels kAvx512Kernels = Avx512KernelTable();

namespace {

// kAvx512Kernels with decode gemvs that prefetch their band streams, picked on
// AMD CPUs. Q4_0 decodes with the AVX2 8-band gemv (gemv_rows.h): on Zen 5 it
// streams faster than the 16-band AVX-512 one, both prefetching (E2B layer
// matrices in turn, 2 threads: 56-60 vs 50-52 GB/s; 40-43 for kAvx512Kernels').
constexpr Kernels MakeAvx512AmdKernels() {
  Kernels k = Avx512KernelTable();
  k.name = "avx512_amd";
  k.preferred = [](const CpuFeatures& f) { return f.amd; };
  k.gemv_q4_0_q8_0 = avx2::GemvQ4_0Q8_0Amd;
  k.gemv_q8_0_q8_0 = avx512::GemvQ8_0Q8_0Amd;
  return k;
}

}  // namespace

constexpr Kernels kAvx512AmdKernels = MakeAvx512AmdKernels();

}  // namespace edgemma
