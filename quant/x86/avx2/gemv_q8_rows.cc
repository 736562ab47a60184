// AVX2 Q8_0 x Q8_0 decode gemv (one token) without VNNI, straight from the
// GGUF block layout. A tile is 8 rows; per block each row gives one
// vpmaddubsw(|w|, sign(a, w)) (pair sums |.| <= 2 * 128 * 127 = 32512, so no
// int16 sums across rows) and one vpmaddwd into 8 int32; a vphaddd tree and one
// cross-lane add leave one int32 per row in row order, so the 8 row scales x
// the activation scale are applied once per 8 rows per block (the 4 x 1 block
// tile of quant/x86/int8_tiles.h converts and scales every row block on its
// own). Rows are read in bands (gemv_rows.h) as gemv_q4_pairs.cc does.
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/x86/avx2/avx2.h"
#include "quant/x86/avx2/gemv_rows.h"

namespace edgemma {
namespace avx2 {
namespace {

// Rows row[0..8) (duplicates allowed for a partial tile) over nb blocks of the
// token's Q8_0 row xq: out[r].
template <size_t kAhead>
void Tile8(const uint8_t* const row[kTileRows], int64_t nb, const uint8_t* xq,
           float out[kTileRows]) {
  constexpr size_t kWB = sizeof(BlockQ8_0);
  const __m256i ones16 = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const size_t off = static_cast<size_t>(b) * kWB;
    PrefetchBandsAhead<kWB, kAhead>(row, off);
    const __m256i a =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + off + 2));
    __m256i m[kTileRows];
    for (int r = 0; r < kTileRows; ++r) {
      const __m256i w = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(row[r] + off + 2));
      m[r] = _mm256_madd_epi16(
          _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w)),
          ones16);
    }
    // q0 = [r0 r1 r2 r3 (low half sums) | r0 r1 r2 r3 (high half sums)].
    const __m256i q0 = _mm256_hadd_epi32(_mm256_hadd_epi32(m[0], m[1]),
                                         _mm256_hadd_epi32(m[2], m[3]));
    const __m256i q1 = _mm256_hadd_epi32(_mm256_hadd_epi32(m[4], m[5]),
                                         _mm256_hadd_epi32(m[6], m[7]));
    const __m256i sum =
        _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20),
                         _mm256_permute2x128_si256(q0, q1, 0x31));
    const __m256 scale = _mm256_mul_ps(
        RowScales(row, off), _mm256_set1_ps(_cvtsh_ss(Scale16(xq + off))));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), scale, acc);
  }
  _mm256_storeu_ps(out, acc);
}

template <size_t kAhead>
void Gemv(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
          const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  if (n > 1) {
    GemmQ8_0Q8_0(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
    return;
  }
  BandedRows(w, ws, r0, r1, false, y,
             [&](const uint8_t* const* row, float* out) {
               Tile8<kAhead>(row, nb, xq, out);
             });
}

}  // namespace

void GemvQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  Gemv<0>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

void GemvQ8_0Q8_0Amd(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                     int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                     float* y, int64_t ldy) {
  Gemv<kAmdAhead>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx2
}  // namespace edgemma
