// x86 K-quant kernel bodies on 256-bit vectors: Q4_K / Q5_K / Q6_K weights x
// Q8_K activations in R x T register tiles, and the Q8_K activation
// quantizer. Written against a policy `P` whose one static member
// MaddScale(acc, p16, s16) adds the int32 pair sums of p16 * s16 to acc
// (vpmaddwd + vpaddd on AVX2, vpdpwssd on AVX-512 VNNI). Include ONLY from a
// translation unit compiled with at least -mavx2 -mfma -mf16c; everything is
// in an anonymous namespace so each variant's TU gets its own copy compiled
// with its own flags.
//
// Per super-block and row, each 32-element sub-block j of weights is decoded
// to unsigned bytes v_j (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63) and, per token,
// vpmaddubsw(v_j, a_j) (int16 pair sums, at most 2 * 63 * 127: no
// saturation) is multiplied by the sub-block's int16 scales and summed in
// int32 (exact: at most 8 * 2 * 63 * 127 * 127 < 2^24, so the f32 conversion
// is exact too). The rest of the block's value is a correction from the
// activation sums: - dmin * sum_j m_j * sum(a_j) for Q4_K / Q5_K, - 32 * d *
// sum_g sc_g * sum(a_g) for Q6_K (its quants carry an offset of 32). Two f32
// multiply-adds per (row, token, super-block).
#ifndef EDGEMMA_QUANT_X86_KQUANT_TILES_H_
#define EDGEMMA_QUANT_X86_KQUANT_TILES_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/simd/tile_loop.h"
#include "quant/types.h"
#include "quant/x86/ymm.h"

namespace edgemma {
namespace {

// Calls f(std::integral_constant<int, J>) for J = 0..N-1 (sub-block loops
// fully unrolled, so shifts and shuffle masks are immediates).
template <class Fn, int... J>
inline void UnrollK(Fn&& f, std::integer_sequence<int, J...>) {
  (f(std::integral_constant<int, J>{}), ...);
}
template <int N, class Fn>
inline void ForK(Fn&& f) {
  UnrollK(f, std::make_integer_sequence<int, N>{});
}

inline __m256i LoadK32(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

inline float LoadF16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// Moves bit `kFrom` of every byte to bit `kTo` (other bits: garbage from the
// same 16-bit lane; callers mask). Shifts of 16-bit lanes keep each byte's
// masked bit its own.
template <int kFrom, int kTo>
inline __m256i MoveBit(__m256i v) {
  if constexpr (kFrom < kTo) return _mm256_slli_epi16(v, kTo - kFrom);
  if constexpr (kFrom > kTo) return _mm256_srli_epi16(v, kFrom - kTo);
  return v;
}

// The scales of one weight super-block: sub-block j's int16 scales
// (all 16 lanes, or lanes 0..7 / 8..15 for Q6_K's two groups of 16), the
// correction multipliers corr16 (16 x int16, one per activation group of 16)
// and the f32 factors of the integer sum (d) and of the correction (cd).
struct KScales {
  __m256i lo, hi;  // int16 scale tables to shuffle from
  __m256i corr16;
  float d, cd;
};

struct Q4KFormat {
  static constexpr size_t kBytes = sizeof(BlockQ4_K);
  static constexpr bool kQ5 = false;
};
struct Q5KFormat {
  static constexpr size_t kBytes = sizeof(BlockQ5_K);
  static constexpr bool kQ5 = true;
};

// Q4_K / Q5_K: scales and mins unpacked (6 bits each), mins duplicated per
// group of 16 as the correction multipliers.
inline KScales LoadScales45(const uint8_t* wb) {
  uint8_t sm[16];
  KScalesMins(wb + 4, sm);
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sm));
  const __m128i sc = _mm_cvtepu8_epi16(v);
  const __m128i mn = _mm_cvtepu8_epi16(_mm_srli_si128(v, 8));
  KScales s;
  s.lo = _mm256_broadcastsi128_si256(sc);
  s.hi = s.lo;
  s.corr16 =
      _mm256_set_m128i(_mm_unpackhi_epi16(mn, mn), _mm_unpacklo_epi16(mn, mn));
  s.d = LoadF16(wb);
  s.cd = -LoadF16(wb + 2);
  return s;
}

// Sub-block J of Q4_K / Q5_K: every lane the scale of sub-block J.
template <int J>
inline __m256i SubScale45(const KScales& s) {
  return _mm256_shuffle_epi8(
      s.lo,
      _mm256_set1_epi16(static_cast<int16_t>(((2 * J + 1) << 8) | (2 * J))));
}

// Calls f(J, v_J) for the 8 sub-blocks of a Q4_K / Q5_K super-block.
template <class F, class Fn>
inline void ForEachSub45(const uint8_t* wb, Fn&& f) {
  const uint8_t* qs = wb + (F::kQ5 ? 48 : 16);
  __m256i qh = _mm256_setzero_si256();
  if constexpr (F::kQ5) qh = LoadK32(wb + 16);
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  ForK<4>([&](auto cc) {
    constexpr int c = decltype(cc)::value;
    const __m256i raw = LoadK32(qs + 32 * c);
    __m256i v0 = _mm256_and_si256(raw, m4);
    __m256i v1 = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
    if constexpr (F::kQ5) {
      const __m256i b4 = _mm256_set1_epi8(0x10);
      v0 = _mm256_or_si256(v0, _mm256_and_si256(MoveBit<2 * c, 4>(qh), b4));
      v1 = _mm256_or_si256(v1, _mm256_and_si256(MoveBit<2 * c + 1, 4>(qh), b4));
    }
    f(std::integral_constant<int, 2 * c>{}, v0);
    f(std::integral_constant<int, 2 * c + 1>{}, v1);
  });
}

// Q6_K: the 16 int8 scales as int16; lo holds scales 0..7 in both 128-bit
// lanes, hi scales 8..15.
inline KScales LoadScales6(const uint8_t* wb) {
  const __m256i sc = _mm256_cvtepi8_epi16(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + 192)));
  KScales s;
  s.lo = _mm256_permute4x64_epi64(sc, 0x44);
  s.hi = _mm256_permute4x64_epi64(sc, 0xee);
  s.corr16 = sc;
  s.d = LoadF16(wb + 208);
  s.cd = -32.0f * s.d;
  return s;
}

