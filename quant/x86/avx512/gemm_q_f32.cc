// AVX-512 quantized-weight x f32-activation kernels: a block's 32 weights
// become 2 zmm of f32 (Q4_0: one vpmovzxbd and two table lookups; Q8_0: a
// vpmovsxbd of 16 bytes each, convert, scale), then FMAs with the activations.
// Tiles: 4 rows x 4 tokens for prefill (16 accumulators), 8 rows for decode (8
// independent FMA chains).
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/simd/q_f32_tiles.h"
#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/zmm.h"

namespace edgemma {
namespace avx512 {
namespace {

// The 512-bit vector policy plus the block decoders of quant/simd/
// q_f32_tiles.h.
struct ZmmQ : Zmm {
  static constexpr int kVecs = 2;
  static __m128i Load16(const uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  }
  // Low nibbles are elements 0..15, high nibbles 16..31. The 16 values
  // d * (q - 8) come from a table scaled by d (each entry exact: an f16 scale
  // times an integer of magnitude <= 8), picked by vpermps, which reads only
  // the low 4 bits of each index lane: 1 multiply and 2 shuffles per block
  // instead of 2 converts and 2 FMAs (the FMAs share the pipes of the dot
  // FMAs), the same values bit for bit.
  static void DecodeQ4(const uint8_t* blk, F w[kVecs]) {
    DecodeQ4With(_mm512_set1_ps(_cvtsh_ss(BlockScaleBits(blk))), blk, w);
  }
  static void DecodeQ8(const uint8_t* blk, F w[kVecs]) {
    DecodeQ8With(_mm512_set1_ps(_cvtsh_ss(BlockScaleBits(blk))), blk, w);
  }
  // The same with the block's scale d (all lanes) given.
  static void DecodeQ4With(__m512 d, const uint8_t* blk, F w[kVecs]) {
    const __m512 table =
        _mm512_setr_ps(-8.0f, -7.0f, -6.0f, -5.0f, -4.0f, -3.0f, -2.0f, -1.0f,
                       0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f);
    const __m512 dt = _mm512_mul_ps(table, d);
    const __m512i v = _mm512_cvtepu8_epi32(Load16(blk + 2));
    w[0] = _mm512_permutexvar_ps(v, dt);
    w[1] = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), dt);
  }
  static void DecodeQ8With(__m512 d, const uint8_t* blk, F w[kVecs]) {
    for (int i = 0; i < kVecs; ++i) {
      w[i] = _mm512_mul_ps(
          _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(Load16(blk + 2 + 16 * i))),
          d);
    }
  }
};

}  // namespace

void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<ZmmQ, true, 4, 4, 8>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<ZmmQ, false, 4, 4, 8>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
