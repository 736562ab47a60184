// AVX2 int8 peak: vpmaddubsw + vpaddw on 8 independent ymm accumulators, the
// densest accumulating int8 form without VNNI (the inner loop of the Q4_0
// rows-in-lanes kernel, quant/x86/avx2/gemm_q4_rows.cc, whose bounded pair sums
// stay in int16). 32 MACs per 2 vector ops; the vpmaddubsw + vpmaddwd + vpaddd
// form takes 3 and runs about 0.65 as fast.
#include <immintrin.h>

#include <cstdint>

namespace edgemma {

int64_t PeakAvx2(int64_t iters, int64_t* sink) {
  __m256i acc[8];
  for (auto& a : acc) a = _mm256_setzero_si256();
  __m256i u = _mm256_set1_epi8(3);
  const __m256i s = _mm256_set1_epi8(static_cast<char>(*sink & 7));
  for (int64_t i = 0; i < iters; ++i) {
    for (auto& a : acc) {
      // u "changes" before every product: without this the compiler computes
      // the 8 identical products once and the loop times vpaddw alone.
      __asm__("" : "+x"(u));
      a = _mm256_add_epi16(a, _mm256_maddubs_epi16(u, s));
    }
  }
  __m256i t = acc[0];
  for (int i = 1; i < 8; ++i) t = _mm256_add_epi16(t, acc[i]);
  *sink += _mm256_extract_epi16(t, 0);
  return iters * 8 * 32;
}

}  // namespace edgemma
