// The kernel table: one `Kernels` per instruction-set variant. The scalar
// table (quant/scalar/) fills every member; a SIMD variant (quant/x86/<isa>/,
// quant/arm/<isa>/, each directory compiled with its ISA's flags only) starts
// from ScalarKernelTable() and names the members it overrides. ops.cc
// dispatches through it; tests and benches call the members directly to
// compare variants. Contracts for every member: no allocation, no global
// mutable state, thread-safe (pure functions of their arguments), any n (tails
// handled), unaligned pointers allowed.
#ifndef EDGEMMA_QUANT_KERNELS_H_
#define EDGEMMA_QUANT_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "platform/cpu_features.h"

namespace edgemma {

// Quantized-weight matrix tile. w: row 0 of W (q4_0 or q8_0 blocks), w_stride
// bytes between rows; computes rows [r0, r1). xq: n activation rows of `nb`
// Q8_0 blocks each, xq_stride bytes apart. Writes y[t * ldy + r] for t < n, r0
// <= r < r1.
using GemmQFn = void (*)(const uint8_t* w, size_t w_stride, int64_t r0,
                         int64_t r1, int64_t nb, const uint8_t* xq,
                         size_t xq_stride, int64_t n, float* y, int64_t ldy);
// Float-weight (f32/f16/bf16) tile: same as GemmQFn with f32 activations x[t *
// ldx + c], c < cols.
using GemmFFn = void (*)(const uint8_t* w, size_t w_stride, int64_t r0,
                         int64_t r1, int64_t cols, const float* x, int64_t ldx,
                         int64_t n, float* y, int64_t ldy);

struct Kernels {
  const char* name = nullptr;
  // True if this CPU can run the variant.
  bool (*runnable)(const CpuFeatures& f) = nullptr;
  // Null, or whether SelectKernels may pick the variant on this CPU (tuned
  // for some CPUs; runnable, and so tested, on every CPU with its features).
  bool (*preferred)(const CpuFeatures& f) = nullptr;
  // Tokens per prefill chunk where the caller leaves it to the kernels
  // (SessionOptions::max_batch 0): the chunk their prefill tiles run best at
  // (x86: 128; 64, the old default, where unmeasured: ARM, scalar).
  int prefill_chunk = 64;

  // x[n] (n multiple of 32) -> n/32 Q8_0 blocks (rounding may differ from the
  // reference on exact .5 ties only).
  void (*quantize_q8_0)(const float* x, void* y, int64_t n) = nullptr;
  // n == 1 decode paths and n >= 1 blocked prefill paths.
  GemmQFn gemv_q4_0_q8_0 = nullptr;
  GemmQFn gemm_q4_0_q8_0 = nullptr;
  GemmQFn gemv_q8_0_q8_0 = nullptr;
  GemmQFn gemm_q8_0_q8_0 = nullptr;
  // False: gemm_q4_0_q8_0 / gemm_q8_0_q8_0 sum each block in integers, so they
  // match the scalar kernels up to float order (2 terms per block). True (amx):
  // n >= 16 rounds both operands to bf16 with the block scales folded in and
  // sums in f32, |error| <= (2^-7 + 2^-16 + (32 nb + 2) 2^-24) sum |w x| over
  // the dequantized operands (quant/x86/amx/gemm_q8_tiles.cc).
  bool gemm_q8_bf16 = false;
  // K-quant weights (q4_K / q5_K / q6_K super-blocks of 256, as in llama.cpp's
  // Q4_K_M / Q5_K_M / Q6_K files) x Q8_K activations (quantize_q8_K, one f32
  // scale per 256 and the sums of each 16): nb counts super-blocks, xq rows
  // are nb BlockQ8_K. Integer sums per super-block, one f32 multiply-add per
  // super-block, as ggml does.
  void (*quantize_q8_K)(const float* x, void* y, int64_t n) = nullptr;
  GemmQFn gemv_q4_K_q8_K = nullptr;
  GemmQFn gemm_q4_K_q8_K = nullptr;
  GemmQFn gemv_q5_K_q8_K = nullptr;
  GemmQFn gemm_q5_K_q8_K = nullptr;
  GemmQFn gemv_q6_K_q8_K = nullptr;
  GemmQFn gemm_q6_K_q8_K = nullptr;
  GemmFFn gemm_f32_f32 = nullptr;
  GemmFFn gemm_f16_f32 = nullptr;
  GemmFFn gemm_bf16_f32 = nullptr;
  // Quantized weights (q4_0 / q8_0 blocks, `cols` a multiple of 32) with f32
  // activations, the "exact" path: each weight block is dequantized in
  // registers (d * q, exact in f32) and the products are summed in f32, so the
  // result is the f32 product with the dequantized weights up to summation
  // order. n == 1 (decode) and n >= 1 (prefill) alike.
  GemmFFn gemm_q4_0_f32 = nullptr;
  GemmFFn gemm_q8_0_f32 = nullptr;