// Sub-block J of Q6_K: lanes 0..7 scale 2J, lanes 8..15 scale 2J + 1.
template <int J>
inline __m256i SubScale6(const KScales& s) {
  constexpr int w = 2 * (J % 4);  // word of the first scale in its table
  const __m256i mask = _mm256_set_m128i(
      _mm_set1_epi16(static_cast<int16_t>(((2 * w + 3) << 8) | (2 * w + 2))),
      _mm_set1_epi16(static_cast<int16_t>(((2 * w + 1) << 8) | (2 * w))));
  return _mm256_shuffle_epi8(J < 4 ? s.lo : s.hi, mask);
}

// Calls f(J, v_J) for the 8 sub-blocks of a Q6_K super-block: half h holds
// sub-blocks 4h..4h+3 in ql[64h..64h+63] (low nibbles of both 32-byte rows,
// then high nibbles) and bit pairs 0..3 of qh[32h..32h+31].
template <class Fn>
inline void ForEachSub6(const uint8_t* wb, Fn&& f) {
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  const __m256i m2 = _mm256_set1_epi8(0x30);
  ForK<2>([&](auto hc) {
    constexpr int h = decltype(hc)::value;
    const __m256i ql0 = LoadK32(wb + 64 * h);
    const __m256i ql1 = LoadK32(wb + 64 * h + 32);
    const __m256i qh = LoadK32(wb + 128 + 32 * h);
    ForK<4>([&](auto kc) {
      constexpr int k = decltype(kc)::value;
      const __m256i ql = k % 2 ? ql1 : ql0;
      const __m256i lo = k < 2 ? _mm256_and_si256(ql, m4)
                               : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
      const __m256i v =
          _mm256_or_si256(lo, _mm256_and_si256(MoveBit<2 * k, 4>(qh), m2));
      f(std::integral_constant<int, 4 * h + k>{}, v);
    });
  });
}

// MaddScale policies: AVX2 (vpmaddwd + vpaddd) and AVX-512 VNNI (vpdpwssd on
// 256-bit vectors, one instruction).
struct KMaddAdd {
  static __m256i MaddScale(__m256i acc, __m256i p, __m256i s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, s));
  }
};
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
struct KDpwssd {
  static __m256i MaddScale(__m256i acc, __m256i p, __m256i s) {
    return _mm256_dpwssd_epi32(acc, p, s);
  }
};
#endif

// Offsets inside a BlockQ8_K.
constexpr size_t kQ8KQs = 4, kQ8KSums = 260;

// One R x T tile over nb super-blocks. kQ6 picks the Q6_K decode; F the
// Q4_K / Q5_K one otherwise.
template <class P, class F, bool kQ6, int R, int T>
[[gnu::noinline]] void KTile(const uint8_t* w, size_t ws, int64_t nb,
                             const uint8_t* xq, size_t xs, float* y,
                             int64_t ldy) {
  constexpr size_t kWB = kQ6 ? sizeof(BlockQ6_K) : F::kBytes;
  __m256 acc[R][T];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
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
      // At least four independent int32 chains (sub-block j of token t into
      // chain j % kC): vpdpwssd has a latency of several cycles, so one chain
      // of 8 per token would bound the kernel by latency, not throughput.
      constexpr int kC = T >= 4 ? 1 : 4 / T;
      __m256i isum[T][kC];
      for (int t = 0; t < T; ++t) {
        for (int c = 0; c < kC; ++c) isum[t][c] = _mm256_setzero_si256();
      }
      auto sub = [&](auto jc, __m256i v) {
        constexpr int j = decltype(jc)::value;
        const __m256i sc = kQ6 ? SubScale6<j>(s) : SubScale45<j>(s);
        for (int t = 0; t < T; ++t) {
          const __m256i p =
              _mm256_maddubs_epi16(v, LoadK32(a[t] + kQ8KQs + 32 * j));
          isum[t][j % kC] = P::MaddScale(isum[t][j % kC], p, sc);
        }
      };
      if constexpr (kQ6) {
        ForEachSub6(wb, sub);
      } else {
        ForEachSub45<F>(wb, sub);
      }
      for (int t = 0; t < T; ++t) {
        const __m256i corr =
            _mm256_madd_epi16(s.corr16, LoadK32(a[t] + kQ8KSums));
        __m256i is = isum[t][0];
        for (int c = 1; c < kC; ++c) is = _mm256_add_epi32(is, isum[t][c]);
        acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is),
                                    _mm256_set1_ps(s.d * ad[t]), acc[r][t]);
        acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(corr),
                                    _mm256_set1_ps(s.cd * ad[t]), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < T; ++t) y[t * ldy + r] = Ymm::ReduceAdd(acc[r][t]);
  }
}

