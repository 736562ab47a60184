// Float-weight x f32-activation matrix kernels of the AVX-512 variant
// (defined in quant/gemm_f_f32_avx512.cc, compiled with its ISA's flags; call
// only where that variant is runnable). Same contract as GemmFFn in
// quant/kernels.h: no allocation, no global state, any rows, tokens and cols.
#ifndef EDGEMMA_QUANT_X86_FLOAT_GEMM_H_
#define EDGEMMA_QUANT_X86_FLOAT_GEMM_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace avx512 {

void GemmF32F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy);
void GemmF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy);
void GemmBF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_FLOAT_GEMM_H_
