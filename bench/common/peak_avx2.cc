// AVX2 int8 peak: vpmaddubsw + vpmaddwd + vpaddd on 8 independent ymm
// accumulators.
#include <immintrin.h>

#include <cstdint>

namespace edgemma {

int64_t PeakAvx2(int64_t iters, int64_t* sink) {
  __m256i acc[8];
  for (auto& a : acc) a = _mm256_setzero_si256();
  const __m256i u = _mm256_set1_epi8(3);
  __m256i s = _mm256_set1_epi8(static_cast<char>(*sink & 7));
  const __m256i one = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < iters; ++i) {
    for (auto& a : acc) {
      a = _mm256_add_epi32(a,
                           _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), one));
    }
    __asm__ volatile("" : "+x"(s));
  }
  __m256i t = acc[0];
  for (int i = 1; i < 8; ++i) t = _mm256_add_epi32(t, acc[i]);
  *sink += _mm256_extract_epi32(t, 0);
  return iters * 8 * 32;
}

}  // namespace edgemma
