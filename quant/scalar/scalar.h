// The scalar (portable C++) kernels: the oracle every variant is tested
// against, and the table every SIMD variant starts from (ScalarKernelTable():
// a variant keeps the scalar member for any op it does not specialise). Same
// contracts as Kernels.
#ifndef EDGEMMA_QUANT_SCALAR_SCALAR_H_
#define EDGEMMA_QUANT_SCALAR_SCALAR_H_

#include <cstddef>
#include <cstdint>

#include "quant/kernels.h"

namespace edgemma {
namespace scalar {

void QuantizeQ8_0(const float* x, void* y, int64_t n);
void GemmQ4_0Q8_0(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy);
void GemmQ8_0Q8_0(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy);
// K-quant x Q8_K (gemm_kquant.cc).
void QuantizeQ8_K(const float* x, void* y, int64_t n);
void GemmQ4_KQ8_K(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy);
void GemmQ5_KQ8_K(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xq_stride, int64_t n,
                  float* y, int64_t ldy);
void GemmQ6_KQ8_K(const uint8_t* w, size_t w_stride, int64_t r0, int64_t r1,
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
void AccumRowsF32(const float* w, int64_t ws, int64_t nk, int64_t cols,
                  const float* x, int64_t ldx, int64_t n, float* y,
                  int64_t ldy);
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
void Clamp(const float* x, int64_t n, float lo, float hi, float* y);

inline bool AlwaysRunnable(const CpuFeatures&) { return true; }

}  // namespace scalar

// The complete scalar table, by member name. A constant expression, so the
// variant tables built from it are constant-initialised in any translation
// unit (no dependence on kScalarKernels being initialised first).
constexpr Kernels ScalarKernelTable() {
  Kernels k;
  k.name = "scalar";
  k.runnable = scalar::AlwaysRunnable;
  k.quantize_q8_0 = scalar::QuantizeQ8_0;
  k.gemv_q4_0_q8_0 = scalar::GemmQ4_0Q8_0;
  k.gemm_q4_0_q8_0 = scalar::GemmQ4_0Q8_0;
  k.gemv_q8_0_q8_0 = scalar::GemmQ8_0Q8_0;
  k.gemm_q8_0_q8_0 = scalar::GemmQ8_0Q8_0;
  k.quantize_q8_K = scalar::QuantizeQ8_K;
  k.gemv_q4_K_q8_K = scalar::GemmQ4_KQ8_K;
  k.gemm_q4_K_q8_K = scalar::GemmQ4_KQ8_K;
  k.gemv_q5_K_q8_K = scalar::GemmQ5_KQ8_K;
  k.gemm_q5_K_q8_K = scalar::GemmQ5_KQ8_K;
  k.gemv_q6_K_q8_K = scalar::GemmQ6_KQ8_K;
  k.gemm_q6_K_q8_K = scalar::GemmQ6_KQ8_K;
  k.gemm_f32_f32 = scalar::GemmF32F32;
  k.gemm_f16_f32 = scalar::GemmF16F32;
  k.gemm_bf16_f32 = scalar::GemmBF16F32;
  k.gemm_q4_0_f32 = scalar::GemmQ4_0F32;
  k.gemm_q8_0_f32 = scalar::GemmQ8_0F32;
  k.dot_f32 = scalar::DotF32;
  k.axpy_f32 = scalar::AxpyF32;
  k.dot_f16 = scalar::DotF16;
  k.axpy_f16 = scalar::AxpyF16;
  k.accum_rows_f32 = scalar::AccumRowsF32;
  k.f32_to_f16 = scalar::F32ToF16;
  k.f16_to_f32 = scalar::F16ToF32;
  k.rmsnorm = scalar::RmsNorm;
  k.rope_neox_cossin = scalar::RopeNeoxCosSin;
  k.softmax = scalar::Softmax;
  k.gelu_tanh = scalar::GeluTanh;
  k.gelu_tanh_mul = scalar::GeluTanhMul;
  k.softcap = scalar::Softcap;
  k.scale = scalar::Scale;
  k.add = scalar::Add;
  k.clamp = scalar::Clamp;
  return k;
}

}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SCALAR_SCALAR_H_
