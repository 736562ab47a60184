// AVX-512 (BW + VNNI) K-quant tiles: the arithmetic of quant/x86/kquant_tiles.h
// on 512-bit vectors, two 32-element sub-blocks per instruction (64
// consecutive elements: a Q4_K/Q5_K byte row's low and high nibbles, or a pair
// of Q6_K sub-blocks), scales spread with vpermw, int16 products summed into
// int32 with vpdpwssd. Include ONLY from quant/x86/avx512/ (its flags) after
// quant/x86/kquant_tiles.h; anonymous namespace.
#ifndef EDGEMMA_QUANT_X86_AVX512_KQUANT_ZMM_H_
#define EDGEMMA_QUANT_X86_AVX512_KQUANT_ZMM_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/simd/tile_loop.h"
#include "quant/x86/kquant_tiles.h"

// GCC 12 reports the `_mm512_undefined_*()` pass-through operand inside its
// own AVX-512 intrinsics (vextractf64x4, vshuff32x4, vinserti64x4) as
// uninitialized once they are inlined into these lambdas: a false positive
// in the compiler's headers, silenced for this header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace edgemma {
namespace {

inline __m512i Join(__m256i lo, __m256i hi) {
  return _mm512_mask_broadcast_i64x4(_mm512_zextsi256_si512(lo), 0xf0, hi);
}

inline float ReduceAddZmm(__m512 v) {
  const __m256 lo = _mm512_castps512_ps256(v);
  const __m256 hi = _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, 0xee));
  return Ymm::ReduceAdd(_mm256_add_ps(lo, hi));
}

// vpermw indices: lane i of the result takes int16 lane v[c][i] of the
// table. Q4_K / Q5_K pair c: lanes 0..15 scale 2c, 16..31 scale 2c + 1. Q6_K
// pair c: 8 lanes each of scales 4c .. 4c + 3.
struct PairIndex {
  alignas(64) int16_t v[4][32];
};
constexpr PairIndex MakePairIndex(bool q6) {
  PairIndex p{};
  for (int c = 0; c < 4; ++c) {
    for (int i = 0; i < 32; ++i) {
      p.v[c][i] = static_cast<int16_t>(q6 ? 4 * c + i / 8 : 2 * c + i / 16);
    }
  }
  return p;
}
constexpr PairIndex kPairIndex45 = MakePairIndex(false);
constexpr PairIndex kPairIndex6 = MakePairIndex(true);

// Calls f(c, v_c) for the 4 pairs of a Q4_K / Q5_K / Q6_K super-block (v:
// 64 unsigned quants of elements 64c .. 64c + 63).
template <int kType, class Fn>
inline void ForEachPair(const uint8_t* wb, Fn&& f) {
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  if constexpr (kType == 6) {
    const __m256i m2 = _mm256_set1_epi8(0x30);
    ForK<2>([&](auto hc) {
      constexpr int h = decltype(hc)::value;
      const __m256i ql0 = LoadK32(wb + 64 * h);
      const __m256i ql1 = LoadK32(wb + 64 * h + 32);
      const __m256i qh = LoadK32(wb + 128 + 32 * h);
      const auto hb = [&](auto kc) {
        return _mm256_and_si256(MoveBit<2 * decltype(kc)::value, 4>(qh), m2);
      };
      f(std::integral_constant<int, 2 * h>{},
        Join(_mm256_or_si256(_mm256_and_si256(ql0, m4),
                             hb(std::integral_constant<int, 0>{})),
             _mm256_or_si256(_mm256_and_si256(ql1, m4),
                             hb(std::integral_constant<int, 1>{}))));
      f(std::integral_constant<int, 2 * h + 1>{},
        Join(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                             hb(std::integral_constant<int, 2>{})),
             _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                             hb(std::integral_constant<int, 3>{}))));
    });
  } else {
    const uint8_t* qs = wb + (kType == 5 ? 48 : 16);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kType == 5) qh = LoadK32(wb + 16);
    ForK<4>([&](auto cc) {
      constexpr int c = decltype(cc)::value;
      const __m256i raw = LoadK32(qs + 32 * c);
      __m256i v0 = _mm256_and_si256(raw, m4);
      __m256i v1 = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
      if constexpr (kType == 5) {
        const __m256i b4 = _mm256_set1_epi8(0x10);
        v0 = _mm256_or_si256(v0, _mm256_and_si256(MoveBit<2 * c, 4>(qh), b4));
        v1 = _mm256_or_si256(v1,
                             _mm256_and_si256(MoveBit<2 * c + 1, 4>(qh), b4));
      }
      f(cc, Join(v0, v1));
    });
  }
}