  float (*dot_f32)(const float* a, const float* b, int64_t n) = nullptr;
  void (*axpy_f32)(float a, const float* x, float* y, int64_t n) = nullptr;
  float (*dot_f16)(const float* a, const uint16_t* b, int64_t n) = nullptr;
  void (*axpy_f16)(float a, const uint16_t* x, float* y, int64_t n) = nullptr;
  // y[t * ldy + c] += sum over k < nk of x[t * ldx + k] * w[k * ws + c], for
  // t < n, c < cols (w row-major f32 [nk, cols], rows ws floats apart), summed
  // in order k = 0, 1, ... as n * nk axpy_f32 calls would: a product whose
  // reduction is short (attention's P . V over a chunk's own rows), where the
  // dot-product tiles would spend their time in horizontal sums.
  void (*accum_rows_f32)(const float* w, int64_t ws, int64_t nk, int64_t cols,
                         const float* x, int64_t ldx, int64_t n, float* y,
                         int64_t ldy) = nullptr;
  void (*f32_to_f16)(const float* x, uint16_t* y, int64_t n) = nullptr;
  void (*f16_to_f32)(const uint16_t* x, float* y, int64_t n) = nullptr;

  void (*rmsnorm)(const float* x, const float* w, int64_t n, float eps,
                  float* y) = nullptr;
  void (*rope_neox_cossin)(float* x, int64_t head_dim, const float* cos_v,
                           const float* sin_v) = nullptr;
  void (*softmax)(float* x, int64_t n) = nullptr;
  void (*gelu_tanh)(const float* x, int64_t n, float* y) = nullptr;
  void (*gelu_tanh_mul)(float* a, const float* b, int64_t n) = nullptr;
  void (*softcap)(float* x, int64_t n, float cap) = nullptr;
  void (*scale)(float* y, int64_t n, float s) = nullptr;
  void (*add)(const float* x, float* y, int64_t n) = nullptr;
  // y[i] = min(max(x[i], lo), hi) (y == x allowed; NaN in x: unspecified).
  void (*clamp)(const float* x, int64_t n, float lo, float hi,
                float* y) = nullptr;
};

// The variant tables (defined only where built; see quant/CMakeLists.txt). All
// are constant-initialised (no start-up order between translation units).
extern const Kernels kScalarKernels;
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx512Kernels;
extern const Kernels kAvx512AmdKernels;
extern const Kernels kAvx2AmdKernels;
extern const Kernels kAmxKernels;
extern const Kernels kNeonKernels;
extern const Kernels kNeonDotKernels;
extern const Kernels kNeonI8mmKernels;

// Every variant compiled into this build (runnable here or not), best first,
// scalar last.
std::vector<const Kernels*> BuiltKernels();

}  // namespace edgemma

#endif  // EDGEMMA_QUANT_KERNELS_H_
