// AMX Q4_0 / Q8_0 x Q8_0 prefill kernels on bf16 tiles (TDPBF16PS): every
// block scale is folded into the operands once, so the tiles accumulate in f32
// over the whole row and each output is stored once per 16-block window.
//
// Operands. Weights: each (16 rows x one 32-element block) becomes one B tile
// of 16 bf16 pairs x 16 rows (row p, dword r = two elements of weight row r),
// value bf16(q * dw), decoded once per 64-token chunk and reused by all its
// tokens. Activations: bf16(q * da) of each Q8_0 block, converted once per
// chunk and window, one 64-byte A row per (token, block). A block's 32
// elements sit in B and A in the same pair order (PairElement), chosen so that
// the weight decode needs no shuffle after its conversions; the dot product
// does not depend on the order. C = 16 tokens x 16 weight rows (f32), row t is
// y + t * ldy: C tiles are loaded from and stored to y directly.
//
// Error bound (not bit-identical to the integer kernels). Both operands are
// exact in f32 before rounding (|q| <= 128 times an f16 scale) and each is
// rounded once to bf16 (8 significant bits, round to nearest even: relative
// error <= 2^-8), so each product w_k x_k carries a relative error <= 2^-7 +
// 2^-16; TDPBF16PS sums the exact bf16 products in f32 (error <= about (K/2 +
// 1) * 2^-24 * sum |w_k x_k| for a K-term row, in 16-block windows that add to
// y). Together |y - y_exact| <= (2^-7 + 2^-16 + (K + 2) * 2^-24) * sum_k
// |w_k x_k|, with w, x the dequantized Q4_0 / Q8_0 values; the scalar kernel
// (integer block sums) is within (2 K / 32 + 16) * 2^-23 of the same. The 2^-7
// term is the size of the Q8_0 activation quantization itself (2^-8 of a
// block's largest value). TDPBF16PS treats denormal inputs as zero and flushes
// denormal results: an extra absolute error below K * 2^-126.
//
// Tiles: C0..C3 accumulators of a 32-token x 32-row output block (2 A x 2 B),
// A4, A5: 16 tokens x one block, B6, B7: one block of 16 rows. Only whole 16 x
// 16 tiles run here; row and token tails go to the AVX-512 kernels (models
// have rows in multiples of 16; a prefill chunk's tokens are usually too).
#include <algorithm>
#include <cstring>

#include "quant/blocks.h"
#include "quant/x86/amx/amx.h"
#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/intrin.h"