// One R x T tile over nb super-blocks; kType 4, 5 or 6.
template <int kType, int R, int T>
[[gnu::noinline]] void KTileZmm(const uint8_t* w, size_t ws, int64_t nb,
                                const uint8_t* xq, size_t xs, float* y,
                                int64_t ldy) {
  constexpr size_t kWB = kType == 4   ? sizeof(BlockQ4_K)
                         : kType == 5 ? sizeof(BlockQ5_K)
                                      : sizeof(BlockQ6_K);
  constexpr bool kQ6 = kType == 6;
  __m512 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* a[T];
    float ad[T];
    for (int t = 0; t < T; ++t) {
      a[t] = xq + t * xs + b * sizeof(BlockQ8_K);
      std::memcpy(&ad[t], a[t], 4);
    }
    for (int r = 0; r < R; ++r) {
      const uint8_t* wb = w + r * ws + b * kWB;
      const KScales s = kQ6 ? LoadScales6(wb) : LoadScales45(wb);
      // The int16 scale table: 8 (Q4_K/Q5_K) or 16 (Q6_K) scales.
      const __m512i table = _mm512_zextsi256_si512(s.corr16);
      const __m512i table45 = _mm512_zextsi256_si512(s.lo);
      constexpr int kC = T >= 4 ? 1 : 4 / T;  // independent chains per token
      __m512i isum[T][kC];
      for (int t = 0; t < T; ++t) {
        for (int c = 0; c < kC; ++c) isum[t][c] = _mm512_setzero_si512();
      }
      ForEachPair<kType>(wb, [&](auto cc, __m512i v) {
        constexpr int c = decltype(cc)::value;
        const __m512i sc = _mm512_permutexvar_epi16(
            _mm512_load_si512(kQ6 ? kPairIndex6.v[c] : kPairIndex45.v[c]),
            kQ6 ? table : table45);
        for (int t = 0; t < T; ++t) {
          const __m512i av = _mm512_loadu_si512(a[t] + kQ8KQs + 64 * c);
          isum[t][c % kC] = _mm512_dpwssd_epi32(
              isum[t][c % kC], _mm512_maddubs_epi16(v, av), sc);
        }
      });
      for (int t = 0; t < T; ++t) {
        __m512i is = isum[t][0];
        for (int c = 1; c < kC; ++c) is = _mm512_add_epi32(is, isum[t][c]);
        const __m256i corr =
            _mm256_madd_epi16(s.corr16, LoadK32(a[t] + kQ8KSums));
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is),
                                    _mm512_set1_ps(s.d * ad[t]), acc[r][t]);
        // Lanes 0..7 only (the correction has 8 lanes).
        acc[r][t] = _mm512_mask3_fmadd_ps(
            _mm512_zextps256_ps512(_mm256_cvtepi32_ps(corr)),
            _mm512_set1_ps(s.cd * ad[t]), acc[r][t], 0xff);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * ldy + r] = ReduceAddZmm(acc[r][t]);
  }
}

template <int kType>
struct KTilesZmm {
  const uint8_t* w;
  size_t ws;
  int64_t nb;
  const uint8_t* xq;
  size_t xs;
  float* y;
  int64_t ldy;
  template <int R, int T>
  void Run(int64_t r, int64_t t) const {
    KTileZmm<kType, R, T>(w + r * ws, ws, nb, xq + t * xs, xs, y + t * ldy + r,
                          ldy);
  }
};

template <int kType, int R, int T>
void KGemmZmm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
              const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  const KTilesZmm<kType> tiles{w, ws, nb, xq, xs, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kKTokenChunk, tiles);
}

// The K-quant members of the AVX-512 table.
template <int R, int T>
constexpr void UseKQuantZmm(Kernels* k) {
  k->quantize_q8_K = QuantizeQ8_KAvx;
  k->gemv_q4_K_q8_K = KGemmZmm<4, R, 1>;
  k->gemm_q4_K_q8_K = KGemmZmm<4, R, T>;
  k->gemv_q5_K_q8_K = KGemmZmm<5, R, 1>;
  k->gemm_q5_K_q8_K = KGemmZmm<5, R, T>;
  k->gemv_q6_K_q8_K = KGemmZmm<6, R, 1>;
  k->gemm_q6_K_q8_K = KGemmZmm<6, R, T>;
}

}  // namespace
}  // namespace edgemma

#pragma GCC diagnostic pop

#endif  // EDGEMMA_QUANT_X86_AVX512_KQUANT_ZMM_H_
