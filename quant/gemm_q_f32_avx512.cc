// AVX-512 quantized-weight x f32-activation kernels: a block's 32 weights
// become 2 zmm of f32 (one vpmovzxbd / vpmovsxbd of 16 bytes each, convert,
// scale), then FMAs with the activations. Tiles: 4 rows x 4 tokens for
// prefill (16 accumulators), 8 rows for decode (8 independent FMA chains).
#include <immintrin.h>

#include "quant/q_f32_tiles.h"
#include "quant/x86/q_f32_gemm.h"

// GCC 12's AVX-512 intrinsics pass a self-initialised _mm512_undefined_*() as
// the pass-through operand, which -W(maybe-)uninitialized reports at every use.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace edgemma {
namespace avx512 {
namespace {

struct Zmm {
  using Vec = __m512;
  static constexpr int kVecs = 2;
  static Vec Zero() { return _mm512_setzero_ps(); }
  static Vec Load(const float* p) { return _mm512_loadu_ps(p); }
  static Vec Fma(Vec a, Vec b, Vec acc) { return _mm512_fmadd_ps(a, b, acc); }
  static float HSum(Vec v) { return _mm512_reduce_add_ps(v); }
  static __m128i Load16(const uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  }
  // Low nibbles are elements 0..15, high nibbles 16..31; q * d + (-8 d) is
  // exactly d * (q - 8).
  static void DecodeQ4(const uint8_t* blk, Vec w[kVecs]) {
    const __m512 d = _mm512_set1_ps(_cvtsh_ss(BlockScaleBits(blk)));
    const __m512 m8d = _mm512_mul_ps(d, _mm512_set1_ps(-8.0f));
    const __m512i v = _mm512_cvtepu8_epi32(Load16(blk + 2));
    const __m512i lo = _mm512_and_si512(v, _mm512_set1_epi32(0x0f));
    w[0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lo), d, m8d);
    w[1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(v, 4)), d, m8d);
  }
  static void DecodeQ8(const uint8_t* blk, Vec w[kVecs]) {
    const __m512 d = _mm512_set1_ps(_cvtsh_ss(BlockScaleBits(blk)));
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
  QfGemm<Zmm, true, 4, 4, 8>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmQ8_0F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  QfGemm<Zmm, false, 4, 4, 8>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
