// The 512-bit f32 vector policy of quant/simd/vec_ops.h and quant/simd/
// q_f32_tiles.h (16 lanes; AVX-512F). Tails use masked loads and stores.
// Include ONLY from quant/x86/avx512/ (compiled with the AVX-512 flags);
// anonymous namespace, so the TU has its own copy.
#ifndef EDGEMMA_QUANT_X86_AVX512_ZMM_H_
#define EDGEMMA_QUANT_X86_AVX512_ZMM_H_

#include <cstdint>

#include "quant/x86/avx512/intrin.h"

namespace edgemma {
namespace {

struct Zmm {
  using F = __m512;
  using D = __m512d;
  static constexpr int kLanes = 16;

  static __mmask16 TailMask(int64_t left) {
    return static_cast<__mmask16>((1u << left) - 1u);
  }

  static F Zero() { return _mm512_setzero_ps(); }
  static F Set1(float v) { return _mm512_set1_ps(v); }
  static F Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F LoadPart(const float* p, int64_t left, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), TailMask(left), p);
  }
  static void StorePart(float* p, int64_t left, F v) {
    _mm512_mask_storeu_ps(p, TailMask(left), v);
  }

  static F Add(F a, F b) { return _mm512_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm512_div_ps(a, b); }
  static F Min(F a, F b) { return _mm512_min_ps(a, b); }
  static F Max(F a, F b) { return _mm512_max_ps(a, b); }
  static F MulAdd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F MulSub(F a, F b, F c) { return _mm512_fmsub_ps(a, b, c); }
  static F NegMulAdd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  static F Round(F v) {
    return _mm512_roundscale_ps(v,
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static F Pow2(F n) {
    const __m512i e =
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static F KeepGe(F y, F x, float lo) {
    return _mm512_maskz_mov_ps(
        _mm512_cmp_ps_mask(x, _mm512_set1_ps(lo), _CMP_GE_OQ), y);
  }
  static float ReduceMax(F v) { return _mm512_reduce_max_ps(v); }
  static float ReduceAdd(F v) { return _mm512_reduce_add_ps(v); }

  static D DZero() { return _mm512_setzero_pd(); }
  static D AddWidened(D acc, F v) {
    acc = _mm512_add_pd(acc, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    return _mm512_add_pd(acc,
                         _mm512_cvtps_pd(_mm256_castpd_ps(
                             _mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
  }
  // Not _mm512_reduce_add_pd: GCC 12 reports -Wuninitialized inside it.
  static double ReduceD(D v) {
    double s[8];
    _mm512_storeu_pd(s, v);
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  }

  static F LoadF16(const uint16_t* p) {
    return _mm512_cvtph_ps(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static void StoreF16(uint16_t* p, F v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  static F LoadBF16(const uint16_t* p) {
    const __m512i u = _mm512_cvtepu16_epi32(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(u, 16));
  }
  static float Half(uint16_t h) { return _cvtsh_ss(h); }
};

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX512_ZMM_H_
