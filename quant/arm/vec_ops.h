// ARMv8.0 NEON functions shared by the neon, neondot and neoni8mm tables:
// vectorised f32 ops (quant/vec_neon.cc) and the quantized x
// f32 matrix kernels (quant/gemm_q_f32_neon.cc). Same contracts as the matching
// Kernels members: no allocation, thread-safe, any n, unaligned pointers.
// Accuracy: exp-based ops a few ulp relative (exp via quant/exp_poly.h),
// softcap a few 1e-7 * cap absolute; rmsnorm sums squares in double; scale/add
// are exact (bit-identical to scalar).
#ifndef EDGEMMA_QUANT_ARM_VEC_OPS_H_
#define EDGEMMA_QUANT_ARM_VEC_OPS_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace neon {

void Softmax(float* x, int64_t n);
void GeluTanh(const float* x, int64_t n, float* y);
void GeluTanhMul(float* a, const float* b, int64_t n);
void Softcap(float* x, int64_t n, float cap);
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y);
void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v);
void Scale(float* y, int64_t n, float s);
void Add(const float* x, float* y, int64_t n);

// Quantized-weight x f32-activation matrix kernels (quant/gemm_q_f32_neon.cc),
// same contract as GemmFFn in quant/kernels.h (cols a multiple of 32).
void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

}  // namespace neon
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_VEC_OPS_H_