namespace edgemma {
namespace amx {
namespace {

constexpr int kTile = 16;              // rows of every tile
constexpr int kBlock = 32;             // elements (bf16 words) per block
constexpr int kTileWords = 512;        // bf16 words of a 16 x 64-byte tile
constexpr int kPanelTiles = 2;         // 16-row tiles per decoded panel
constexpr int64_t kChunkTokens = 128;  // tokens per weight decode
constexpr int64_t kWindowBlocks = 16;  // blocks per window, at most
// Converted activations held at once (64 KB): a window has kAWords /
// (tokens * kBlock) blocks, at most kWindowBlocks (16 at 64 tokens, 8 at 128).
constexpr int64_t kAWords = 64 * kWindowBlocks * kBlock;

// The palette-1 tile configuration (64 bytes, the ldtilecfg layout).
struct alignas(64) TileConfig {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];  // bytes per row of tile i
  uint8_t rows[16];
};

// Tiles 0..7: 16 rows of 64 bytes (C: 16 f32; A, B: 32 bf16).
TileConfig MakeConfig() {
  TileConfig c;
  std::memset(&c, 0, sizeof(c));
  c.palette = 1;
  for (int i = 0; i < 8; ++i) {
    c.rows[i] = kTile;
    c.colsb[i] = 64;
  }
  return c;
}

// Decoded weights of one panel: B tile of block i, row tile rt.
using Panel = uint16_t[kWindowBlocks][kPanelTiles][kTileWords];

// A call's stack memory (128 KB).
struct alignas(64) Work {
  Panel b[2];  // the panel in use and the next one, being decoded
  // Converted activations of the chunk, in pair order, as contiguous A tiles
  // (a tile of strided rows loaded from L2 stalled the products): token t,
  // block i at ((t / 16) * kb + i) * kTileWords + (t % 16) * kBlock (kb: the
  // window's block count).
  uint16_t a[kAWords];
};

// The block element in A column c (B pair c / 2, half c % 2). Weight decode
// (DecodeQ4 / DecodeQ8) makes B pair p from the two dwords of one qword of a
// row (j: which dword): Q4_0 qword s holds bytes 8s..8s+7, nibble k of a dword
// is byte k / 2's low (element = byte) or high (element = byte + 16) half;
// Q8_0 qword s holds bytes (= elements) 8s..8s+7, byte k of a dword.
template <bool kQ4>
constexpr int PairElement(int c) {
  const int p = c / 2, j = c % 2;
  if (kQ4) return 8 * (p / 8) + 4 * j + (p % 8) / 2 + 16 * (p % 2);
  return 8 * (p / 4) + 4 * j + p % 4;
}

// Qword r of the result = 8 bytes at p + off[r] (rows 0..7 of a group): one
// gather instead of 8 row loads, inserts, an unpack and the address arithmetic
// of the row pointers (which the compiler spilled next to the tile loop).
inline __m512i Rows8(const uint8_t* p, __m256i off) {
  return _mm512_i32gather_epi64(off, p, 1);
}

// Row offsets of row groups 0..7 and 8..15.
inline void GroupOffsets(__m512i off, __m256i g[2]) {
  g[0] = _mm512_castsi512_si256(off);
  g[1] = _mm512_extracti64x4_epi64(off, 1);
}

// f32 scales of the 16 rows of the blocks at blk (row r at blk + off[r]):
// lanes 2r and 2r + 1 of d[0] = row r, of d[1] = row 8 + r.
inline void PairScales(const uint8_t* blk, const __m512i off, __m512 d[2]) {
  const __m512i first = _mm512_i32gather_epi32(off, blk, 1);  // d + 2 bytes
  const __m512 all = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(first));
  const __m512i lo =
      _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  d[0] = _mm512_permutexvar_ps(lo, all);
  d[1] = _mm512_permutexvar_ps(_mm512_add_epi32(lo, _mm512_set1_epi32(8)), all);
}

// Rows 0..7 in the low 16 words, 8..15 in the high: one B row.
inline void StorePair(const __m512 f0, const __m512 f1, uint16_t* out) {
  _mm512_store_si512(out, (__m512i)_mm512_cvtne2ps_pbh(f1, f0));
}

// The scales (PairScales) and the first 8 * kQwords quant bytes of the
// blocks of 16 rows at blk (row r at blk + off[r]): q[g][s] = qword s of
// rows 8g..8g+7.
template <int kQwords>
inline void LoadBlock(const uint8_t* blk, __m512i off, __m512i q[2][kQwords],
                      __m512 d[2]) {
  PairScales(blk, off, d);
  __m256i go[2];
  GroupOffsets(off, go);
  for (int g = 0; g < 2; ++g) {
    for (int s = 0; s < kQwords; ++s) q[g][s] = Rows8(blk + 2 + 8 * s, go[g]);
  }
}

// One Q4_0 block of 16 rows at blk (row r at blk + off[r]) -> B tile at out.
// The decode takes more of the kernel's time than the tiles (measured apart:
// about 1.4x), and 512-bit shifts and int -> float conversions share one port,
// so the nibble becomes a float by a table lookup on the other (vpermps reads
// only the low 4 bits of each index: one shift per nibble, no mask, no
// convert).
inline void DecodeQ4(const uint8_t* blk, __m512i off, uint16_t* out) {
  __m512i q[2][2];  // [row group][qword]
  __m512 d[2];
  LoadBlock<2>(blk, off, q, d);
  const __m512 values = _mm512_set_ps(7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4,
                                      -5, -6, -7, -8);  // nibble - 8
  for (int s = 0; s < 2; ++s) {
    for (int k = 0; k < 8; ++k) {
      __m512 f[2];
      for (int g = 0; g < 2; ++g) {
        const __m512i idx =
            k == 0 ? q[g][s] : _mm512_srli_epi32(q[g][s], 4 * k);
        // (nibble - 8) * dw, exact in f32.
        f[g] = _mm512_mul_ps(_mm512_permutexvar_ps(idx, values), d[g]);
      }
      StorePair(f[0], f[1], out + (8 * s + k) * 2 * kTile);
    }
  }
}

// One Q8_0 block of 16 rows at blk -> B tile at out. A byte shuffle (the
// other port than shifts and converts) moves byte k of each dword to its top
// byte: the int32 is q * 2^24, and the scale takes the 2^-24 (exact).
inline void DecodeQ8(const uint8_t* blk, __m512i off, uint16_t* out) {
  __m512i q[2][4];  // [row group][qword]
  __m512 d[2];
  LoadBlock<4>(blk, off, q, d);
  for (int g = 0; g < 2; ++g)
    d[g] = _mm512_mul_ps(d[g], _mm512_set1_ps(0x1p-24f));
  for (int k = 0; k < 4; ++k) {
    // Dword j of each 128-bit lane: bytes (zero, zero, zero, 4 (j % 4) + k).
    const __m512i top =
        _mm512_set4_epi32((12 + k) << 24 | 0x808080, (8 + k) << 24 | 0x808080,
                          (4 + k) << 24 | 0x808080, k << 24 | 0x808080);
    for (int s = 0; s < 4; ++s) {
      __m512 f[2];
      for (int g = 0; g < 2; ++g) {
        const __m512i v = _mm512_shuffle_epi8(q[g][s], top);
        f[g] = _mm512_mul_ps(_mm512_cvtepi32_ps(v), d[g]);
      }
      StorePair(f[0], f[1], out + (4 * s + k) * 2 * kTile);
    }
  }
}

// Decodes one panel (rts 16-row tiles x blocks [b0, b0 + kb)) one 16-row
// block (a unit) per Step(), so that the vector work of the next panel runs
// between the tile products of the current one (the tile unit works on its
// own; decoding and multiplying in turn left each idle half the time). When a
// block crosses a cache line, the same bytes of the panel after are fetched
// into L2 (the 32 interleaved row streams are too short for the hardware
// prefetchers).
template <bool kQ4>
class PanelDecoder {
 public:
  explicit PanelDecoder(size_t ws)
      : ws_(ws),
        off_(_mm512_mullo_epi32(_mm512_set1_epi32(static_cast<int>(ws)),
                                _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8,
                                                 7, 6, 5, 4, 3, 2, 1, 0))) {}

