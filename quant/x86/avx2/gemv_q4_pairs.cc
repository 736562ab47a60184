// AVX2 Q4_0 x Q8_0 decode gemv (one token) without VNNI: row pairs in the two
// 128-bit halves of a ymm, straight from the GGUF block layout (no transpose,
// no decoded panel, no repacked copy of the weights).
//
// A tile is 8 rows; pair k holds row k in the low half and row k + 4 in the
// high half, so one 16-byte load per row gives 32 nibbles: v & 0x0f are
// elements 0..15 of both rows, (v >> 4) & 0x0f elements 16..31, which meet the
// block's activation bytes 0..15 / 16..31 broadcast to both halves (loaded
// once per block for all rows). Per pair and block: vpmaddubsw x 2 + add give
// 8 int16 pair sums per row (each |.| <= 2 * 2 * 15 * 127 = 7620). Two
// vphaddw levels over the 4 pairs (|.| <= 4 * 7620 = 30480, still int16) and
// one vpmaddwd leave one int32 per row, in row order 0..7, so the block's
// scales (8 f16 row scales x the activation scale) and the -8 * sum(a) bias
// are applied once per 8 rows: about 8 instructions per 18-byte row block,
// against 12 for the transpose-and-panel kernel of gemm_q4_rows.cc.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "quant/blocks.h"
#include "quant/x86/avx2/avx2.h"
#include "quant/x86/avx2/gemv_rows.h"
#include "quant/x86/avx2/q4_acts.h"
#include "quant/x86/row_tiles.h"

namespace edgemma {
namespace avx2 {
namespace {

inline __m256i LoadPair(const uint8_t* lo, const uint8_t* hi) {
  return _mm256_inserti128_si256(
      _mm256_castsi128_si256(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(hi)), 1);
}

// int16 pair sums of one row pair's block (packed nibbles v) with the
// activations: [low row: 8 | high row: 8].
inline __m256i PairDot(__m256i v, __m256i a_lo, __m256i a_hi) {
  const __m256i m = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(v, m);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m);
  return _mm256_add_epi16(_mm256_maddubs_epi16(lo, a_lo),
                          _mm256_maddubs_epi16(hi, a_hi));
}

// Rows row[0..8) (row[r]: block 0 of that row; duplicates allowed for a
// partial tile) over blocks [b0, b0 + kb): out[r] = sum over the blocks.
// xq: the token's Q8_0 row; ad/abias: activation scale and -8 * sum(a) of
// block b0 + i at entry i.
template <size_t kAhead>
void Tile8(const uint8_t* const row[kTileRows], int64_t b0, int64_t kb,
           const uint8_t* xq, const float* ad, const int32_t* abias,
           float out[kTileRows]) {
  const __m256i ones16 = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < kb; ++i) {
    const int64_t b = b0 + i;
    const uint8_t* a = xq + b * sizeof(BlockQ8_0) + 2;
    const __m256i a_lo = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(a)));
    const __m256i a_hi = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + 16)));
    const size_t off = static_cast<size_t>(b) * sizeof(BlockQ4_0);
    PrefetchBandsAhead<sizeof(BlockQ4_0), kAhead>(row, off);
    __m256i s[4];
    for (int k = 0; k < 4; ++k) {
      s[k] =
          PairDot(LoadPair(row[k] + off + 2, row[k + 4] + off + 2), a_lo, a_hi);
    }
    // [r0 r1 r2 r3 | r4 r5 r6 r7], one int32 each.
    const __m256i h =
        _mm256_madd_epi16(_mm256_hadd_epi16(_mm256_hadd_epi16(s[0], s[1]),
                                            _mm256_hadd_epi16(s[2], s[3])),
                          ones16);
    const __m256 scale =
        _mm256_mul_ps(RowScales(row, off), _mm256_set1_ps(ad[i]));
    const __m256i sum = _mm256_add_epi32(h, _mm256_set1_epi32(abias[i]));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), scale, acc);
  }
  _mm256_storeu_ps(out, acc);
}

template <size_t kAhead>
void Gemv(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
          const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  if (n > 1) {
    GemmQ4_0Q8_0(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
    return;
  }
  ActTable acts;  // one token: windows of up to kActEntries blocks
  for (int64_t b0 = 0; b0 < nb; b0 += kActEntries) {
    const int64_t kb = std::min(kActEntries, nb - b0);
    BuildActs(xq, xs, 1, b0, kb, &acts);
    BandedRows(w, ws, r0, r1, b0 > 0, y,
               [&](const uint8_t* const* row, float* out) {
                 Tile8<kAhead>(row, b0, kb, xq, acts.d, acts.bias, out);
               });
  }
}

}  // namespace

void GemvQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  Gemv<0>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

void GemvQ4_0Q8_0Amd(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                     int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                     float* y, int64_t ldy) {
  Gemv<kAmdAhead>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx2
}  // namespace edgemma
