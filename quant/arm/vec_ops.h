// Vectorised transcendental f32 ops of the AArch64 variants (defined in
// quant/vec_neon.cc, ARMv8.0 NEON only, so the neon, neondot and neoni8mm
// tables share them). Same contracts as the matching Kernels members: no
// allocation, thread-safe, any n, unaligned pointers. Accuracy: a few ulp
// relative (exp via quant/exp_poly.h).
#ifndef EDGEMMA_QUANT_ARM_VEC_OPS_H_
#define EDGEMMA_QUANT_ARM_VEC_OPS_H_

#include <cstdint>

namespace edgemma {
namespace neon {

void Softmax(float* x, int64_t n);
void GeluTanh(const float* x, int64_t n, float* y);
void GeluTanhMul(float* a, const float* b, int64_t n);

}  // namespace neon
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_VEC_OPS_H_
