// The AVX-512 F/BW/VL + VNNI variant's table (built in table.h).
#include "quant/kernels.h"

#include "quant/x86/amd_twin.h"
#include "quant/x86/avx2/avx2.h"
#include "quant/x86/avx512/table.h"

namespace edgemma {

constexpr Kernels kAvx512Kernels = Avx512KernelTable();

// Picked on AMD: decode gemvs that prefetch their band streams. Q4_0 decodes
// with the AVX2 8-band gemv (gemv_rows.h): on Zen 5 it streams faster than the
// 16-band AVX-512 one, both prefetching (E2B layer matrices in turn, 2
// threads: 56-60 vs 50-52 GB/s; 40-43 for kAvx512Kernels').
constexpr Kernels kAvx512AmdKernels =
    AmdTwin(Avx512KernelTable(), "avx512_amd", avx2::GemvQ4_0Q8_0Amd,
            avx512::GemvQ8_0Q8_0Amd);

}  // namespace edgemma
