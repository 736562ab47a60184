// AVX-512 VNNI K-quant x Q8_K prefill kernels, rows in lanes (the layout of
// gemm_q8_rows.cc): a tile covers 16 weight rows, one per int32 lane; lane r
// of group register i of sub-block j holds the 4 quant bytes of row r that
// meet activation bytes 32j + 4i .. +3, so one vpdpbusd with the activation
// dword broadcast does 16 rows x 4 MACs. Quants are unsigned (Q4_K 0..15,
// Q5_K 0..31, Q6_K 0..63), activations signed: no bias.
//
// Per group of 16 elements (4 vpdpbusd) the int32 sums are converted and
// scaled by the rows' f32 scale of that group (d * sc), and the rows'
// correction (Q4_K / Q5_K: dmin * m of the sub-block; Q6_K: 32 * d * sc, the
// quant offset) times the token's sum of those 16 activations is subtracted;
// the super-block's total is multiplied by the token's Q8_K scale once.
//
// A super-block of 16 rows is decoded once (nibbles and high bits unpacked,
// 16x4 dword transposes, the 16 scales and corrections per row expanded to
// f32 lanes) and used by every token of the pass (64 tokens).
#include <algorithm>
#include <cstring>

#include "quant/blocks.h"
#include "quant/x86/avx512/intrin.h"
#include "quant/x86/avx512/kquant_rows.h"
#include "quant/x86/avx512/transpose.h"
#include "quant/x86/row_tiles.h"

namespace edgemma {
namespace avx512 {
namespace {

constexpr int kLanes = 16;      // rows per tile
constexpr int kTileT = 8;       // tokens per register tile
constexpr int64_t kPassT = 64;  // tokens per weight decode
constexpr size_t kQs = 4;       // BlockQ8_K: offset of the quants
constexpr size_t kSums = 260;   // BlockQ8_K: offset of the 16-sums

// One super-block of a 16-row tile, decoded.
struct KPanel {
  __m512i w[8][8];  // [sub-block j][group i]: lane r = 4 quants of row r
  __m512 sc[16];    // [group of 16]: lane r = row r's f32 scale
  __m512 corr[16];  // [group of 16]: lane r = row r's correction factor
};

// 32 bytes of each row -> 8 group registers (bytes 4i..4i+3 in group i).
template <bool kFull>
inline void Transpose16x8(const uint8_t* p, size_t ws, int rows, __m512i g[8]) {
  Transpose16x4<kFull>(p, ws, rows, g);
  Transpose16x4<kFull>(p + 16, ws, rows, g + 4);
}

// Per-row scales and corrections of the tile's super-block (0 past rows).
template <int kType>
void DecodeScales(const uint8_t* blk, size_t ws, int rows, KPanel* p) {
  alignas(64) float sc[16][kLanes], corr[16][kLanes];
  for (int r = 0; r < kLanes; ++r) {
    const uint8_t* b = blk + r * ws;
    if (r >= rows) {
      for (int g = 0; g < 16; ++g) sc[g][r] = corr[g][r] = 0.0f;
      continue;
    }
    if (kType == 6) {
      const float d = BlockScale(b + 208);
      for (int g = 0; g < 16; ++g) {
        sc[g][r] = d * static_cast<float>(static_cast<int8_t>(b[192 + g]));
        corr[g][r] = 32.0f * sc[g][r];
      }
    } else {
      const float d = BlockScale(b), dmin = BlockScale(b + 2);
      uint8_t sm[16];
      KScalesMins(b + 4, sm);
      for (int g = 0; g < 16; ++g) {
        sc[g][r] = d * static_cast<float>(sm[g / 2]);
        corr[g][r] = dmin * static_cast<float>(sm[8 + g / 2]);
      }
    }
  }
  for (int g = 0; g < 16; ++g) {
    p->sc[g] = _mm512_load_ps(sc[g]);
    p->corr[g] = _mm512_load_ps(corr[g]);
  }
}

template <int kType, bool kFull>
void DecodePanel(const uint8_t* blk, size_t ws, int rows, KPanel* p) {
  DecodeScales<kType>(blk, ws, rows, p);
  const __m512i m4 = _mm512_set1_epi8(0x0f);
  if constexpr (kType == 6) {
    const __m512i m2 = _mm512_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
      __m512i lo[8], hi[8], qh[8];  // ql rows 0..31, 32..63, qh 0..31
      Transpose16x8<kFull>(blk + 64 * h, ws, rows, lo);
      Transpose16x8<kFull>(blk + 64 * h + 32, ws, rows, hi);
      Transpose16x8<kFull>(blk + 128 + 32 * h, ws, rows, qh);
      for (int i = 0; i < 8; ++i) {
        const __m512i b[4] = {
            _mm512_and_si512(_mm512_slli_epi16(qh[i], 4), m2),
            _mm512_and_si512(_mm512_slli_epi16(qh[i], 2), m2),
            _mm512_and_si512(qh[i], m2),
            _mm512_and_si512(_mm512_srli_epi16(qh[i], 2), m2)};
        p->w[4 * h + 0][i] = _mm512_or_si512(_mm512_and_si512(lo[i], m4), b[0]);
        p->w[4 * h + 1][i] = _mm512_or_si512(_mm512_and_si512(hi[i], m4), b[1]);
        p->w[4 * h + 2][i] = _mm512_or_si512(
            _mm512_and_si512(_mm512_srli_epi16(lo[i], 4), m4), b[2]);
        p->w[4 * h + 3][i] = _mm512_or_si512(
            _mm512_and_si512(_mm512_srli_epi16(hi[i], 4), m4), b[3]);
      }
    }
  } else {
    const uint8_t* qs = blk + (kType == 5 ? 48 : 16);
    __m512i qh[8];
    if constexpr (kType == 5) Transpose16x8<kFull>(blk + 16, ws, rows, qh);
    const __m512i b4 = _mm512_set1_epi8(0x10);
    for (int c = 0; c < 4; ++c) {
      __m512i g[8];
      Transpose16x8<kFull>(qs + 32 * c, ws, rows, g);
      for (int i = 0; i < 8; ++i) {
        __m512i v0 = _mm512_and_si512(g[i], m4);
        __m512i v1 = _mm512_and_si512(_mm512_srli_epi16(g[i], 4), m4);
        if constexpr (kType == 5) {
          const __mmask64 h0 = _mm512_test_epi8_mask(
              qh[i], _mm512_set1_epi8(static_cast<char>(1 << (2 * c))));
          const __mmask64 h1 = _mm512_test_epi8_mask(
              qh[i], _mm512_set1_epi8(static_cast<char>(2 << (2 * c))));
          v0 = _mm512_mask_or_epi32(v0, 0xffff, v0,
                                    _mm512_maskz_mov_epi8(h0, b4));
          v1 = _mm512_mask_or_epi32(v1, 0xffff, v1,
                                    _mm512_maskz_mov_epi8(h1, b4));
        }
        p->w[2 * c][i] = v0;
        p->w[2 * c + 1][i] = v1;
      }
    }
  }
}

// Adds T tokens' products with the panel's super-block to acc[t][16 lanes].
// a: block b of token 0, token stride xs.
template <int T>
void Tile(const KPanel& p, const uint8_t* a, size_t xs, float* acc) {
  __m512 sb[T];
  float ad[T];
  alignas(64) float bs[T][16];
  for (int t = 0; t < T; ++t) {
    sb[t] = _mm512_setzero_ps();
    std::memcpy(&ad[t], a + t * xs, 4);
    const __m256i s16 = _mm256_loadu_si256(
        reinterpret_cast<const __m256i*>(a + t * xs + kSums));
    _mm512_store_ps(bs[t], _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(s16)));
  }
  for (int g = 0; g < 16; ++g) {
    const int j = g / 2, i0 = 4 * (g % 2);
    __m512i wv[4];
    for (int i = 0; i < 4; ++i) wv[i] = _mm512_load_si512(&p.w[j][i0 + i]);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const uint8_t* at = a + t * xs + kQs + 32 * j + 4 * i0;
      __m512i s = _mm512_setzero_si512();
      for (int i = 0; i < 4; ++i) {
        int32_t a32;
        std::memcpy(&a32, at + 4 * i, 4);
        s = _mm512_dpbusd_epi32(s, wv[i], _mm512_set1_epi32(a32));
      }
      sb[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), p.sc[g], sb[t]);
      sb[t] = _mm512_fnmadd_ps(p.corr[g], _mm512_set1_ps(bs[t][g]), sb[t]);
    }
  }
  for (int t = 0; t < T; ++t) {
    float* at = acc + t * kLanes;
    _mm512_store_ps(
        at, _mm512_fmadd_ps(sb[t], _mm512_set1_ps(ad[t]), _mm512_load_ps(at)));
  }
}

