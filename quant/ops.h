// The operations the model graph calls, dispatched to the kernel variant chosen
// at start-up. Contracts for every function here: no allocation, no global
// mutable state, no I/O; pointers must not alias unless stated; `const
// Kernels&` comes from SelectKernels()/FindKernels(). Multi-threaded ops split
// output rows over the pool (pool may be null: single thread).
#ifndef EDGEMMA_QUANT_OPS_H_
#define EDGEMMA_QUANT_OPS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "platform/status.h"
#include "platform/thread_pool.h"
#include "quant/types.h"

namespace edgemma {

// A table of kernel function pointers for one instruction-set variant (defined
// in quant/kernels.h; opaque to the model graph).
struct Kernels;

// Variant names: "scalar", "avx2", "avx2_amd", "avx512", "avx512_amd", "amx",
// "neon", "neondot", "neoni8mm" (a *_amd twin: its base with decode gemvs tuned
// for AMD, selected there).
const char* KernelsName(const Kernels& k);
// Variants this build contains AND this CPU can run, best first. "scalar" is
// always last.
std::vector<const Kernels*> AvailableKernels();
// The best available variant, or the one named by the EDGEMMA_KERNELS
// environment variable (error if that name is unknown or not runnable here).
Result<const Kernels*> SelectKernels();
// A specific variant by name (error names the variant and why it cannot run).
Result<const Kernels*> FindKernels(const char* name);

// ---- matrix products
// ---------------------------------------------------------------------
// Activation precision of MatMul with quantized weights (float weights ignore
// it). kQ8_0 (default, fast): each activation row is quantized to int8 (Q8_0
// blocks of 32 for q4_0/q8_0 weights, Q8_K super-blocks of 256 for the
// K-quants) and the int8 kernels accumulate in integers, as ggml does; ~0.4%
// relative error per product. For K-quant weights kF32 dequantizes weight
// rows and multiplies in f32 (several times slower). kF32 ("exact"): weights
// are dequantized in registers and multiplied with the f32 activations, which
// gives the f32 product with the dequantized weights up to summation order;
// slower (x86, edgemma-bench-kernels: decode gemv ~0.3-0.6x, prefill gemm
// ~0.2-0.5x the kQ8_0 speed per thread).
enum class ActType { kQ8_0, kF32 };
// "q8" / "f32" (the CLI spelling).
const char* ActTypeName(ActType t);
// Parses "q8" or "f32"; false (out unchanged) otherwise.
bool ParseActType(const char* name, ActType* out);

// Bytes of scratch MatMul needs for `n` activation rows of `cols` (Q8_0 / Q8_K
// activation blocks for quantized weights with kQ8_0 activations, else 0).
// Deterministic; plan it into the arena.
size_t MatMulScratchBytes(DType weight_type, int64_t cols, int64_t n,
                          ActType act = ActType::kQ8_0);
// Supported weight types for MatMul: f32, f16, bf16, q4_0, q8_0, and
// llama.cpp's K-quants q4_K, q5_K, q6_K.
bool MatMulSupports(DType weight_type);
// y[n, w.rows] = x[n, w.cols] . W^T   (x, y row-major f32). n == 1 is the
// decode gemv. scratch: MatMulScratchBytes(w.type, w.cols, n, act) bytes (may
// be null when that is 0).
void MatMul(const Kernels& k, const WeightMatrix& w, const float* x, int64_t n,
            float* y, void* scratch, ThreadPool* pool,
            ActType act = ActType::kQ8_0);

// One product of MatMulShared: y[n, w->rows] = x . W^T.
struct MatMulOut {
  const WeightMatrix* w;
  float* y;
};
// The products of several weight matrices with one input (q/k/v, gate/up):
// outs[i].y = x[n, cols] . outs[i].w^T for i < count, all w->cols == cols.
// When the weights take the same activation blocks (q4_0/q8_0: Q8_0; K-quants:
// Q8_K; float: none) x is quantized once and the rows of all matrices are
// split over the pool in one dispatch, balanced by weight bytes; otherwise it
// is count MatMul calls. Bitwise the same as count separate MatMul calls with
// the same pool (row splits stay on the same row boundaries). scratch: the
// max MatMulScratchBytes over the weights.
void MatMulShared(const Kernels& k, const MatMulOut* outs, int count,
                  const float* x, int64_t n, void* scratch, ThreadPool* pool,
                  ActType act = ActType::kQ8_0);

// Dequantize row `row` of w into out[w.cols] (embedding and PLE gathers).
void DequantizeRow(const WeightMatrix& w, int64_t row, float* out);
// Dequantize elements [col0, col0+n) of row `row` (n and col0 multiples of the
// block size).
void DequantizeRowRange(const WeightMatrix& w, int64_t row, int64_t col0,
                        int64_t n, float* out);

// ---- f32 vector ops
// ---------------------------------------------------------------------- y = x
// * (mean(x^2) + eps)^-1/2 * w  (w == nullptr: no weight). In-place (y == x)
// allowed.
void RmsNorm(const Kernels& k, const float* x, const float* w, int64_t n,
             float eps, float* y);
// Rotate-half (NeoX) RoPE in place on x[head_dim]: pairs (j, j + head_dim/2)
// for j < head_dim/2 rotated by the precomputed cos/sin[head_dim/2] of their
// angles (compute once per position, apply to many heads).
void RopeNeoxCosSin(const Kernels& k, float* x, int64_t head_dim,
                    const float* cos_v, const float* sin_v);
// In-place numerically stable softmax over x[n].
void Softmax(const Kernels& k, float* x, int64_t n);
// y = gelu_tanh(x) (tanh approximation, as gelu_pytorch_tanh). In-place
// allowed.
void GeluTanh(const Kernels& k, const float* x, int64_t n, float* y);
// a[i] = gelu_tanh(a[i]) * b[i]  (the gated MLP).
void GeluTanhMul(const Kernels& k, float* a, const float* b, int64_t n);
// x[i] = cap * tanh(x[i] / cap).
void Softcap(const Kernels& k, float* x, int64_t n, float cap);
float Dot(const Kernels& k, const float* a, const float* b, int64_t n);
// y[i] += a * x[i]
void Axpy(const Kernels& k, float a, const float* x, float* y, int64_t n);
// y[i] *= s
void Scale(const Kernels& k, float* y, int64_t n, float s);
// y[i] += x[i]
void Add(const Kernels& k, const float* x, float* y, int64_t n);
// y[n] = min(max(x[n], lo), hi) (y == x allowed).
void Clamp(const Kernels& k, const float* x, int64_t n, float lo, float hi,
           float* y);
// F16 storage (KV cache): dot against / accumulate from f16 rows; conversions.
float DotF16(const Kernels& k, const float* a, const uint16_t* b, int64_t n);
void AxpyF16(const Kernels& k, float a, const uint16_t* x, float* y, int64_t n);
// y[n, cols] (rows ldy apart) += x[n, nk] (rows ldx apart) . w[nk, cols] (f32,
// row-major, rows ws apart), key k = 0, 1, ... in order: n * nk Axpy calls
// in one pass (for short nk; MatMul's dot-product tiles suit long rows).
void AccumRows(const Kernels& k, const float* w, int64_t ws, int64_t nk,
               int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
               int64_t ldy);
// Round-to-nearest-even f32 -> f16 and exact f16 -> f32 (the same bits in
// every variant; the table's are vectorised).
void ConvertF32ToF16(const Kernels& k, const float* x, uint16_t* y, int64_t n);
void ConvertF16ToF32(const Kernels& k, const uint16_t* x, float* y, int64_t n);
// The same without a table: scalar code (for callers that hold no Kernels;
// several times slower than the table's).
void ConvertF32ToF16(const float* x, uint16_t* y, int64_t n);
void ConvertF16ToF32(const uint16_t* x, float* y, int64_t n);

}  // namespace edgemma

#endif  // EDGEMMA_QUANT_OPS_H_
