// AVX-512 VNNI Q4_0 x Q8_0 decode gemv (one token) that reads each weight row
// as one contiguous stream, four blocks per step, straight from the GGUF
// layout (no transpose, no decoded panel, no copy).
//
// Four Q4_0 blocks are 72 bytes = 36 words: a 64-byte load and an 8-byte load.
// One vpermt2w gathers their 4 x 16 nibble bytes into the four 128-bit lanes
// of a zmm (lane j = block j), one vpermw their 4 f16 scales, each repeated
// over its lane's 4 dwords. Against activations laid out the same way per
// token (lane j: bytes 0..15 of block j for the low nibbles, 16..31 for the
// high ones), two vpdpbusd leave lane j with four partial sums of block j,
// started from the -8 * sum(a) bias in its first dword. Those are converted
// and scaled in place (row scale x activation scale per lane) into an f32
// accumulator that is summed across lanes once per row. About 12 vector
// instructions per 72 weight bytes, against ~55 per 144 for the AVX2 8-row
// pair gemv (gemv_q4_pairs.cc): on Zen 5 that gemv's arithmetic took about as
// long as the DRAM reads it should hide behind.
//
// A thread's rows are read as 4 bands of consecutive rows, one row of each band
// per pass, so the hardware prefetchers see 4 long forward streams (a fresh
// short stream per row, rows in plain order, halved the rate), each also
// prefetched 2 KiB ahead.
#include <algorithm>
#include <cstdint>

#include "quant/blocks.h"
#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/intrin.h"

namespace edgemma {
namespace avx512 {
namespace {

constexpr int kQuad = 4;               // blocks per step (one per lane)
constexpr int64_t kWindowQuads = 128;  // activation table: 512 blocks
constexpr size_t kQuadBytes = kQuad * sizeof(BlockQ4_0);  // 72
// Rows per pass, each from its own band of up to kMaxBandRows consecutive rows
// (see below), and the distance of the prefetchnta ahead of each band's read.
// Zen 5, E2B layer matrices in turn, 2 threads, alternated: 8 bands 53-58 GB/s,
// 4 bands 60-64 (the AVX2 pair gemv 54-58); 1-3 KiB ahead alike, none 52-53;
// rows in plain order (a new short stream per row) 31-37.
constexpr int kRowsPerPass = 4;
constexpr int64_t kMaxBandRows = 96;
constexpr size_t kAhead = 2048;

// One token's activations for quads [0, nq) of a window.
struct QuadActs {
  __m512i lo[kWindowQuads];    // lane j: a[0..16) of block j
  __m512i hi[kWindowQuads];    // lane j: a[16..32) of block j
  __m512i bias[kWindowQuads];  // lane j: {-8 * sum(a of block j), 0, 0, 0}
  __m512 d[kWindowQuads];      // lane j: the activation scale of block j, x4
};

// Activation blocks [b0, b0 + nblk) of token row xq into quads; blocks past
// nblk are zero (no contribution).
void BuildQuadActs(const uint8_t* xq, int64_t b0, int64_t nblk, QuadActs* a) {
  const __m128i ones8 = _mm_set1_epi8(1);
  const __m128i ones16 = _mm_set1_epi16(1);
  const int64_t nq = (nblk + kQuad - 1) / kQuad;
  for (int64_t q = 0; q < nq; ++q) {
    alignas(64) int8_t lo[64] = {}, hi[64] = {};
    alignas(64) int32_t bias[16] = {};
    alignas(64) float d[16] = {};
    for (int j = 0; j < kQuad && q * kQuad + j < nblk; ++j) {
      const uint8_t* blk = xq + (b0 + q * kQuad + j) * sizeof(BlockQ8_0);
      const __m128i a0 =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2));
      const __m128i a1 =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 18));
      _mm_store_si128(reinterpret_cast<__m128i*>(lo + 16 * j), a0);
      _mm_store_si128(reinterpret_cast<__m128i*>(hi + 16 * j), a1);
      __m128i s =
          _mm_add_epi32(_mm_madd_epi16(_mm_maddubs_epi16(ones8, a0), ones16),
                        _mm_madd_epi16(_mm_maddubs_epi16(ones8, a1), ones16));
      s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
      s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
      bias[4 * j] = -8 * _mm_cvtsi128_si32(s);
      const float da = _cvtsh_ss(BlockScaleBits(blk));
      for (int k = 0; k < 4; ++k) d[4 * j + k] = da;
    }
    a->lo[q] = _mm512_load_si512(lo);
    a->hi[q] = _mm512_load_si512(hi);
    a->bias[q] = _mm512_load_si512(bias);
    a->d[q] = _mm512_load_ps(d);
  }
}