template <int kType, bool kFull>
void RowTile(const uint8_t* w, size_t ws, int rows, int64_t nb,
             const uint8_t* xq, size_t xs, int64_t nt, KPanel* panel,
             float* acc) {
  constexpr size_t kWB = kType == 4   ? sizeof(BlockQ4_K)
                         : kType == 5 ? sizeof(BlockQ5_K)
                                      : sizeof(BlockQ6_K);
  std::memset(acc, 0, sizeof(float) * kLanes * nt);
  for (int64_t b = 0; b < nb; ++b) {
    DecodePanel<kType, kFull>(w + b * kWB, ws, rows, panel);
    const uint8_t* a = xq + b * sizeof(BlockQ8_K);
    int64_t t = 0;
    for (; t + kTileT <= nt; t += kTileT) {
      Tile<kTileT>(*panel, a + t * xs, xs, acc + t * kLanes);
    }
    for (; t < nt; ++t) Tile<1>(*panel, a + t * xs, xs, acc + t * kLanes);
  }
}

template <int kType>
void GemmRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
              const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  KPanel panel;
  alignas(64) float acc[kPassT * kLanes];  // [token][row lane]
  for (int64_t t0 = 0; t0 < n; t0 += kPassT) {
    const int64_t nt = std::min(kPassT, n - t0);
    for (int64_t r = r0; r < r1; r += kLanes) {
      const int rows = static_cast<int>(std::min<int64_t>(kLanes, r1 - r));
      if (rows == kLanes) {
        RowTile<kType, true>(w + r * ws, ws, rows, nb, xq + t0 * xs, xs, nt,
                             &panel, acc);
      } else {
        RowTile<kType, false>(w + r * ws, ws, rows, nb, xq + t0 * xs, xs, nt,
                              &panel, acc);
      }
      const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1);
      for (int64_t t = 0; t < nt; ++t) {
        _mm512_mask_storeu_ps(y + (t0 + t) * ldy + r, m,
                              _mm512_load_ps(acc + t * kLanes));
      }
    }
  }
}

}  // namespace

void GemmQ4_KQ8_KRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                      int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                      float* y, int64_t ldy) {
  GemmRows<4>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

void GemmQ5_KQ8_KRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                      int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                      float* y, int64_t ldy) {
  GemmRows<5>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

void GemmQ6_KQ8_KRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                      int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                      float* y, int64_t ldy) {
  GemmRows<6>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
