// AVX-512 F/BW/VL + VNNI variant: the int8 matrix kernels are the rows-in-lanes
// vpdpbusd kernels of quant/gemm_avx512.cc (decode and prefill); the float
// tiles are the 512-bit ones of quant/gemm_f_f32_avx512.cc; dot/axpy and f16
// conversion are the shared x86 bodies on 256-bit vectors; the other vector ops
// are the 512-bit ones of quant/vec_avx512.cc.
#include "quant/x86/float_gemm.h"
#include "quant/x86/q_f32_gemm.h"
#include "quant/x86/vec_ops.h"
#include "quant/x86/vnni_gemm.h"
#include "quant/x86/x86_tiles.h"

namespace edgemma {
namespace {

// The 256-bit block-per-register policy of the shared x86 tiles; its int8
// entries are replaced below, it only instantiates the shared table.
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

constexpr Kernels MakeAvx512Kernels() {
  Kernels k = MakeX86Kernels<Vnni, 4>("avx512", Runnable, avx512::GemmQ4_0F32,
                                      avx512::GemmQ8_0F32);
  k.gemv_q4_0_q8_0 = avx512::GemmQ4_0Q8_0;
  k.gemm_q4_0_q8_0 = avx512::GemmQ4_0Q8_0;
  k.gemv_q8_0_q8_0 = avx512::GemmQ8_0Q8_0;
  k.gemm_q8_0_q8_0 = avx512::GemmQ8_0Q8_0;
  k.gemm_f32_f32 = avx512::GemmF32F32;
  k.gemm_f16_f32 = avx512::GemmF16F32;
  k.gemm_bf16_f32 = avx512::GemmBF16F32;
  k.softmax = avx512::Softmax;
  k.gelu_tanh = avx512::GeluTanh;
  k.gelu_tanh_mul = avx512::GeluTanhMul;
  k.softcap = avx512::Softcap;
  k.rmsnorm = avx512::RmsNorm;
  k.rope_neox_cossin = avx512::RopeNeoxCosSin;
  k.scale = avx512::Scale;
  k.add = avx512::Add;
  return k;
}

}  // namespace

const Kernels kAvx512Kernels = MakeAvx512Kernels();

}  // namespace edgemma
