// GGUF block structs (byte-identical to ggml's block_q4_0, block_q8_0,
// block_q4_K, block_q6_K) and small helpers shared by the quantizers and every
// kernel variant. Internal to quant/.
#ifndef EDGEMMA_QUANT_BLOCKS_H_
#define EDGEMMA_QUANT_BLOCKS_H_

#include <cstdint>
#include <cstring>

#include "quant/types.h"

namespace edgemma {

constexpr int kQK = 32;    // elements per Q4_0 / Q8_0 block
constexpr int kQKK = 256;  // elements per Q4_K / Q6_K super-block

struct BlockQ4_0 {
  uint16_t d;      // f16 scale
  uint8_t qs[16];  // elem j: low nibble of qs[j]; elem j+16: high nibble
};
struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[32];
};
struct BlockQ4_K {
  uint16_t d;          // f16 super-scale for the 6-bit scales
  uint16_t dmin;       // f16 super-scale for the 6-bit mins
  uint8_t scales[12];  // 8 x (6-bit scale, 6-bit min), packed
  uint8_t qs[128];     // 4-bit quants
};
struct BlockQ6_K {
  uint8_t ql[128];  // low 4 bits
  uint8_t qh[64];   // high 2 bits
  int8_t scales[16];
  uint16_t d;  // f16 super-scale (last)
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block must match GGUF");
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block must match GGUF");
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block must match GGUF");
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block must match GGUF");

// The f16 scale at the start of a Q4_0/Q8_0 block at any (even unaligned)
// address.
inline float BlockScale(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return F16ToF32(h);
}
inline uint16_t BlockScaleBits(const uint8_t* block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return h;
}

}  // namespace edgemma

#endif  // EDGEMMA_QUANT_BLOCKS_H_
