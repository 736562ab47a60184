// AVX-512 VNNI Q4_0 / Q8_0 x Q8_0 matrix kernels, laid out so that vpdpbusd
// does almost all the work.
//
// Rows in lanes: a tile covers 16 weight rows, one per int32 lane of a zmm.
// Lane r of "group register" g holds the 4 weight bytes of row r that meet
// activation bytes 4g..4g+3 of a 32-element block, so one vpdpbusd with the
// activation dword broadcast from memory does 16 rows x 4 MACs, and the 8
// vpdpbusd of a block leave each lane with the full block sum of one (row,
// token). Only then is the block converted and scaled: 1 convert, 1 multiply
// (row scales x token scale) and 1 FMA per 8 vpdpbusd (a 256-bit layout with
// one block per register needs those 3 per vpdpbusd).
//
// Prefill tiles are 32 rows (two 16-row halves) x 4 tokens. Measured on Zen 5
// (a register-resident probe): full-width vector loads are almost free, but
// FP multiplies and FMAs take the same two pipes as vpdpbusd, so the 2 FP ops
// per 8 vpdpbusd of Q8_0 block scaling cap any layout at ~80% of the int8 peak;
// the tile alone runs at ~75% of it, the whole kernel at ~55-65% (decode,
// activation table, output traffic). Embedded-broadcast vpdpbusd runs at ~1/3
// of the rate of the register form there, so prefill broadcasts into a register
// (once per 2 vpdpbusd).
//
// The weights are decoded once per (32 rows x 32 blocks) panel into stack
// memory (nibbles unpacked, 16x4 dword transposes) and reused by every token
// of the chunk (128 tokens); the activation side (f32 scale, and the -8 *
// sum(a) correction for unsigned nibbles, or -128 * sum(a) for Q8 weights
// biased by +128) is computed once per chunk of tokens and shared by all row
// tiles.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "quant/blocks.h"
#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/intrin.h"
#include "quant/x86/avx512/transpose.h"
#include "quant/x86/row_tiles.h"

namespace edgemma {
namespace avx512 {
namespace {

constexpr int kRows = 16;              // rows per half tile (int32 lanes)
constexpr int kHalves = 2;             // prefill tile halves: 2 x 16 rows
constexpr int kGroups = kRowGroups;    // 4-byte groups per 32-element block
constexpr int64_t kPanelBlocks = 32;   // blocks per decoded panel (32 KB)
constexpr int kTileTokens = 4;         // tokens per register tile
constexpr int64_t kChunkTokens = 128;  // tokens per weight decode

// Decoded weights of one prefill tile: 32 rows (two halves of 16) x up to
// kPanelBlocks blocks.
struct Panel {
  __m512i w[kPanelBlocks][kHalves][kGroups];  // lane r: 4 u8 of row 16h + r
  uint16_t d[kPanelBlocks][kHalves * kRows];  // f16 scales; 0 past rows
};

// A prefill (half) tile reads its 16 rows as interleaved streams, too short
// (864 bytes at 1536 columns) for the hardware prefetchers to learn, so each
// time the rows cross a cache line the same bytes of the 16 rows kAhead rows
// further on (the next 32-row tile's half) are fetched into L2. Prefetches
// past the matrix are harmless (they never fault).
template <bool kQ4, int kAhead>
inline void PrefetchRowsAhead(const uint8_t* blk, int64_t b, size_t ws) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  if ((b * kWB) / 64 != ((b + 1) * kWB) / 64) {
    const uint8_t* next = blk + kAhead * ws + kWB;
    for (int r = 0; r < kRows; ++r) {
      PrefetchL2(next + r * ws);
    }
  }
}

// The 8 group registers of one block of the tile's rows [0, rows): Q4_0 group
// g < 4 = low nibbles of qs dword g (elements 4g..4g+3), group g + 4 = its
// high nibbles (elements 16 + 4g..); Q8_0: bytes + 128 (as unsigned).
template <bool kQ4, bool kFull>
inline void DecodeBlock(const uint8_t* blk, size_t ws, int rows,
                        __m512i out[kGroups]) {
  __m512i g[4];
  Transpose16x4<kFull>(blk + 2, ws, rows, g);
  if (kQ4) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int j = 0; j < 4; ++j) {
      out[j] = _mm512_and_si512(g[j], low4);
      out[j + 4] = _mm512_and_si512(_mm512_srli_epi16(g[j], 4), low4);
    }
  } else {
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int j = 0; j < 4; ++j) out[j] = _mm512_xor_si512(g[j], flip);
    Transpose16x4<kFull>(blk + 18, ws, rows, g);
    for (int j = 0; j < 4; ++j) out[j + 4] = _mm512_xor_si512(g[j], flip);
  }
}

