// The AVX2 + FMA + F16C table. int8 dot products with vpmaddubsw/vpmaddwd (no
// VNNI). Q4_0 weights: the rows-in-lanes kernel (gemm_q4_rows.cc); Q8_0
// weights: the 4 rows x 2 tokens block tiles of quant/x86/int8_tiles.h (signed
// weights overflow the int16 pair sums of the rows-in-lanes layout). Float
// tiles, vector ops, dot/axpy and f16 conversion: the shared templates of
// quant/simd/ on 256-bit vectors.
#include "quant/kernels.h"

#include "quant/scalar/scalar.h"
#include "quant/simd/float_tiles.h"
#include "quant/simd/vec_ops.h"
#include "quant/x86/amd_twin.h"
#include "quant/x86/avx2/avx2.h"
#include "quant/x86/int8_tiles.h"
#include "quant/x86/kquant_tiles.h"
#include "quant/x86/ymm.h"

namespace edgemma {
namespace {

struct Avx2Dot {
  static __m256i Sum4(__m256i u8, __m256i s8) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u8, s8),
                             _mm256_set1_epi16(1));
  }
  static __m256i Bias(__m256i a) {
    const __m256i s = Sum4(_mm256_set1_epi8(1), a);
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(s, 3));
  }
  // |15 * 127 * 2| fits the int16 pair sums of vpmaddubsw.
  static __m256i DotU(__m256i acc, __m256i w, __m256i a) {
    return _mm256_add_epi32(acc, Sum4(w, a));
  }
  // w = |w|, a carries the sign of w; |w| <= 127 so pair sums reach 2 * 127 *
  // 128 = 32512.
  static __m256i DotS(__m256i w, __m256i a) { return Sum4(w, a); }
};

bool Runnable(const CpuFeatures& f) { return f.avx2 && f.fma && f.f16c; }

}  // namespace

namespace avx2 {

void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  QGemm<Avx2Dot, false, 4, 2>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx2

namespace {

constexpr Kernels MakeAvx2Kernels() {
  Kernels k = ScalarKernelTable();
  k.name = "avx2";
  k.runnable = Runnable;
  // E2B prefill on Zen 5 with these kernels, 2 threads, alternated: 101-117
  // tok/s in chunks of 64, 117-121 in chunks of 128.
  k.prefill_chunk = 128;
  k.quantize_q8_0 = QuantizeQ8_0Avx;
  k.gemv_q4_0_q8_0 = avx2::GemvQ4_0Q8_0;
  k.gemm_q4_0_q8_0 = avx2::GemmQ4_0Q8_0;
  k.gemv_q8_0_q8_0 = avx2::GemvQ8_0Q8_0;
  k.gemm_q8_0_q8_0 = avx2::GemmQ8_0Q8_0;
  UseFloatTiles<Ymm, 4, 2>(&k);
  k.gemm_q4_0_f32 = avx2::GemmQ4_0F32;
  k.gemm_q8_0_f32 = avx2::GemmQ8_0F32;
  UseStreamOps<Ymm>(&k);
  UseVectorOps<Ymm>(&k);
  UseKQuantTiles<KMaddAdd, 4, 8>(&k);
  return k;
}

}  // namespace

constexpr Kernels kAvx2Kernels = MakeAvx2Kernels();

// Picked on AMD: decode gemvs that prefetch their band streams (gemv_rows.h
// PrefetchBandsAhead).
constexpr Kernels kAvx2AmdKernels =
    AmdTwin(MakeAvx2Kernels(), "avx2_amd", avx2::GemvQ4_0Q8_0Amd,
            avx2::GemvQ8_0Q8_0Amd);

}  // namespace edgemma
