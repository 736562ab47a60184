// The activation side of the AVX2 Q4_0 x Q8_0 kernels (gemm_q4_rows.cc,
// gemv_q4_pairs.cc): per (token, block) the f32 scale and -8 * sum(a), the
// term that turns the unsigned nibbles q into q - 8. Include ONLY from
// quant/x86/avx2/ translation units (anonymous namespace, AVX2 flags).
#ifndef EDGEMMA_QUANT_X86_AVX2_Q4_ACTS_H_
#define EDGEMMA_QUANT_X86_AVX2_Q4_ACTS_H_

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "quant/blocks.h"
#include "quant/x86/row_tiles.h"

namespace edgemma {
namespace avx2 {
namespace {

// Scale and -8 * sum(a) of tokens [0, nt) x blocks [b0, b0 + kb), entry t * kb
// + i.
void BuildActs(const uint8_t* xq, size_t xs, int64_t nt, int64_t b0, int64_t kb,
               ActTable* a) {
  const __m256i ones8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1);
  for (int64_t t = 0; t < nt; ++t) {
    const uint8_t* blk = xq + t * xs + b0 * sizeof(BlockQ8_0);
    for (int64_t i = 0; i < kb; ++i, blk += sizeof(BlockQ8_0)) {
      const __m256i q =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
      const __m256i s =
          _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q), ones16);
      __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s),
                                _mm256_extracti128_si256(s, 1));
      h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
      h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
      a->d[t * kb + i] = _cvtsh_ss(BlockScaleBits(blk));
      a->bias[t * kb + i] = -8 * _mm_cvtsi128_si32(h);
    }
  }
}

}  // namespace
}  // namespace avx2
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX2_Q4_ACTS_H_
