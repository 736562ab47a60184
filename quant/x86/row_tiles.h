// The ISA-independent part of the rows-in-lanes int8 kernels
// (quant/x86/avx2/gemm_q4_rows.cc, quant/x86/avx512/gemm_q8_rows.cc): row
// loads, the activation table, and the loop over token chunks, block windows
// and row tiles. Include ONLY from those translation units; everything is in an
// anonymous namespace so each gets its own copy compiled with its own flags.
//
// A kernel policy K provides: kRows (rows per tile), kPanelBlocks (blocks per
// decoded panel), kChunkTokens (tokens per activation table: the weights are
// decoded once per chunk, so more tokens amortise the decode), Panel (its
// decoded weights), BuildActs(xq, xs, nt, b0, kb, ActTable*) (scale and bias of
// tokens [0, nt) x blocks [b0, b0 + kb), entry t * kb + i), and
// RowTile<kFull>(w, ws, rows, chunk, y, Panel*) (rows [0, rows) of the tile at
// w, all tokens and blocks of the chunk, adding to y when chunk.b0 > 0).
#ifndef EDGEMMA_QUANT_X86_ROW_TILES_H_
#define EDGEMMA_QUANT_X86_ROW_TILES_H_

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant/blocks.h"

namespace edgemma {
namespace {

constexpr int kRowGroups = 8;          // 4-byte groups per 32-element block
constexpr int64_t kChunkTokens = 32;   // default tokens per activation table
constexpr int64_t kActEntries = 8192;  // (token, block) pairs per table

// Activation side of a chunk of tokens x window of kb blocks, entry t * kb +
// i (64 KB: lives on the kernel's stack).
struct ActTable {
  float d[kActEntries];       // f32 scale
  int32_t bias[kActEntries];  // -8 * sum(a) (Q4) or -128 * sum(a) (Q8)
};

// 16 bytes of row r (zeros past the tile's valid rows).
template <bool kFull>
inline __m128i Row16(const uint8_t* p, size_t ws, int r, int rows) {
  if (!kFull && r >= rows) return _mm_setzero_si128();
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + r * ws));
}

// Everything a row tile needs for one (token chunk, block window).
struct Chunk {
  const uint8_t* xq;  // token 0 of the chunk, block 0
  size_t xs;
  int64_t nt, b0, kb;  // tokens; block window [b0, b0 + kb)
  const ActTable* acts;
  int64_t ldy;
};

// Whole 32-token chunks (full register tiles); rows longer than the table
// (256 blocks at 32 tokens) go in equal windows of whole panels. Weights are
// decoded once per (row tile, panel, chunk) and used by all its tokens.
template <class K>
void RunRowTiles(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                 int64_t ldy) {
  ActTable acts;
  typename K::Panel panel;
  const int64_t nt_max = std::min(K::kChunkTokens, n);
  const int64_t cap = kActEntries / K::kChunkTokens;
  const int64_t n_windows = (nb + cap - 1) / cap;
  const int64_t per = (nb + n_windows - 1) / n_windows;
  const int64_t window = std::min(
      cap, (per + K::kPanelBlocks - 1) / K::kPanelBlocks * K::kPanelBlocks);
  for (int64_t t0 = 0; t0 < n; t0 += nt_max) {
    const int64_t nt = std::min(nt_max, n - t0);
    for (int64_t b0 = 0; b0 < nb; b0 += window) {
      const int64_t kb = std::min(window, nb - b0);
      K::BuildActs(xq + t0 * xs, xs, nt, b0, kb, &acts);
      const Chunk c{xq + t0 * xs, xs, nt, b0, kb, &acts, ldy};
      float* yc = y + t0 * ldy;  // [nt, ldy]
      int64_t r = r0;
      for (; r + K::kRows <= r1; r += K::kRows) {
        K::template RowTile<true>(w + r * ws, ws, K::kRows, c, yc + r, &panel);
      }
      if (r < r1) {
        K::template RowTile<false>(w + r * ws, ws, static_cast<int>(r1 - r), c,
                                   yc + r, &panel);
      }
    }
  }
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_ROW_TILES_H_
