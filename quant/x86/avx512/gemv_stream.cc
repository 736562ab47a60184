// AVX-512 VNNI Q4_0 / Q8_0 x Q8_0 decode gemvs (one token) that read each
// weight row as one contiguous stream, a 64-byte step at a time, straight from
// the GGUF layout (no transpose, no decoded panel, no copy).
//
// A step is 4 Q4_0 blocks (72 bytes) or 2 Q8_0 blocks (68 bytes): one 64-byte
// load and one of the 8 / 4 bytes after it. One vpermt2w gathers the steps'
// quant bytes into a zmm laid out like the token's activations (built once per
// call), one vpermw repeats each block's f16 scale over that block's lanes; one
// or two vpdpbusd, started from the per-block bias, leave each lane with
// partial sums of one block, which are converted and scaled in place (row scale
// x activation scale) into an f32 accumulator summed across lanes once per
// row. About 12 vector instructions per 72 Q4_0 bytes, against ~55 per 144 for
// the AVX2 8-row pair gemv (gemv_q4_pairs.cc), whose arithmetic on Zen 5 took
// about as long as the DRAM reads it should hide behind.
//
// A thread's rows are read as 4 bands of consecutive rows, one row of each band
// per pass, so the hardware prefetchers see 4 long forward streams (a fresh
// short stream per row, rows in plain order, halved the rate), each also
// prefetched 2 KiB ahead.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/intrin.h"

