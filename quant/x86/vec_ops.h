// Vectorised f32 ops of the x86 variants (defined in
// quant/vec_avx2.cc and quant/vec_avx512.cc, each compiled with its ISA's
// flags; call only where that variant is runnable). Same contracts as the
// matching Kernels members: no allocation, thread-safe, any n, unaligned
// pointers. Accuracy: exp-based ops a few ulp relative (exp via
// quant/exp_poly.h), softcap a few 1e-7 * cap absolute; rmsnorm sums squares
// in double; scale/add are exact (bit-identical to scalar).
#ifndef EDGEMMA_QUANT_X86_VEC_OPS_H_
#define EDGEMMA_QUANT_X86_VEC_OPS_H_

#include <cstdint>

namespace edgemma {
namespace avx2 {

void Softmax(float* x, int64_t n);
void GeluTanh(const float* x, int64_t n, float* y);
void GeluTanhMul(float* a, const float* b, int64_t n);
void Softcap(float* x, int64_t n, float cap);
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y);
void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v);
void Scale(float* y, int64_t n, float s);
void Add(const float* x, float* y, int64_t n);

}  // namespace avx2

namespace avx512 {

void Softmax(float* x, int64_t n);
void GeluTanh(const float* x, int64_t n, float* y);
void GeluTanhMul(float* a, const float* b, int64_t n);
void Softcap(float* x, int64_t n, float cap);
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y);
void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v);
void Scale(float* y, int64_t n, float s);
void Add(const float* x, float* y, int64_t n);

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_VEC_OPS_H_
