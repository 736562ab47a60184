// AVX2 + FMA + F16C quantized-weight x f32-activation kernels: a block's 32
// weights become 4 ymm of f32 (zero/sign-extend, convert, scale), then plain
// FMAs with the activations. Tiles: 4 rows x 2 tokens for prefill (8
// accumulators + 4 decoded vectors fit the 16 ymm), 4 rows for decode.
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/simd/q_f32_tiles.h"
#include "quant/x86/avx2/avx2.h"
#include "quant/x86/ymm.h"

namespace edgemma {
namespace avx2 {
namespace {

// The 256-bit vector policy plus the block decoders of quant/simd/
// q_f32_tiles.h.
struct YmmQ : Ymm {
  static constexpr int kVecs = 4;
  static __m256i Load8Bytes(const uint8_t* p, bool is_signed) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return is_signed ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
  }
  // q - 8 folded into one FMA: q * d + (-8 d) is exactly d * (q - 8).
  static void DecodeQ4(const uint8_t* blk, F w[kVecs]) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(BlockScaleBits(blk)));
    const __m256 m8d = _mm256_mul_ps(d, _mm256_set1_ps(-8.0f));
    const __m256i low4 = _mm256_set1_epi32(0x0f);
    for (int h = 0; h < 2; ++h) {
      const __m256i v = Load8Bytes(blk + 2 + 8 * h, false);  // bytes 8h..8h+7
      w[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v, low4)), d,
                             m8d);
      w[h + 2] =
          _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4)), d, m8d);
    }
  }
  static void DecodeQ8(const uint8_t* blk, F w[kVecs]) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(BlockScaleBits(blk)));
    for (int i = 0; i < kVecs; ++i) {
      w[i] = _mm256_mul_ps(
          _mm256_cvtepi32_ps(Load8Bytes(blk + 2 + 8 * i, true)), d);
    }
  }
};

}  // namespace

void GemmQ4_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<YmmQ, true, 4, 2, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<YmmQ, false, 4, 2, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

}  // namespace avx2
}  // namespace edgemma