// Decodes blocks [b0, b0 + kb) of rows [0, rows) (rows <= 32) of the tile at
// w; a half with no valid row is left undecoded (its scales are 0).
template <bool kQ4, bool kFull>
void DecodePanel(const uint8_t* w, size_t ws, int rows, int64_t b0, int64_t kb,
                 Panel* p) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  for (int64_t i = 0; i < kb; ++i) {
    const uint8_t* blk = w + (b0 + i) * kWB;
    for (int r = 0; r < kHalves * kRows; ++r) {
      p->d[i][r] = kFull || r < rows ? BlockScaleBits(blk + r * ws) : 0;
    }
    for (int h = 0; h < kHalves; ++h) {
      const int hr = std::min(std::max(rows - h * kRows, 0), kRows);
      if (kFull || hr > 0) {
        PrefetchRowsAhead<kQ4, kHalves * kRows>(blk + h * kRows * ws, b0 + i,
                                                ws);
        DecodeBlock<kQ4, kFull>(blk + h * kRows * ws, ws, hr, p->w[i][h]);
      }
    }
  }
}

// Scale and bias of tokens [0, nt) x blocks [b0, b0 + kb) into a (entry t * kb
// + i).
template <bool kQ4>
void BuildActs(const uint8_t* xq, size_t xs, int64_t nt, int64_t b0, int64_t kb,
               ActTable* a) {
  const __m256i ones = _mm256_set1_epi8(1);
  const int32_t k = kQ4 ? -8 : -128;
  for (int64_t t = 0; t < nt; ++t) {
    const uint8_t* blk = xq + t * xs + b0 * sizeof(BlockQ8_0);
    for (int64_t i = 0; i < kb; ++i, blk += sizeof(BlockQ8_0)) {
      const __m256i q =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
      __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones, q);
      __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s),
                                _mm256_extracti128_si256(s, 1));
      h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
      h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
      a->d[t * kb + i] = _cvtsh_ss(BlockScaleBits(blk));
      a->bias[t * kb + i] = k * _mm_cvtsi128_si32(h);
    }
  }
}

// acc + per-lane 4-byte dot of u8 lanes of w with the s8 dword at a broadcast
// to all lanes, as one instruction with an embedded-broadcast memory operand
// (GCC emits a separate vpbroadcastd for the intrinsic form; the extra
// instruction per vpdpbusd was the tile's front-end limit).
inline __m512i DotBroadcast(__m512i acc, __m512i w, const uint8_t* a) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0"
          : "+v"(acc)
          : "v"(w), "m"(*reinterpret_cast<const int32_t*>(a)));
  return acc;
}

// v * (the float at p, broadcast), one instruction like DotBroadcast.
inline __m512 MulBroadcast(__m512 v, const float* p) {
  __m512 r;
  __asm__("vmulps %2%{1to16%}, %1, %0" : "=v"(r) : "v"(v), "m"(*p));
  return r;
}

