// The AVX-512 F/BW/VL + VNNI variant's table (built in table.h).
#include "quant/kernels.h"

#include "quant/x86/amd_twin.h"
#include "quant/x86/avx512/table.h"

namespace edgemma {

constexpr Kernels kAvx512Kernels = Avx512KernelTable();

// Picked on AMD: decode gemvs that prefetch their band streams. Q4_0 decodes
// with the 4-blocks-per-step stream gemv (gemv_q4_stream.cc): on Zen 5, E2B
// layer matrices in turn, 2 threads, alternated: 60-64 GB/s where the AVX2
// 8-band pair gemv got 54-58 and the 16-band AVX-512 one 50-52 (40-43 for
// kAvx512Kernels'); 1 thread cache-hot 60-70 vs 37 GB/s.
constexpr Kernels kAvx512AmdKernels =
    AmdTwin(Avx512KernelTable(), "avx512_amd", avx512::GemvQ4_0Q8_0Stream,
            avx512::GemvQ8_0Q8_0Amd);

}  // namespace edgemma
