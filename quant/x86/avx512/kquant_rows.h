// AVX-512 VNNI K-quant prefill kernels, rows in lanes (gemm_kquant_rows.cc):
// q4_K / q5_K / q6_K weights x Q8_K activations, GemmQFn contracts (nb
// super-blocks; any rows and tokens). Call only where kAvx512Kernels is
// runnable. Stack: about 14 KB.
#ifndef EDGEMMA_QUANT_X86_AVX512_KQUANT_ROWS_H_
#define EDGEMMA_QUANT_X86_AVX512_KQUANT_ROWS_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace avx512 {

void GemmQ4_KQ8_KRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                      int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                      float* y, int64_t ldy);
void GemmQ5_KQ8_KRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                      int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                      float* y, int64_t ldy);
void GemmQ6_KQ8_KRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                      int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                      float* y, int64_t ldy);

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX512_KQUANT_ROWS_H_