// T tokens x 32 rows over the panel's kb blocks. xq points at block b0 of
// token 0; act entries (t, i) at t * act_stride + i. Adds to y (masked to the
// tile's rows: m[h] for half h) when `accumulate`, else overwrites.
//
// Each activation dword is broadcast into a register once and meets both
// halves (2 vpdpbusd per load), and the per-(token, block) work (bias, scale,
// convert, FMA) is shared by 16 vpdpbusd: with 16-row tiles the loads (one
// broadcast per vpdpbusd) held the tile to ~36% of the int8 peak. 2T
// independent chains of 8 vpdpbusd keep the pipes fed.
template <int T>
void Tile(const Panel& p, int64_t kb, const uint8_t* xq, size_t xs,
          const float* ad, const int32_t* abias, int64_t act_stride,
          bool accumulate, const __mmask16 m[kHalves], float* y, int64_t ldy) {
  __m512 acc[kHalves][T];
  for (int h = 0; h < kHalves; ++h) {
    for (int t = 0; t < T; ++t) {
      acc[h][t] = accumulate
                      ? _mm512_maskz_loadu_ps(m[h], y + t * ldy + h * kRows)
                      : _mm512_setzero_ps();
    }
  }
  for (int64_t i = 0; i < kb; ++i) {
    __m512i s[kHalves][T];
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      s[0][t] = _mm512_set1_epi32(abias[t * act_stride + i]);
      for (int h = 1; h < kHalves; ++h) s[h][t] = s[0][t];
    }
#pragma GCC unroll 8
    for (int g = 0; g < kGroups; ++g) {
      __m512i wv[kHalves];
      for (int h = 0; h < kHalves; ++h)
        wv[h] = _mm512_load_si512(&p.w[i][h][g]);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        int32_t a32;
        std::memcpy(&a32, xq + t * xs + i * sizeof(BlockQ8_0) + 2 + 4 * g, 4);
        const __m512i a = _mm512_set1_epi32(a32);
        for (int h = 0; h < kHalves; ++h)
          s[h][t] = _mm512_dpbusd_epi32(s[h][t], wv[h], a);
      }
    }
    __m512 dw[kHalves];
    for (int h = 0; h < kHalves; ++h) {
      dw[h] = _mm512_cvtph_ps(_mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(p.d[i] + h * kRows)));
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const __m512 da = _mm512_set1_ps(ad[t * act_stride + i]);
      for (int h = 0; h < kHalves; ++h) {
        acc[h][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[h][t]),
                                    _mm512_mul_ps(dw[h], da), acc[h][t]);
      }
    }
  }
  for (int h = 0; h < kHalves; ++h) {
    for (int t = 0; t < T; ++t) {
      _mm512_mask_storeu_ps(y + t * ldy + h * kRows, m[h], acc[h][t]);
    }
  }
}

using TileFn = void (*)(const Panel&, int64_t, const uint8_t*, size_t,
                        const float*, const int32_t*, int64_t, bool,
                        const __mmask16*, float*, int64_t);
template <int... kT>
constexpr std::array<TileFn, sizeof...(kT) + 1> MakeTiles(
    std::integer_sequence<int, kT...>) {
  return {nullptr, Tile<kT + 1>...};
}
constexpr auto kTiles =
    MakeTiles(std::make_integer_sequence<int, kTileTokens>());

// Half h's lane mask for a tile of `rows` valid rows.
inline __mmask16 HalfMask(int rows, int h) {
  const int hr = std::min(std::max(rows - h * kRows, 0), kRows);
  return static_cast<__mmask16>((1u << hr) - 1);
}

template <bool kQ4, bool kFull>
void RowTile(const uint8_t* w, size_t ws, int rows, const Chunk& c, float* y,
             Panel* panel) {
  __mmask16 m[kHalves];
  for (int h = 0; h < kHalves; ++h) m[h] = HalfMask(rows, h);
  for (int64_t pb = 0; pb < c.kb; pb += kPanelBlocks) {
    const int64_t kb = std::min(kPanelBlocks, c.kb - pb);
    DecodePanel<kQ4, kFull>(w, ws, rows, c.b0 + pb, kb, panel);
    const bool accumulate = c.b0 + pb > 0;
    for (int64_t t = 0; t < c.nt; t += kTileTokens) {
      const int64_t tt = std::min<int64_t>(kTileTokens, c.nt - t);
      kTiles[tt](*panel, kb, c.xq + t * c.xs + (c.b0 + pb) * sizeof(BlockQ8_0),
                 c.xs, c.acts->d + t * c.kb + pb, c.acts->bias + t * c.kb + pb,
                 c.kb, accumulate, m, y + t * c.ldy, c.ldy);
    }
  }
}