  // w: row 0 of the panel; nothing to do when rts == 0.
  void Start(const uint8_t* w, int rts, int64_t b0, int64_t kb, Panel* out) {
    w_ = w;
    rts_ = rts;
    b0_ = b0;
    out_ = out;
    next_ = 0;
    units_ = kb * rts;
  }
  void Step() {
    if (next_ < units_) Unit(next_++);
  }
  // Decodes what is left; the panel is then ready for the tile loads.
  void Finish() {
    while (next_ < units_) Unit(next_++);
    // The tile loads are asm the compiler cannot see reading the panel.
    __asm__ volatile("" : : "r"(out_) : "memory");
  }

 private:
  static constexpr size_t kWB = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);

  void Unit(int64_t u) {
    const int64_t i = rts_ == 2 ? u >> 1 : u;
    const int rt = static_cast<int>(u - i * rts_);
    const int64_t b = b0_ + i;
    const uint8_t* blk = w_ + rt * kTile * ws_ + b * kWB;
    if ((b * kWB) / 64 != ((b + 1) * kWB) / 64) {
      const uint8_t* next = blk + kPanelTiles * kTile * ws_ + kWB;
      for (int r = 0; r < kTile; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(next + r * ws_),
                     _MM_HINT_T1);
      }
    }
    if (kQ4) {
      DecodeQ4(blk, off_, (*out_)[i][rt]);
    } else {
      DecodeQ8(blk, off_, (*out_)[i][rt]);
    }
  }

  const size_t ws_;
  const __m512i off_;  // offsets of 16 rows
  const uint8_t* w_ = nullptr;
  int rts_ = 0;
  int64_t b0_ = 0, next_ = 0, units_ = 0;
  Panel* out_ = nullptr;
};