namespace edgemma {
namespace avx512 {
namespace {

// Rows per pass, each from its own band of up to kMaxBandRows consecutive rows
// (see below), and the distance of the prefetchnta ahead of each band's read.
// Zen 5, E2B layer matrices in turn, 2 threads, alternated: 8 bands 53-58 GB/s,
// 4 bands 60-64 (the AVX2 pair gemv 54-58); 1-3 KiB ahead alike, none 52-53;
// rows in plain order (a new short stream per row) 31-37.
constexpr int kRowsPerPass = 4;
constexpr int64_t kMaxBandRows = 96;
constexpr size_t kAhead = 2048;

inline int32_t LoadU32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline __m128i Load16(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Sum of the 32 activation bytes of the Q8_0 block at blk.
inline int32_t BlockSum(const uint8_t* blk) {
  const __m128i ones8 = _mm_set1_epi8(1);
  const __m128i ones16 = _mm_set1_epi16(1);
  __m128i s = _mm_add_epi32(
      _mm_madd_epi16(_mm_maddubs_epi16(ones8, Load16(blk + 2)), ones16),
      _mm_madd_epi16(_mm_maddubs_epi16(ones8, Load16(blk + 18)), ones16));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

// One step's activations: 16 int32 lanes of int8 pairs, the bias, the scales.
struct StepActs {
  __m512i a[2];  // a[k]: the bytes that meet weight register k
  __m512i bias;  // -8 * sum(a) (Q4_0) / -128 * sum(a) (Q8_0) in the first
                 // dword of each block's lanes
  __m512 d;      // each block's activation scale over its lanes
};

// Q4_0 steps: 4 blocks = 72 bytes = 36 words (a 64-byte and an 8-byte load).
// One vpermt2w gathers block j's 16 nibble bytes (words 9j + 1 .. 9j + 8) into
// 128-bit lane j; its low nibbles meet activation bytes 0..15 of block j, the
// high ones 16..31; vpermw repeats scale word 9j over lane j.
struct Q4Steps {
  static constexpr int kBlocks = 4;
  static constexpr size_t kBlockBytes = sizeof(BlockQ4_0);
  static constexpr size_t kTailBytes = 8;  // bytes past the first 64
  static constexpr int kActRegs = 2;       // StepActs::a in use
  static constexpr int32_t kBias = -8;     // times sum(a)
  static __m512i Dot(__m512i data, const StepActs& s) {
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i lo = _mm512_and_si512(data, m4);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(data, 4), m4);
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(s.bias, lo, s.a[0]), hi,
                               s.a[1]);
  }
};

// Q8_0 steps: 2 blocks = 68 bytes = 34 words (a 64-byte and a 4-byte load).
// Block j's 32 quants (words 17j + 1 .. 17j + 16) fill lanes 2j, 2j + 1,
// biased by +128 (vpdpbusd takes them unsigned; the bias takes 128 * sum(a)
// back off); scale word 17j repeated over them.
struct Q8Steps {
  static constexpr int kBlocks = 2;
  static constexpr size_t kBlockBytes = sizeof(BlockQ8_0);
  static constexpr size_t kTailBytes = 4;
  static constexpr int kActRegs = 1;
  static constexpr int32_t kBias = -128;
  static __m512i Dot(__m512i data, const StepActs& s) {
    const __m512i u = _mm512_xor_si512(data, _mm512_set1_epi8(-128));
    return _mm512_dpbusd_epi32(s.bias, u, s.a[0]);
  }
};

// vpermt2w indices of a step's quant words: output word k is quant word k % Q
// of block k / Q (Q = quant words per block), found at word 1 + k % Q of that
// block; indices >= 32 select the second (tail) load.
template <class B>
__m512i DataWords() {
  constexpr int kWords = B::kBlockBytes / 2, kQuant = kWords - 1;
  alignas(64) int16_t idx[32];
  for (int k = 0; k < 32; ++k) idx[k] = (k / kQuant) * kWords + 1 + k % kQuant;
  return _mm512_load_si512(idx);
}

// vpermw indices of the scales: each block's scale word (word 0 of the block)
// over its 16 / kBlocks dwords, i.e. the low 16 words (vcvtph2ps input).
template <class B>
__m512i ScaleWords() {
  constexpr int kWords = B::kBlockBytes / 2, kPerBlock = 16 / B::kBlocks;
  alignas(64) int16_t idx[32] = {};
  for (int k = 0; k < 16; ++k) idx[k] = (k / kPerBlock) * kWords;
  return _mm512_load_si512(idx);
}

// Blocks per activation window: 16384 columns, every Gemma 4 row in one
// window (a row split over windows is read as short streams, ~10% slower);
// up to 256 steps, 64 KB of stack.
constexpr int64_t kWindowBlocks = 512;
constexpr int64_t kMaxWindowSteps = kWindowBlocks / 2;

// Activation step s from the Q8_0 blocks blk[j] (null past the row: zeros).
// Block j owns 16 / kBlocks dwords: its bytes split over the kActRegs
// registers, its bias in its first dword, its scale in all of them.
template <class B>
void BuildStep(const uint8_t* const blk[B::kBlocks], StepActs* s) {
  constexpr int kDwords = 16 / B::kBlocks;
  constexpr int kPart = kQK / B::kActRegs;  // bytes per register and block
  alignas(64) uint8_t a[2][64] = {};
  alignas(64) int32_t bias[16] = {};
  alignas(64) float d[16] = {};
  for (int j = 0; j < B::kBlocks && blk[j]; ++j) {
    for (int k = 0; k < B::kActRegs; ++k) {
      std::memcpy(a[k] + kPart * j, blk[j] + 2 + kPart * k, kPart);
    }
    bias[kDwords * j] = B::kBias * BlockSum(blk[j]);
    std::fill(d + kDwords * j, d + kDwords * (j + 1),
              _cvtsh_ss(BlockScaleBits(blk[j])));
  }
  s->a[0] = _mm512_load_si512(a[0]);
  s->a[1] = _mm512_load_si512(a[1]);
  s->bias = _mm512_load_si512(bias);
  s->d = _mm512_load_ps(d);
}

// One token's activation blocks [b0, b0 + nblk) as steps; blocks past nblk
// are zero (no contribution).
template <class B>
void BuildActs(const uint8_t* xq, int64_t b0, int64_t nblk, StepActs* acts) {
  for (int64_t i = 0; i * B::kBlocks < nblk; ++i) {
    const uint8_t* blk[B::kBlocks];
    for (int j = 0; j < B::kBlocks; ++j) {
      const int64_t b = i * B::kBlocks + j;
      blk[j] = b < nblk ? xq + (b0 + b) * sizeof(BlockQ8_0) : nullptr;
    }
    BuildStep<B>(blk, &acts[i]);
  }
}

// acc += the step at p (whole; else its first `nbytes` < 64 bytes, zeros
// after) times activation step s.
template <class B, bool kWhole>
inline __m512 StepDot(const uint8_t* p, size_t nbytes, const StepActs& s,
                      __m512i data_idx, __m512i scale_idx, __m512 acc) {
  __m512i v0, v1;
  if (kWhole) {
    v0 = _mm512_loadu_si512(p);
    v1 = _mm512_castsi128_si512(
        B::kTailBytes == 8
            ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 64))
            : _mm_cvtsi32_si128(LoadU32(p + 64)));
  } else {
    v0 = _mm512_maskz_loadu_epi8((uint64_t{1} << nbytes) - 1, p);
    v1 = _mm512_setzero_si512();
  }
  const __m512i data = _mm512_permutex2var_epi16(v0, data_idx, v1);
  const __m512 dw = _mm512_cvtph_ps(
      _mm512_castsi512_si256(_mm512_permutexvar_epi16(scale_idx, v0)));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(B::Dot(data, s)),
                         _mm512_mul_ps(dw, s.d), acc);
}