// The int32 dot products of one block of the tile's rows [0, rows) with the
// token's block (a: its 32 int8 values), plus bias, one per lane. Q4_0 masks
// the high nibbles in place (x & 0xf0 = 16 * nibble): vpdpbusd sums them 16x
// in an accumulator of their own, which an exact arithmetic shift by 4 scales
// back, so the sums equal DecodeBlock's with 3 fewer instructions per block.
template <bool kQ4, bool kFull>
inline __m512i BlockDot(const uint8_t* blk, size_t ws, int rows,
                        const uint8_t* a, int32_t bias) {
  __m512i s0 = _mm512_set1_epi32(bias);
  __m512i s1 = _mm512_setzero_si512();
  if (kQ4) {
    __m512i g[4];
    Transpose16x4<kFull>(blk + 2, ws, rows, g);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m512i high4 = _mm512_set1_epi8(static_cast<char>(0xf0));
    for (int j = 0; j < 4; ++j) {
      s0 = DotBroadcast(s0, _mm512_and_si512(g[j], low4), a + 4 * j);
      s1 = DotBroadcast(s1, _mm512_and_si512(g[j], high4), a + 16 + 4 * j);
    }
    return _mm512_add_epi32(s0, _mm512_srai_epi32(s1, 4));
  }
  __m512i g[kGroups];
  DecodeBlock<kQ4, kFull>(blk, ws, rows, g);
  for (int j = 0; j < kGroups; j += 2) {
    s0 = DotBroadcast(s0, g[j], a + 4 * j);
    s1 = DotBroadcast(s1, g[j + 1], a + 4 * j + 4);
  }
  return _mm512_add_epi32(s0, s1);
}

// Decode (one token): the 16 rows w + j * stride (j < rows) over blocks [b0,
// b0 + kb), straight from the matrix (no panel round trip through memory);
// the 16 row scales of a block come from one gather. Row j's output is y[j *
// ys]. xq and the act entries start at block b0.
template <bool kQ4, bool kFull>
void GemvTile(const uint8_t* w, size_t stride, int rows, int64_t b0, int64_t kb,
              const uint8_t* xq, const ActTable& acts, bool accumulate,
              float* y, int64_t ys) {
  constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1);
  const __m512i offs = _mm512_mullo_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
      _mm512_set1_epi32(static_cast<int>(stride)));
  alignas(64) float out[kRows] = {};
  for (int j = 0; j < rows && accumulate; ++j) out[j] = y[j * ys];
  __m512 acc = _mm512_load_ps(out);
  for (int64_t i = 0; i < kb; ++i) {
    const uint8_t* blk = w + (b0 + i) * kWB;
    const __m512i sum = BlockDot<kQ4, kFull>(
        blk, stride, rows, xq + i * sizeof(BlockQ8_0) + 2, acts.bias[i]);
    const __m512i d32 = kFull ? _mm512_i32gather_epi32(offs, blk, 1)
                              : _mm512_mask_i32gather_epi32(
                                    _mm512_setzero_si512(), m, offs, blk, 1);
    const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d32));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), MulBroadcast(dw, acts.d + i),
                          acc);
  }
  _mm512_store_ps(out, acc);
  for (int j = 0; j < rows; ++j) y[j * ys] = out[j];
}

