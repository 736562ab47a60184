// AVX-512 F/BW/VL + VNNI variant: int8 dot products with vpdpbusd on 256-bit
// vectors (EVEX, 32 registers) in tiles of 4 rows x 4 tokens.
#include "quant/x86/x86_tiles.h"

namespace edgemma {
namespace {

struct Vnni {
  static __m256i Bias(__m256i a) {
    const __m256i s =
        _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), a);
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(s, 3));
  }
  static __m256i DotU(__m256i acc, __m256i w, __m256i a) {
    return _mm256_dpbusd_epi32(acc, w, a);
  }
  // w = |w| (unsigned), a carries the sign of w.
  static __m256i DotS(__m256i w, __m256i a) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, a);
  }
};

bool Runnable(const CpuFeatures& f) {
  return f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl &&
         f.avx512vnni;
}

}  // namespace

const Kernels kAvx512Kernels = MakeX86Kernels<Vnni, 4>("avx512", Runnable);

}  // namespace edgemma
