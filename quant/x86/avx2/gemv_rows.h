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

// Software prefetch (measured on a Xeon, cold weights, 1 thread): tiles of at
// most kPrefetchTileBytes (short rows) prefetch the next tile, the next 8 * ws
// bytes of a packed matrix, over this tile's pass.
constexpr size_t kPrefetchTileBytes = 16384;

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

// Row pointers of the tile at row r of [.., r1) (rows past r1 repeat row r:
// read, never stored); returns the number of valid rows. *next: the next
// tile's bytes when short packed rows (row_bytes = ws, tile <= 16 KB) make a
// next-tile prefetch worth it, else null (prefetches never fault, so past r1 is
// harmless).
inline int TileRows(const uint8_t* w, size_t ws, size_t row_bytes, int64_t r,
                    int64_t r1, const uint8_t* row[kTileRows],
                    const char** next) {
  const int rows = static_cast<int>(std::min<int64_t>(kTileRows, r1 - r));
  for (int k = 0; k < kTileRows; ++k) {
    row[k] = w + (r + (k < rows ? k : 0)) * ws;
  }
  *next = ws == row_bytes && kTileRows * ws <= kPrefetchTileBytes &&
                  r + kTileRows < r1
              ? reinterpret_cast<const char*>(w + (r + kTileRows) * ws)
              : nullptr;
  return rows;
}

}  // namespace
}  // namespace avx2
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX2_GEMV_ROWS_H_
