// AVX-512 VNNI int8 matrix kernels (defined in quant/gemm_avx512.cc, compiled
// with AVX-512 flags; call only where kAvx512Kernels is runnable). Same
// contract as GemmQFn in quant/kernels.h: no heap allocation (about 100 KB of
// stack), no global state, any shape.
#ifndef EDGEMMA_QUANT_X86_VNNI_GEMM_H_
#define EDGEMMA_QUANT_X86_VNNI_GEMM_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace avx512 {

void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);
void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_VNNI_GEMM_H_