// Decode row order. Rows [r0, r1) are read as groups of 16 bands of S
// consecutive rows (S = (r1 - r0) / 16, up to kMaxBandRows): tile k of a group
// takes row k of every band (rows g + k + j * S), so each tile's 16 row reads
// continue the previous tile's, and the matrix is read as 16 long ascending
// streams that the hardware prefetchers carry; the leftover < 16 rows are one
// partial tile. Contiguous 16-row tiles read 16 short interleaved streams (864
// bytes each at 1536 columns of Q4_0) that no hardware prefetcher learns;
// software prefetches carried them, each holding a line-fill buffer for the
// whole DRAM latency, and that capped a core at ~11-12 GB/s where a plain read
// streams 14.5 (KVM Xeon, weights in 2 MiB pages). Measured there, 12288x1536
// Q4_0 cold, 1 / 2 threads: contiguous tiles + software prefetch 11.1-11.7 /
// 22.0-22.2 GB/s, bands of 32 rows and no software prefetch 13.7 / 26.3.
//
// kMaxBandRows: one group over a whole LM-head share (S = 2048) streamed
// 22.8-25.2 GB/s, groups of 64-96 rows 25.7-28.8, of 128-256 rows 20.4-24.8
// (262144x1536 Q4_0, cold, 2 threads); layer shapes (S = 80-160) measured the
// same with and without the cap.
constexpr int64_t kMaxBandRows = 96;

// Band rows S for `rows` rows left: at most kMaxBandRows and the reach of the
// gather offsets (15 * S * ws < 2^31); 0 when fewer than 16 rows are left.
inline int64_t BandRows(int64_t rows, size_t ws) {
  const int64_t reach =
      INT32_MAX / (static_cast<int64_t>(kRows - 1) * static_cast<int64_t>(ws));
  return std::min({rows / kRows, reach, kMaxBandRows});
}

template <bool kQ4>
void Gemv(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
          const uint8_t* xq, float* y) {
  ActTable acts;
  for (int64_t b0 = 0; b0 < nb; b0 += kActEntries) {
    const int64_t kb = std::min(kActEntries, nb - b0);
    BuildActs<kQ4>(xq, 0, 1, b0, kb, &acts);
    const uint8_t* xb = xq + b0 * sizeof(BlockQ8_0);
    int64_t r = r0;
    for (int64_t S; (S = BandRows(r1 - r, ws)) > 0; r += kRows * S) {
      for (int64_t k = 0; k < S; ++k) {
        GemvTile<kQ4, true>(w + (r + k) * ws, S * ws, kRows, b0, kb, xb, acts,
                            b0 > 0, y + r + k, S);
      }
    }
    if (r < r1) {
      GemvTile<kQ4, false>(w + r * ws, ws, static_cast<int>(r1 - r), b0, kb, xb,
                           acts, b0 > 0, y + r, 1);
    }
  }
}

// The RunRowTiles policy (quant/x86/row_tiles.h) of these kernels.
template <bool kQ4>
struct VnniRows {
  static constexpr int kRows = kHalves * avx512::kRows;
  static constexpr int64_t kPanelBlocks = avx512::kPanelBlocks;
  static constexpr int64_t kChunkTokens = avx512::kChunkTokens;
  using Panel = avx512::Panel;
  static void BuildActs(const uint8_t* xq, size_t xs, int64_t nt, int64_t b0,
                        int64_t kb, ActTable* a) {
    avx512::BuildActs<kQ4>(xq, xs, nt, b0, kb, a);
  }
  template <bool kFull>
  static void RowTile(const uint8_t* w, size_t ws, int rows, const Chunk& c,
                      float* y, Panel* panel) {
    avx512::RowTile<kQ4, kFull>(w, ws, rows, c, y, panel);
  }
};

template <bool kQ4>
void Gemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
          const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  // The gather offsets of Gemv are int32 (15 row strides).
  if (n == 1 && ws <= (size_t{1} << 26)) {
    Gemv<kQ4>(w, ws, r0, r1, nb, xq, y);
    return;
  }
  RunRowTiles<VnniRows<kQ4>>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace

void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  Gemm<true>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  Gemm<false>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
