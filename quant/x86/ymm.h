// The 256-bit f32 vector policy of quant/simd/vec_ops.h, quant/simd/
// float_tiles.h and quant/simd/q_f32_tiles.h (8 lanes; AVX2 + FMA + F16C).
// Include ONLY from a translation unit compiled with at least -mavx2 -mfma
// -mf16c (quant/x86/avx2/, quant/x86/avx512/); anonymous namespace, so each
// ISA's TU has its own copy.
#ifndef EDGEMMA_QUANT_X86_YMM_H_
#define EDGEMMA_QUANT_X86_YMM_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace edgemma {
namespace {

struct Ymm {
  using F = __m256;
  using D = __m256d;
  static constexpr int kLanes = 8;

  static F Zero() { return _mm256_setzero_ps(); }
  static F Set1(float v) { return _mm256_set1_ps(v); }
  static F Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, F v) { _mm256_storeu_ps(p, v); }
  // Tails go through a padded stack buffer (no masked loads: AVX2's vmaskmov
  // is slow on some cores and the tail is at most 7 elements).
  static F LoadPart(const float* p, int64_t left, float fill) {
    float buf[kLanes];
    for (float& v : buf) v = fill;
    std::memcpy(buf, p, sizeof(float) * left);
    return _mm256_loadu_ps(buf);
  }
  static void StorePart(float* p, int64_t left, F v) {
    float buf[kLanes];
    _mm256_storeu_ps(buf, v);
    std::memcpy(p, buf, sizeof(float) * left);
  }

  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F Div(F a, F b) { return _mm256_div_ps(a, b); }
  static F Min(F a, F b) { return _mm256_min_ps(a, b); }
  static F Max(F a, F b) { return _mm256_max_ps(a, b); }
  static F MulAdd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F MulSub(F a, F b, F c) { return _mm256_fmsub_ps(a, b, c); }
  static F NegMulAdd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static F Round(F v) {
    return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static F Pow2(F n) {
    const __m256i e =
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static F KeepGe(F y, F x, float lo) {
    return _mm256_and_ps(y, _mm256_cmp_ps(x, _mm256_set1_ps(lo), _CMP_GE_OQ));
  }
  static float ReduceMax(F v) {
    __m128 m =
        _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
  }
  static float ReduceAdd(F v) {
    __m128 s =
        _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }

  static D DZero() { return _mm256_setzero_pd(); }
  static D AddWidened(D acc, F v) {
    acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    return _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  static double ReduceD(D v) {
    double s[4];
    _mm256_storeu_pd(s, v);
    return (s[0] + s[1]) + (s[2] + s[3]);
  }

  static F LoadF16(const uint16_t* p) {
    return _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void StoreF16(uint16_t* p, F v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  static F LoadBF16(const uint16_t* p) {
    const __m256i u = _mm256_cvtepu16_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
  }
  static float Half(uint16_t h) { return _cvtsh_ss(h); }
};

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_YMM_H_
