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
struct BlockQ5_K {
  uint16_t d;          // f16 super-scale for the 6-bit scales
  uint16_t dmin;       // f16 super-scale for the 6-bit mins
  uint8_t scales[12];  // packed as in Q4_K
  uint8_t qh[32];      // 5th bit: bit 2c / 2c+1 of qh[l] for 64-chunk c
  uint8_t qs[128];     // low 4 bits, laid out as Q4_K's
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
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block must match GGUF");
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block must match GGUF");

// Activation super-block of the K-quant kernels (ggml's block_q8_K): 256
// int8 values with one f32 scale, plus the sums of each 16 values (the K-quant
// mins and the Q6_K offset of 32 need them). Never stored in files.
struct BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block must match ggml");

// 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K block.
inline void KScaleMin(const uint8_t* s, int j, int* scale, int* min) {
  if (j < 4) {
    *scale = s[j] & 63;
    *min = s[j + 4] & 63;
  } else {
    *scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// All 8 scales (out[0..7]) and 8 mins (out[8..15]) of a Q4_K / Q5_K block
// at once, with 32-bit operations (the same values as KScaleMin).
inline void KScalesMins(const uint8_t* s, uint8_t out[16]) {
  uint32_t u[4];
  std::memcpy(u, s, 12);
  constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kTop2 = 0x03030303;
  u[3] = ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kTop2) << 4);
  const uint32_t mins_lo = u[1] & kLow6;
  u[1] = (u[2] & kLow4) | (((u[0] >> 6) & kTop2) << 4);
  u[2] = mins_lo;
  u[0] &= kLow6;
  std::memcpy(out, u, 16);
}

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