// Word indices: the nibble words of blocks 0..3 (block j's 8 words are words
// 9j + 1 .. 9j + 8 of the 72 bytes; >= 32 come from the second load), and the
// scale word 9j of block j repeated 4 times.
inline __m512i NibbleWords() {
  return _mm512_set_epi16(35, 34, 33, 32, 31, 30, 29, 28,  //
                          26, 25, 24, 23, 22, 21, 20, 19,  //
                          17, 16, 15, 14, 13, 12, 11, 10,  //
                          8, 7, 6, 5, 4, 3, 2, 1);
}
inline __m512i ScaleWords() {
  return _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                          27, 27, 27, 27, 18, 18, 18, 18, 9, 9, 9, 9, 0, 0, 0,
                          0);
}

// acc += the quad at p (whole: 72 readable bytes; else `nbytes` < 72) times
// quad q of the activations.
template <bool kWhole>
inline __m512 QuadDot(const uint8_t* p, size_t nbytes, const QuadActs& a,
                      int64_t q, __m512i nib_idx, __m512i sc_idx, __m512 acc) {
  __m512i v0, v1;
  if (kWhole) {
    v0 = _mm512_loadu_si512(p);
    v1 = _mm512_castsi128_si512(
        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 64)));
  } else {  // a short last quad: nbytes <= 54, all in the first load
    v0 = _mm512_maskz_loadu_epi8((uint64_t{1} << nbytes) - 1, p);
    v1 = _mm512_setzero_si512();
  }
  const __m512i m4 = _mm512_set1_epi8(0x0f);
  const __m512i nib = _mm512_permutex2var_epi16(v0, nib_idx, v1);
  const __m512i lo = _mm512_and_si512(nib, m4);
  const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(nib, 4), m4);
  __m512i s = _mm512_dpbusd_epi32(a.bias[q], lo, a.lo[q]);
  s = _mm512_dpbusd_epi32(s, hi, a.hi[q]);
  const __m512 dw = _mm512_cvtph_ps(
      _mm512_castsi512_si256(_mm512_permutexvar_epi16(sc_idx, v0)));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, a.d[q]), acc);
}

// R rows starting at w (stride ws) over the window's nblk blocks; out[r] =
// the row sums.
template <int R>
void Rows(const uint8_t* const row[R], int64_t nblk, const QuadActs& a,
          float out[R]) {
  const __m512i nib_idx = NibbleWords(), sc_idx = ScaleWords();
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  const int64_t whole = nblk / kQuad;
  for (int64_t q = 0; q < whole; ++q) {
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(
          reinterpret_cast<const char*>(row[r] + q * kQuadBytes + kAhead),
          _MM_HINT_NTA);
      acc[r] = QuadDot<true>(row[r] + q * kQuadBytes, kQuadBytes, a, q, nib_idx,
                             sc_idx, acc[r]);
    }
  }
  if (const int64_t left = nblk - whole * kQuad; left > 0) {
    for (int r = 0; r < R; ++r) {
      acc[r] =
          QuadDot<false>(row[r] + whole * kQuadBytes, left * sizeof(BlockQ4_0),
                         a, whole, nib_idx, sc_idx, acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]);
}

}  // namespace

void GemvQ4_0Q8_0Stream(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                        int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                        float* y, int64_t ldy) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  if (n > 1) {
    GemmQ4_0Q8_0(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
    return;
  }
  QuadActs acts;
  for (int64_t b0 = 0; b0 < nb; b0 += kWindowQuads * kQuad) {
    const int64_t nblk = std::min(kWindowQuads * kQuad, nb - b0);
    BuildQuadActs(xq, b0, nblk, &acts);
    const uint8_t* wb = w + b0 * sizeof(BlockQ4_0);
    auto put = [&](int64_t r, float v) { y[r] = b0 > 0 ? y[r] + v : v; };
    // Bands: R runs of S consecutive rows, pass k reading row k of each.
    const uint8_t* row[kRowsPerPass];
    float out[kRowsPerPass];
    int64_t g = r0;
    for (int64_t S;
         (S = std::min<int64_t>((r1 - g) / kRowsPerPass, kMaxBandRows)) > 0;
         g += kRowsPerPass * S) {
      for (int64_t k = 0; k < S; ++k) {
        for (int j = 0; j < kRowsPerPass; ++j)
          row[j] = wb + (g + k + j * S) * ws;
        Rows<kRowsPerPass>(row, nblk, acts, out);
        for (int j = 0; j < kRowsPerPass; ++j) put(g + k + j * S, out[j]);
      }
    }
    for (; g < r1; ++g) {
      row[0] = wb + g * ws;
      Rows<1>(row, nblk, acts, out);
      put(g, out[0]);
    }
  }
}

}  // namespace avx512
}  // namespace edgemma