// Tokens [0, nt) x blocks [b0, b0 + kb) of the activation rows at xq (stride
// xs) -> work->a in pair order.
template <bool kQ4>
void ConvertActivations(const uint8_t* xq, size_t xs, int64_t nt, int64_t b0,
                        int64_t kb, Work* work) {
  alignas(64) uint16_t order[kBlock];
  for (int c = 0; c < kBlock; ++c) order[c] = PairElement<kQ4>(c);
  const __m512i perm = _mm512_load_si512(order);
  for (int64_t t = 0; t < nt; ++t) {
    const uint8_t* blk = xq + t * xs + b0 * sizeof(BlockQ8_0);
    uint16_t* out =
        work->a + (t / kTile) * kb * kTileWords + (t % kTile) * kBlock;
    for (int64_t i = 0; i < kb;
         ++i, blk += sizeof(BlockQ8_0), out += kTileWords) {
      const __m512 da = _mm512_set1_ps(_cvtsh_ss(BlockScaleBits(blk)));
      auto half = [blk, da](int h) {
        const __m128i q =
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2 + 16 * h));
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), da);
      };
      // Words 0..31 = elements 0..31, then permuted to pair order.
      const __m512i v = (__m512i)_mm512_cvtne2ps_pbh(half(1), half(0));
      _mm512_store_si512(out, _mm512_permutexvar_epi16(perm, v));
    }
  }
  __asm__ volatile("" : : "r"(work) : "memory");
}

// y[t * ldy + r] (+)= the product of TA x 16 tokens of the converted
// activations at a (A tiles kTileWords apart, 16 tokens kb tiles) and the TB
// row tiles of panel b, over its kb blocks; one unit of `next` decoded per
// block. The tile numbers are immediates.
template <bool kQ4, int TA, int TB>
void OutputBlock(const uint16_t* a, const Panel& b, int64_t kb, bool acc,
                 float* y, int64_t ldy, PanelDecoder<kQ4>* next) {
  const long ys = static_cast<long>(ldy * 4);  // bytes per token
  const uint16_t* a1 = a + kb * kTileWords;    // tokens 16..31
  float* y1 = y + kTile * ldy;
  if (acc) {
    _tile_loadd(0, y, ys);
    if (TB == 2) _tile_loadd(1, y + kTile, ys);
    if (TA == 2) _tile_loadd(2, y1, ys);
    if (TA == 2 && TB == 2) _tile_loadd(3, y1 + kTile, ys);
  } else {
    _tile_zero(0);
    if (TB == 2) _tile_zero(1);
    if (TA == 2) _tile_zero(2);
    if (TA == 2 && TB == 2) _tile_zero(3);
  }
  for (int64_t i = 0; i < kb; ++i) {
    _tile_loadd(4, a + i * kTileWords, 64);
    if (TA == 2) _tile_loadd(5, a1 + i * kTileWords, 64);
    _tile_loadd(6, b[i][0], 64);
    if (TB == 2) _tile_loadd(7, b[i][1], 64);
    _tile_dpbf16ps(0, 4, 6);
    if (TB == 2) _tile_dpbf16ps(1, 4, 7);
    if (TA == 2) _tile_dpbf16ps(2, 5, 6);
    if (TA == 2 && TB == 2) _tile_dpbf16ps(3, 5, 7);
    next->Step();
  }
  _tile_stored(0, y, ys);
  if (TB == 2) _tile_stored(1, y + kTile, ys);
  if (TA == 2) _tile_stored(2, y1, ys);
  if (TA == 2 && TB == 2) _tile_stored(3, y1 + kTile, ys);
}

// Rows [0, 16 RT) of decoded panel b x tokens [0, nt) (a multiple of 16) of
// the converted window of kb blocks; y: token 0, row 0. Adds to y when `acc`.
template <bool kQ4, int RT>
void PanelProduct(const Panel& b, const uint16_t* a, int64_t kb, int64_t nt,
                  bool acc, float* y, int64_t ldy, PanelDecoder<kQ4>* next) {
  const int64_t tw = kb * kBlock;  // words per converted token (on average)
  int64_t t = 0;
  for (; t + 2 * kTile <= nt; t += 2 * kTile) {
    OutputBlock<kQ4, 2, RT>(a + t * tw, b, kb, acc, y + t * ldy, ldy, next);
  }
  if (t < nt) {
    OutputBlock<kQ4, 1, RT>(a + t * tw, b, kb, acc, y + t * ldy, ldy, next);
  }
}

