// AVX-512 VNNI int8 peak: vpdpbusd on 12 independent zmm accumulators (64 MACs
// each).
#include <immintrin.h>

#include <cstdint>

namespace edgemma {

int64_t PeakAvx512(int64_t iters, int64_t* sink) {
  __m512i acc[12];
  for (auto& a : acc) a = _mm512_setzero_si512();
  const __m512i u = _mm512_set1_epi32(0x03030303);
  __m512i s = _mm512_set1_epi32(static_cast<int>((*sink & 7) * 0x01010101));
  for (int64_t i = 0; i < iters; ++i) {
    for (auto& a : acc) a = _mm512_dpbusd_epi32(a, u, s);
    __asm__ volatile("" : "+v"(s));
  }
  __m512i t = acc[0];
  for (int i = 1; i < 12; ++i) t = _mm512_add_epi32(t, acc[i]);
  int32_t lanes[16];
  _mm512_storeu_si512(lanes, t);
  for (int32_t v : lanes) *sink += v;
  return iters * 12 * 64;
}

}  // namespace edgemma
