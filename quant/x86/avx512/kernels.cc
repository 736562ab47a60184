// The AVX-512 F/BW/VL + VNNI variant's table (built in table.h).
#include "quant/kernels.h"

#include "quant/x86/amd_twin.h"
#include "quant/x86/avx512/table.h"

namespace edgemma {

constexpr Kernels kAvx512Kernels = Avx512KernelTable();

// Picked on AMD: decode gemvs that read each row as one stream, 64 bytes per
// step (gemv_stream.cc). On Zen 5, E2B layer matrices in turn, 2 threads,
// alternated: Q4_0 60-64 GB/s where the AVX2 8-band pair gemv got 54-58 and the
// 16-band AVX-512 one 50-52 (40-43 without prefetch); 1 thread, cache-hot:
// Q4_0 60-70 vs 37 GB/s, Q8_0 43-81 vs 30-49 (the 16-band AVX-512 gemv).
constexpr Kernels kAvx512AmdKernels =
    AmdTwin(Avx512KernelTable(), "avx512_amd", avx512::GemvQ4_0Q8_0Stream,
            avx512::GemvQ8_0Q8_0Stream);

}  // namespace edgemma
