// AVX2 + FMA + F16C variant. int8 dot products with vpmaddubsw/vpmaddwd (no
// VNNI). Q4_0 weights: the rows-in-lanes kernel of quant/gemm_avx2.cc; Q8_0
// weights: the shared 4 rows x 2 tokens block tiles (signed weights overflow
// the int16 pair sums of the rows-in-lanes layout).
#include "quant/x86/avx2_gemm.h"
#include "quant/x86/q_f32_gemm.h"
#include "quant/x86/vec_ops.h"
#include "quant/x86/x86_tiles.h"

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

constexpr Kernels MakeAvx2Kernels() {
  Kernels k = MakeX86Kernels<Avx2Dot, 2>("avx2", Runnable, avx2::GemmQ4_0F32,
                                         avx2::GemmQ8_0F32);
  k.gemv_q4_0_q8_0 = avx2::GemmQ4_0Q8_0;
  k.gemm_q4_0_q8_0 = avx2::GemmQ4_0Q8_0;
  k.softmax = avx2::Softmax;
  k.gelu_tanh = avx2::GeluTanh;
  k.gelu_tanh_mul = avx2::GeluTanhMul;
  k.softcap = avx2::Softcap;
  k.rmsnorm = avx2::RmsNorm;
  k.rope_neox_cossin = avx2::RopeNeoxCosSin;
  k.scale = avx2::Scale;
  k.add = avx2::Add;
  return k;
}

}  // namespace

const Kernels kAvx2Kernels = MakeAvx2Kernels();

}  // namespace edgemma
