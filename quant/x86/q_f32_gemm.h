// Quantized-weight x f32-activation matrix kernels of the x86 variants
// (defined in quant/gemm_q_f32_avx2.cc and quant/gemm_q_f32_avx512.cc, each
// compiled with its ISA's flags; call only where that variant is runnable).
// Same contract as GemmFFn in quant/kernels.h: no allocation, no global state,
// any rows and tokens, cols a multiple of 32.
#ifndef EDGEMMA_QUANT_X86_Q_F32_GEMM_H_
#define EDGEMMA_QUANT_X86_Q_F32_GEMM_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace avx2 {

void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

}  // namespace avx2
namespace avx512 {

void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_Q_F32_GEMM_H_
