// AVX-512 F/BW/VL + VNNI variant: int8 dot products with vpdpbusd on 256-bit
// vectors (EVEX, 32 registers) in tiles of 4 rows x 4 tokens.
#include "quant/kernels.h"
#include "quant/scalar.h"
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

void GemvQ4(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
            const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  QGemm<Vnni, true, 4, 1>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}
void GemmQ4(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
            const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  QGemm<Vnni, true, 4, 4>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}
void GemvQ8(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
            const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  QGemm<Vnni, false, 4, 1>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}
void GemmQ8(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
            const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  QGemm<Vnni, false, 4, 4>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}
void GemmF32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
             const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  FGemm<LoadF32, 4, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}
void GemmF16(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
             const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  FGemm<LoadF16, 4, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}
void GemmBF16(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
              const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  FGemm<LoadBF16, 4, 4>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

bool Runnable(const CpuFeatures& f) {
  return f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl &&
         f.avx512vnni;
}

}  // namespace

const Kernels kAvx512Kernels = {
    "avx512",        Runnable,         QuantizeQ8_0Avx,
    GemvQ4,          GemmQ4,           GemvQ8,
    GemmQ8,          GemmF32,          GemmF16,
    GemmBF16,        DotF32Avx,        AxpyF32Avx,
    DotF16Avx,       AxpyF16Avx,       F32ToF16Avx,
    F16ToF32Avx,     scalar::RmsNorm,  scalar::RopeNeoxCosSin,
    scalar::Softmax, scalar::GeluTanh, scalar::GeluTanhMul,
    scalar::Softcap, scalar::Scale,    scalar::Add,
};

}  // namespace edgemma
