// Out-of-line matrix kernels of the AVX-512 (F/BW/VL + VNNI) variant
// (quant/x86/avx512/*.cc, compiled with the AVX-512 flags; call only where
// kAvx512Kernels is runnable). Same contracts as GemmQFn / GemmFFn in
// quant/kernels.h: no heap allocation (the int8 kernels use about 100 KB of
// stack), no global state, any shape (cols a multiple of 32 for the quantized
// weights).
#ifndef EDGEMMA_QUANT_X86_AVX512_AVX512_H_
#define EDGEMMA_QUANT_X86_AVX512_AVX512_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace avx512 {

// Q4_0 / Q8_0 x Q8_0, rows in lanes with vpdpbusd (gemm_q8_rows.cc).
void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);
void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);
// Q4_0 / Q8_0 x Q8_0 decode (n == 1) reading each row as one stream, 64 bytes
// per step, for AMD CPUs (kAvx512AmdKernels); n > 1 is GemmQ4_0Q8_0 /
// GemmQ8_0Q8_0 (gemv_stream.cc).
void GemvQ4_0Q8_0Stream(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                        int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                        float* y, int64_t ldy);
void GemvQ8_0Q8_0Stream(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                        int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                        float* y, int64_t ldy);

// Float weights x f32 activations (gemm_f_f32.cc): direct register tiles for
// 1-8 tokens (decode attention), 8 x 3 panel tiles for 9-15, outer-product
// tiles from 16.
void GemmF32F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy);
void GemmF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy);
void GemmBF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

// Quantized weights x f32 activations (gemm_q_f32.cc).
void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

// f32 -> Q8_0 activations, bit-identical to QuantizeQ8_0Ref (quantize_q8.cc).
void QuantizeQ8_0(const float* x, void* out, int64_t n);

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX512_AVX512_H_