// Tokens per pass: a pass's Q8_K activations (32 x nb x 292 bytes) stay in
// L2 while the rows stream past them.
constexpr int64_t kKTokenChunk = 32;

template <class P, class F, bool kQ6>
struct KTiles {
  const uint8_t* w;
  size_t ws;
  int64_t nb;
  const uint8_t* xq;
  size_t xs;
  float* y;
  int64_t ldy;
  template <int R, int T>
  void Run(int64_t r, int64_t t) const {
    KTile<P, F, kQ6, R, T>(w + r * ws, ws, nb, xq + t * xs, xs, y + t * ldy + r,
                           ldy);
  }
};

// GemmQFn over rows [r0, r1) in R x T tiles.
template <class P, class F, bool kQ6, int R, int T>
void KGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
           const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  const KTiles<P, F, kQ6> tiles{w, ws, nb, xq, xs, y, ldy};
  ForEachTile<R, T>(r0, r1, n, kKTokenChunk, tiles);
}

// Activation quantization to Q8_K. Matches QuantizeQ8_KRef bit for bit: d =
// amax / 127, id = 1 / d, q = round half away from zero (trunc + (|frac| >=
// 0.5)), bsums the int sums of each 16 q.
inline void QuantizeQ8_KAvx(const float* x, void* out, int64_t n) {
  auto* y = static_cast<uint8_t*>(out);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, y += sizeof(BlockQ8_K)) {
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < kQKK; i += 8) {
      m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    }
    __m128 m4 =
        _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float d = _mm_cvtss_f32(m4) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    std::memcpy(y, &d, 4);
    int16_t sums[16];
    for (int g = 0; g < kQKK / 32; ++g) {
      __m256i q[4];
      for (int i = 0; i < 4; ++i) {
        const __m256 s = _mm256_mul_ps(_mm256_loadu_ps(x + 32 * g + 8 * i),
                                       _mm256_set1_ps(id));
        const __m256 t =
            _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(s, t));
        const __m256 up = _mm256_and_ps(
            _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
            _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(sign, s)));
        q[i] = _mm256_cvtps_epi32(_mm256_add_ps(t, up));
      }
      // Sums of each 16: q[0..1] and q[2..3] as int32 lanes.
      const __m256i s01 = _mm256_add_epi32(q[0], q[1]);
      const __m256i s23 = _mm256_add_epi32(q[2], q[3]);
      __m256i h = _mm256_hadd_epi32(s01, s23);  // per lane: s01 pairs, s23
      h = _mm256_hadd_epi32(h, h);
      const __m128i hs = _mm_add_epi32(_mm256_castsi256_si128(h),
                                       _mm256_extracti128_si256(h, 1));
      sums[2 * g] = static_cast<int16_t>(_mm_cvtsi128_si32(hs));
      sums[2 * g + 1] = static_cast<int16_t>(_mm_extract_epi32(hs, 1));
      const __m256i p8 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]),
                                            _mm256_packs_epi32(q[2], q[3]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + kQ8KQs + 32 * g),
                          _mm256_permutevar8x32_epi32(
                              p8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    }
    std::memcpy(y + kQ8KSums, sums, sizeof(sums));
  }
}

// The K-quant members of a table: gemv R x 1, gemm R x T tiles.
template <class P, int R, int T>
constexpr void UseKQuantTiles(Kernels* k) {
  k->quantize_q8_K = QuantizeQ8_KAvx;
  k->gemv_q4_K_q8_K = KGemm<P, Q4KFormat, false, R, 1>;
  k->gemm_q4_K_q8_K = KGemm<P, Q4KFormat, false, R, T>;
  k->gemv_q5_K_q8_K = KGemm<P, Q5KFormat, false, R, 1>;
  k->gemm_q5_K_q8_K = KGemm<P, Q5KFormat, false, R, T>;
  k->gemv_q6_K_q8_K = KGemm<P, Q4KFormat, true, R, 1>;
  k->gemm_q6_K_q8_K = KGemm<P, Q4KFormat, true, R, T>;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_KQUANT_TILES_H_