// Rows [r0, r1) and tokens [0, n), both multiples of 16 long. Panels of 32
// rows (the last may have 16), each decoded while the one before multiplies.
template <bool kQ4>
void TileGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
              const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy) {
  const TileConfig cfg = MakeConfig();
  _tile_loadconfig(&cfg);
  Work work;
  PanelDecoder<kQ4> decoder(ws);
  // Row tiles of the panel at row r (0 past the end).
  auto tiles = [r1](int64_t r) {
    return static_cast<int>(std::min<int64_t>(kPanelTiles, (r1 - r) / kTile));
  };
  for (int64_t t0 = 0; t0 < n; t0 += kChunkTokens) {
    const int64_t nt = std::min(kChunkTokens, n - t0);
    const uint8_t* xc = xq + t0 * xs;
    float* yc = y + t0 * ldy;  // [nt, ldy]
    const int64_t window = std::min(kWindowBlocks, kAWords / (nt * kBlock));
    for (int64_t b0 = 0; b0 < nb; b0 += window) {
      const int64_t kb = std::min(window, nb - b0);
      ConvertActivations<kQ4>(xc, xs, nt, b0, kb, &work);
      const bool acc = b0 > 0;
      int cur = 0;
      decoder.Start(w + r0 * ws, tiles(r0), b0, kb, &work.b[cur]);
      decoder.Finish();
      for (int64_t r = r0; r < r1; cur ^= 1) {
        const int rts = tiles(r);
        const int64_t rn = r + rts * kTile;
        decoder.Start(w + rn * ws, tiles(rn), b0, kb, &work.b[cur ^ 1]);
        if (rts == kPanelTiles) {
          PanelProduct<kQ4, 2>(work.b[cur], work.a, kb, nt, acc, yc + r, ldy,
                               &decoder);
        } else {
          PanelProduct<kQ4, 1>(work.b[cur], work.a, kb, nt, acc, yc + r, ldy,
                               &decoder);
        }
        decoder.Finish();
        r = rn;
      }
    }
  }
  _tile_release();
}

// Whole 16 x 16 tiles on AMX, the row and token tails on the AVX-512 kernel
// (`vnni`, same contract).
template <bool kQ4>
void Gemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t nb,
          const uint8_t* xq, size_t xs, int64_t n, float* y, int64_t ldy,
          void (*vnni)(const uint8_t*, size_t, int64_t, int64_t, int64_t,
                       const uint8_t*, size_t, int64_t, float*, int64_t)) {
  if (r1 <= r0 || n <= 0 || nb <= 0) return;
  const int64_t rt = r0 + (r1 - r0) / kTile * kTile;  // end of whole tiles
  const int64_t nt = n / kTile * kTile;
  // The scale gather takes 32-bit offsets of 16 rows.
  constexpr size_t kMaxStride = 0x7fffffff / kTile;
  if (rt == r0 || nt == 0 || ws > kMaxStride) {
    vnni(w, ws, r0, r1, nb, xq, xs, n, y, ldy);
    return;
  }
  TileGemm<kQ4>(w, ws, r0, rt, nb, xq, xs, nt, y, ldy);
  if (rt < r1) vnni(w, ws, rt, r1, nb, xq, xs, n, y, ldy);
  if (nt < n) {
    vnni(w, ws, r0, rt, nb, xq + nt * xs, xs, n - nt, y + nt * ldy, ldy);
  }
}

}  // namespace

void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  Gemm<true>(w, ws, r0, r1, nb, xq, xs, n, y, ldy, avx512::GemmQ4_0Q8_0);
}

void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy) {
  Gemm<false>(w, ws, r0, r1, nb, xq, xs, n, y, ldy, avx512::GemmQ8_0Q8_0);
}

}  // namespace amx
}  // namespace edgemma
