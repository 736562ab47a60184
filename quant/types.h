// Element and block types. Ids and on-disk block layouts are identical to
// GGUF/ggml's, so a tensor read from a GGUF file is used in place. quant/ knows
// nothing of Gemma.
#ifndef EDGEMMA_QUANT_TYPES_H_
#define EDGEMMA_QUANT_TYPES_H_

#include <cstddef>
#include <cstdint>

#include "platform/status.h"

namespace edgemma {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,   // 32 elems: f16 d, 16 bytes of nibbles (elem j low nibble, j+16
               // high nibble)
  kQ8_0 = 8,   // 32 elems: f16 d, 32 x int8
  kQ4_K = 12,  // 256 elems, 144 bytes (read only)
  kQ5_K = 13,  // 256 elems, 176 bytes (read only)
  kQ6_K = 14,  // 256 elems, 210 bytes (read only)
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
};

// "f32", "f16", "bf16", "q4_0", ... ; "unknown" for ids outside the enum.
const char* DTypeName(DType type);
// True for the ids listed above.
bool IsKnownDType(uint32_t id);
bool IsBlockQuantized(DType type);  // q4_0, q8_0, q4_K, q5_K, q6_K
int64_t BlockElems(DType type);     // 1 for plain types
size_t BlockBytes(
    DType type);  // bytes of one block (of one element for plain types)
// Bytes of a row of n elements; error if n is not a multiple of the block size.
Result<size_t> RowBytes(DType type, int64_t n);

// One weight matrix [rows = out, cols = in], row-major, y = W x. Row r starts
// at data + r * row_bytes. Non-owning view (usually into a memory-mapped file).
struct WeightMatrix {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;
  size_t row_bytes = 0;
};

// Scalar conversions (exact where the format allows).
float F16ToF32(uint16_t h);
uint16_t F32ToF16(float f);  // round to nearest even
inline float BF16ToF32(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
uint16_t F32ToBF16(float f);  // round to nearest even, NaN preserved

}  // namespace edgemma

#endif  // EDGEMMA_QUANT_TYPES_H_
