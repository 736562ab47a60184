// Out-of-line kernels of the ARMv8.0 NEON code shared by the neon, neondot and
// neoni8mm tables (quant/arm/neon/*.cc). Same contract as GemmFFn in
// quant/kernels.h: no allocation, no global state, any rows and tokens, cols a
// multiple of 32.
#ifndef EDGEMMA_QUANT_ARM_NEON_NEON_H_
#define EDGEMMA_QUANT_ARM_NEON_NEON_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace neon {

// Quantized weights x f32 activations (gemm_q_f32.cc).
void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

}  // namespace neon
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_NEON_NEON_H_
