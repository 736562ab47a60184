// AVX2 Q4_0 x Q8_0 matrix kernel, rows in lanes (see
// quant/x86/avx512/gemm_q8_rows.cc for the layout): a tile covers 8 weight
// rows, one per int32 lane of a ymm; lane r of group register g holds the 4
// nibbles of row r that meet activation bytes 4g..4g+3. Without VNNI the block
// dot is vpmaddubsw (u8 nibbles x s8 activation dword broadcast) into int16
// pair sums, which stay below 2 * 15 * 127 = 3810 each, so all 8 groups of a
// block are summed in int16 (8 * 3810 < 32767) and widened once with vpmaddwd:
// 2 instructions per 32 MACs plus 5 per block and (row group, token) (widen,
// bias, convert, scale, FMA), all on the same 3 vector ports: at most 16 / 20
// of the vpmaddubsw + vpaddw peak (bench/common/peak_avx2.cc). A
// register-resident probe of the 8-group loop alone reaches ~0.85 of its port
// limit (AVX-512 Xeon, 2026); the whole kernel ~0.5 of the peak.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "quant/blocks.h"
#include "quant/x86/avx2/avx2.h"
#include "quant/x86/avx2/q4_acts.h"
#include "quant/x86/row_tiles.h"

namespace edgemma {
namespace avx2 {
namespace {

constexpr int kRows = 8;              // rows per tile (int32 lanes of a ymm)
constexpr int kGroups = kRowGroups;   // 4-byte groups per 32-element block
constexpr int64_t kPanelBlocks = 16;  // blocks per decoded panel (16 KB)
constexpr int kTileTokens = 4;        // tokens per register tile

struct Panel {
  __m256i w[kPanelBlocks][kGroups];  // lane r: 4 nibbles of row r
  uint16_t d[kPanelBlocks][kRows];   // f16 scale of (block, row); 0 past rows
};

inline int32_t Load32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Blocks [b0, b0 + kb) of rows [0, rows) of the tile at w: 8x4 dword
// transpose of the packed nibbles, then low / high nibbles as groups g, g + 4.
template <bool kFull>
void DecodePanel(const uint8_t* w, size_t ws, int rows, int64_t b0, int64_t kb,
                 Panel* p) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  for (int64_t i = 0; i < kb; ++i) {
    const uint8_t* blk = w + (b0 + i) * sizeof(BlockQ4_0);
    for (int r = 0; r < kRows; ++r) {
      p->d[i][r] = kFull || r < rows ? BlockScaleBits(blk + r * ws) : 0;
    }
    __m256i v[4];  // 128-bit half h of v[i] holds row 4h + i
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_inserti128_si256(
          _mm256_castsi128_si256(Row16<kFull>(blk + 2, ws, k, rows)),
          Row16<kFull>(blk + 2, ws, 4 + k, rows), 1);
    }
    const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]);
    const __m256i t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]);
    const __m256i t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    const __m256i g[4] = {
        _mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
        _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
    for (int j = 0; j < 4; ++j) {
      p->w[i][j] = _mm256_and_si256(g[j], low4);
      p->w[i][j + 4] = _mm256_and_si256(_mm256_srli_epi16(g[j], 4), low4);
    }
  }
}

// T tokens x 8 rows over the panel's kb blocks; xq at block b0 of token 0, act
// entries (t, i) at t * act_stride + i. Adds to y[t * ldy + r], r < rows, when
// `accumulate`.
template <int T>
void Tile(const Panel& p, int64_t kb, const uint8_t* xq, size_t xs,
          const float* ad, const int32_t* abias, int64_t act_stride,
          bool accumulate, int rows, float* y, int64_t ldy) {
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  const __m256i ones16 = _mm256_set1_epi16(1);
  for (int64_t i = 0; i < kb; ++i) {
    const __m256 dw = _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p.d[i])));
    __m256i s[T];
    for (int t = 0; t < T; ++t) s[t] = _mm256_setzero_si256();
    for (int g = 0; g < kGroups; ++g) {
      const __m256i wg = _mm256_load_si256(&p.w[i][g]);
      for (int t = 0; t < T; ++t) {
        const uint8_t* a = xq + t * xs + i * sizeof(BlockQ8_0) + 2 + 4 * g;
        s[t] = _mm256_add_epi16(
            s[t], _mm256_maddubs_epi16(wg, _mm256_set1_epi32(Load32(a))));
      }
      // Keeps each group's adds here: GCC otherwise reassociates the int16
      // sums, issues all 8 x T vpmaddubsw first and spills their results.
      for (int t = 0; t < T; ++t) __asm__("" : "+x"(s[t]));
    }
    for (int t = 0; t < T; ++t) {
      const __m256i s32 =
          _mm256_add_epi32(_mm256_madd_epi16(s[t], ones16),
                           _mm256_set1_epi32(abias[t * act_stride + i]));
      const __m256 scale =
          _mm256_mul_ps(dw, _mm256_set1_ps(ad[t * act_stride + i]));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s32), scale, acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) {
    alignas(32) float v[kRows];
    _mm256_store_ps(v, acc[t]);
    float* yt = y + t * ldy;
    for (int r = 0; r < rows; ++r) yt[r] = accumulate ? yt[r] + v[r] : v[r];
  }
}

using TileFn = void (*)(const Panel&, int64_t, const uint8_t*, size_t,
                        const float*, const int32_t*, int64_t, bool, int,
                        float*, int64_t);
constexpr TileFn kTiles[kTileTokens + 1] = {nullptr, Tile<1>, Tile<2>, Tile<3>,
                                            Tile<4>};

template <bool kFull>
void RowTile(const uint8_t* w, size_t ws, int rows, const Chunk& c, float* y,
             Panel* panel) {
  for (int64_t pb = 0; pb < c.kb; pb += kPanelBlocks) {
    const int64_t kb = std::min(kPanelBlocks, c.kb - pb);
    DecodePanel<kFull>(w, ws, rows, c.b0 + pb, kb, panel);
    for (int64_t t = 0; t < c.nt; t += kTileTokens) {
      const int64_t tt = std::min<int64_t>(kTileTokens, c.nt - t);
      kTiles[tt](*panel, kb, c.xq + t * c.xs + (c.b0 + pb) * sizeof(BlockQ8_0),
                 c.xs, c.acts->d + t * c.kb + pb, c.acts->bias + t * c.kb + pb,
                 c.kb, c.b0 + pb > 0, rows, y + t * c.ldy, c.ldy);
    }
  }
}

// The RunRowTiles policy (quant/x86/row_tiles.h) of this kernel.
struct MaddubsRows {
  static constexpr int kRows = avx2::kRows;
  static constexpr int64_t kPanelBlocks = avx2::kPanelBlocks;
  static constexpr int64_t kChunkTokens = 128;
  using Panel = avx2::Panel;
  static void BuildActs(const uint8_t* xq, size_t xs, int64_t nt, int64_t b0,
                        int64_t kb, ActTable* a) {
    avx2::BuildActs(xq, xs, nt, b0, kb, a);
  }
  template <bool kFull>
  static void RowTile(const uint8_t* w, size_t ws, int rows, const Chunk& c,
                      float* y, Panel* panel) {
    avx2::RowTile<kFull>(w, ws, rows, c, y, panel);
  }
};

}  // namespace

void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  RunRowTiles<MaddubsRows>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx2
}  // namespace edgemma