// R rows (row[r]: the window's first block) over the window's nblk blocks;
// out[r] = the row sums. data_idx / scale_idx: DataWords<B>(), ScaleWords<B>().
template <class B, int R>
void Rows(const uint8_t* const row[R], int64_t nblk, const StepActs* acts,
          __m512i data_idx, __m512i scale_idx, float out[R]) {
  constexpr size_t kStep = B::kBlocks * B::kBlockBytes;
  __m512 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  const int64_t whole = nblk / B::kBlocks;
  for (int64_t i = 0; i < whole; ++i) {
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(row[r] + i * kStep + kAhead),
                   _MM_HINT_NTA);
      acc[r] = StepDot<B, true>(row[r] + i * kStep, kStep, acts[i], data_idx,
                                scale_idx, acc[r]);
    }
  }
  if (const int64_t left = nblk - whole * B::kBlocks; left > 0) {
    for (int r = 0; r < R; ++r) {
      acc[r] = StepDot<B, false>(row[r] + whole * kStep, left * B::kBlockBytes,
                                 acts[whole], data_idx, scale_idx, acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]);
}

template <class B>
void Gemv(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
          const uint8_t* xq, float* y) {
  StepActs acts[kMaxWindowSteps];
  const __m512i data_idx = DataWords<B>(), scale_idx = ScaleWords<B>();
  for (int64_t b0 = 0; b0 < nb; b0 += kWindowBlocks) {
    const int64_t nblk = std::min(kWindowBlocks, nb - b0);
    BuildActs<B>(xq, b0, nblk, acts);
    const uint8_t* wb = w + b0 * B::kBlockBytes;
    auto put = [&](int64_t r, float v) { y[r] = b0 > 0 ? y[r] + v : v; };
    // Bands: R runs of S consecutive rows, pass k reading row k of each.
    const uint8_t* row[kRowsPerPass];
    float out[kRowsPerPass];
    int64_t g = r0;
    for (int64_t S;
         (S = std::min<int64_t>((r1 - g) / kRowsPerPass, kMaxBandRows)) > 0;
         g += kRowsPerPass * S) {
      for (int64_t k = 0; k < S; ++k) {
        for (int j = 0; j < kRowsPerPass; ++j) {
          row[j] = wb + (g + k + j * S) * ws;
        }
        Rows<B, kRowsPerPass>(row, nblk, acts, data_idx, scale_idx, out);
        for (int j = 0; j < kRowsPerPass; ++j) put(g + k + j * S, out[j]);
      }
    }
    for (; g < r1; ++g) {
      row[0] = wb + g * ws;
      Rows<B, 1>(row, nblk, acts, data_idx, scale_idx, out);
      put(g, out[0]);
    }
  }
}

}  // namespace

namespace {

// The stream gemv for one token, kGemm (the rows-in-lanes kernels) for more.
template <class Steps,
          void (*kGemm)(const uint8_t*, size_t, int64_t, int64_t, int64_t,
                        const uint8_t*, size_t, int64_t, float*, int64_t)>
void GemvOrGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
                const uint8_t* xq, size_t xs, int64_t n, float* y,
                int64_t ldy) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  if (n > 1) {
    kGemm(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
    return;
  }
  Gemv<Steps>(w, ws, r0, r1, nb, xq, y);
}

}  // namespace

void GemvQ4_0Q8_0Stream(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                        int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                        float* y, int64_t ldy) {
  GemvOrGemm<Q4Steps, GemmQ4_0Q8_0>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

void GemvQ8_0Q8_0Stream(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                        int64_t nb, const uint8_t* xq, size_t xs, int64_t n,
                        float* y, int64_t ldy) {
  GemvOrGemm<Q8Steps, GemmQ8_0Q8_0>(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
