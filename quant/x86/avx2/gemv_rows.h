// Shared parts of the AVX2 decode gemvs (gemv_q4_pairs.cc, gemv_q8_rows.cc):
// 8-row tiles read straight from the GGUF block layout, one int32 per row per
// block after the int8 products, so the 8 row scales are converted at once.
// Include ONLY from quant/x86/avx2/ translation units (anonymous namespace,
// AVX2 + F16C flags).
#ifndef EDGEMMA_QUANT_X86_AVX2_GEMV_ROWS_H_
#define EDGEMMA_QUANT_X86_AVX2_GEMV_ROWS_H_

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace edgemma {
namespace avx2 {
namespace {

constexpr int kTileRows = 8;

inline uint16_t Scale16(const uint8_t* blk) {
  uint16_t h;
  std::memcpy(&h, blk, 2);
  return h;
}

// The f16 scales of the blocks at byte offset off of the tile's 8 rows, as f32
// in row order.
inline __m256 RowScales(const uint8_t* const row[kTileRows], size_t off) {
  return _mm256_cvtph_ps(_mm_setr_epi16(
      Scale16(row[0] + off), Scale16(row[1] + off), Scale16(row[2] + off),
      Scale16(row[3] + off), Scale16(row[4] + off), Scale16(row[5] + off),
      Scale16(row[6] + off), Scale16(row[7] + off)));
}

// Decode row order, as in quant/x86/avx512/gemm_q8_rows.cc (BandRows): a
// thread's rows [r0, r1) are read as groups of 8 bands of S consecutive rows,
// tile k of a group taking row k of every band (rows g + k + j * S), so each
// tile's 8 row reads continue the previous tile's and the hardware prefetchers
// carry 8 long streams (contiguous tiles read 8 short interleaved streams that
// only software prefetches carried). The leftover < 8 rows are one partial
// tile (TileRows).
//
// kMaxBandRows: the LM head (262144x1536 Q4_0, cold, 2 threads) streamed
// 25.5-25.7 GB/s as one group per thread share, 27.1-30.3 in groups of 96;
// layer shapes the same or better.
constexpr int64_t kMaxBandRows = 96;

// Band rows S for the rows left from g to r1 (0: fewer than 8 left).
inline int64_t BandRows(int64_t g, int64_t r1) {
  return std::min((r1 - g) / kTileRows, kMaxBandRows);
}

// Decode on AMD (kAhead > 0): when a tile's rows at byte offset `off` cross a
// cache line before block size kWB, the line kAhead bytes further along each
// of the 8 band streams is fetched (prefetchnta). On Zen 5 (AVX2 kernels, E2B
// layer gemvs, 2 threads) 37-39 -> 43-45 GB/s with 2048 bytes ahead (512-3072
// all gain). kAvx2Kernels keeps kAhead = 0 (unmeasured on Intel with bands).
template <size_t kWB, size_t kAhead>
inline void PrefetchBandsAhead(const uint8_t* const row[kTileRows],
                               size_t off) {
  if (kAhead == 0 || off / 64 == (off + kWB) / 64) return;
  for (int j = 0; j < kTileRows; ++j) {
    _mm_prefetch(reinterpret_cast<const char*>(row[j] + off + kAhead),
                 _MM_HINT_NTA);
  }
}

// Bytes ahead of the AMD decode prefetch.
constexpr size_t kAmdAhead = 2048;

// Row pointers of band tile k of the group at row g with S rows per band:
// row[j] = row g + k + j * S (output y[g + k + j * S]).
inline void BandTileRows(const uint8_t* w, size_t ws, int64_t g, int64_t S,
                         int64_t k, const uint8_t* row[kTileRows]) {
  for (int j = 0; j < kTileRows; ++j) row[j] = w + (g + k + j * S) * ws;
}

// Row pointers of the partial tile at row r of [.., r1) (rows past r1 repeat
// row r: read, never stored); returns the number of valid rows.
inline int TileRows(const uint8_t* w, size_t ws, int64_t r, int64_t r1,
                    const uint8_t* row[kTileRows]) {
  const int rows = static_cast<int>(std::min<int64_t>(kTileRows, r1 - r));
  for (int k = 0; k < kTileRows; ++k) {
    row[k] = w + (r + (k < rows ? k : 0)) * ws;
  }
  return rows;
}

// The decode row walk both AVX2 gemvs share: tile(row, out) over rows [r0,
// r1) in band order (groups of bands, then one partial tile), each out[j]
// written to its row's y (added to it when `accumulate`).
template <class TileFn>
void BandedRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                bool accumulate, float* y, TileFn tile) {
  const uint8_t* row[kTileRows];
  float out[kTileRows];
  auto put = [&](int64_t i, float v) { y[i] = accumulate ? y[i] + v : v; };
  int64_t g = r0;
  for (int64_t S; (S = BandRows(g, r1)) > 0; g += kTileRows * S) {
    for (int64_t k = 0; k < S; ++k) {
      BandTileRows(w, ws, g, S, k, row);
      tile(row, out);
      for (int j = 0; j < kTileRows; ++j) put(g + k + j * S, out[j]);
    }
  }
  if (g < r1) {
    const int rows = TileRows(w, ws, g, r1, row);
    tile(row, out);
    for (int k = 0; k < rows; ++k) put(g + k, out[k]);
  }
}

}  // namespace
}  // namespace avx2
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX2_GEMV_ROWS_H_
