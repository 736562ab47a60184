// The scalar (portable C++) kernels: the oracle every variant is tested
// against, and the fallback SIMD tables point to for ops they do not
// specialise. Same contracts as Kernels.
#ifndef EDGEMMA_QUANT_SCALAR_H_
#define EDGEMMA_QUANT_SCALAR_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace scalar {

void QuantizeQ8_0(const float* x, void* y, int64_t n);
void GemmQ4_0Q8_0(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy);
void GemmQ8_0Q8_0(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy);
void GemmF32F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy);
void GemmF16F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy);
void GemmBF16F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ4_0F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

float DotF32(const float* a, const float* b, int64_t n);
void AxpyF32(float a, const float* x, float* y, int64_t n);
float DotF16(const float* a, const uint16_t* b, int64_t n);
void AxpyF16(float a, const uint16_t* x, float* y, int64_t n);
void F32ToF16(const float* x, uint16_t* y, int64_t n);
void F16ToF32(const uint16_t* x, float* y, int64_t n);

void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y);
void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v);
void Softmax(float* x, int64_t n);
void GeluTanh(const float* x, int64_t n, float* y);
void GeluTanhMul(float* a, const float* b, int64_t n);
void Softcap(float* x, int64_t n, float cap);
void Scale(float* y, int64_t n, float s);
void Add(const float* x, float* y, int64_t n);

}  // namespace scalar
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SCALAR_H_
