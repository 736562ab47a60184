// Reference quantizers and dequantizers for whole rows (GGUF-identical block
// layouts). Contracts: no allocation; src/dst must not overlap; dst holds
// RowBytes(type, n) bytes (quantize) or n floats (dequantize). Errors (never
// crashes) on an unsupported type or an n that is not a multiple of the type's
// block size.
#ifndef EDGEMMA_QUANT_QUANTIZE_H_
#define EDGEMMA_QUANT_QUANTIZE_H_

#include <cstdint>

#include "platform/status.h"
#include "quant/types.h"

namespace edgemma {

// f32, f16, bf16, q8_0, q4_0 (ggml's reference quantizers; q4_K/q5_K/q6_K are
// read only).
Status QuantizeRow(DType type, const float* src, int64_t n, void* dst);
// f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K.
Status DequantizeRow(DType type, const void* src, int64_t n, float* dst);

// Unchecked block-level helpers (n a multiple of 32 / 256; used by kernels and
// tests).
void QuantizeQ8_0Ref(const float* x, void* y, int64_t n);
void QuantizeQ4_0Ref(const float* x, void* y, int64_t n);
void DequantizeQ4_0(const void* x, float* y, int64_t n);
void DequantizeQ8_0(const void* x, float* y, int64_t n);
void DequantizeQ4_K(const void* x, float* y, int64_t n);
void DequantizeQ5_K(const void* x, float* y, int64_t n);
void DequantizeQ6_K(const void* x, float* y, int64_t n);
// x[n] (n multiple of 256) -> n/256 Q8_K blocks: d = max|x| / 127, q =
// round-half-away(x / d), bsums the sums of each 16 q (the K-quant kernels'
// activations).
void QuantizeQ8_KRef(const float* x, void* y, int64_t n);

}  // namespace edgemma

#endif  // EDGEMMA_QUANT_QUANTIZE_H_
