// Out-of-line matrix kernels of the AVX2 variant (quant/x86/avx2/*.cc,
// compiled with -mavx2 -mfma -mf16c; call only where kAvx2Kernels is
// runnable). Same contracts as GemmQFn / GemmFFn in quant/kernels.h: no heap
// allocation (the int8 kernel uses about 85 KB of stack), no global state, any
// shape (cols a multiple of 32 for the quantized weights).
#ifndef EDGEMMA_QUANT_X86_AVX2_AVX2_H_
#define EDGEMMA_QUANT_X86_AVX2_AVX2_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace avx2 {

// Q4_0 x Q8_0, rows in lanes (gemm_q4_rows.cc).
void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);

// Q4_0 x Q8_0 decode gemv, row pairs in 128-bit halves (gemv_q4_pairs.cc);
// n > 1 goes to GemmQ4_0Q8_0.
void GemvQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);

// Q8_0 x Q8_0: the decode gemv, 8 rows per tile (gemv_q8_rows.cc; n > 1 goes
// to GemmQ8_0Q8_0, the 4 x 2 block tiles of quant/x86/int8_tiles.h).
void GemvQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);

// GemvQ4_0Q8_0 / GemvQ8_0Q8_0 with the decode rows prefetched ahead, for AMD
// CPUs (kAvx2AmdKernels; gemv_rows.h PrefetchBandsAhead).
void GemvQ4_0Q8_0Amd(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                     int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                     float* y, int64_t ldy);
void GemvQ8_0Q8_0Amd(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                     int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                     float* y, int64_t ldy);

void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);

// Quantized weights x f32 activations (gemm_q_f32.cc).
void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);
void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy);

}  // namespace avx2
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX2_AVX2_H_
