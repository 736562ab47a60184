// AVX-512 float-weight (f32 / f16 / bf16) x f32 products on 512-bit vectors:
// the attention products (Q . K^T over the KV cache, P . V over its transposed
// V) and float checkpoints run here. The shared x86 tiles use 256-bit vectors;
// these do twice the multiply-adds per instruction.
//
// A register tile is 8 weight rows x 3 tokens of zmm accumulators (24 of the 32
// registers): per 16 columns, 3 activation loads, 8 weight loads (each kept in
// a register for its 3 FMAs) and 24 FMAs. The weights are first copied (f32) or
// converted (f16 / bf16) into an f32 panel on the stack, 8 rows x kPanelCols
// columns at a row stride that is a constant (immediate load offsets, no row
// pointers spilled) and not a multiple of 4 KB (the rows do not share L1 sets),
// once per (panel, token chunk) instead of once per register tile: the convert
// shares the FMA pipes. A chunk holds up to 66 tokens, so the 64 query rows of
// an attention task pass over K / V once. Measured on an Intel Xeon VM against
// the earlier 4 x 4 tile (weights folded into the FMAs and converted per tile,
// masked loads in the main loop, 32-token chunks): f16 Q . K^T 512 x 256 x 64
// tokens 17 -> 46 GMAC/s, P . V 256 x 512 16 -> 53, 4096 x 512 23 -> 32 (one
// thread; FMA peak ~52). The column tail (cols % 16) uses masked loads that
// read zeros past the row, so no scalar tail loop and no read past the row's
// end; rows longer than a panel are summed panel by panel into y.
//
// With at most 8 tokens (decode attention) a direct tile runs instead (see
// DirectGemm below): weights converted into registers, no panel, prefetched.
// Zen 5 VM, one thread, f16, 35 E4B-sized layers (512 slots x 256, 2 KV
// heads, 4 query rows per head), cache from DRAM: 3.2 -> 1.0 ms (22 -> 71
// GMAC/s); cache hot 55 -> 97 GMAC/s; E2B (1 KV head, 8 rows) cold 41 -> 85.
//
// With 16 or more tokens (every prefill attention tile) an outer-product tile
// runs instead (OpGemm below): 6 rows x 64 tokens, activations transposed once
// per block, no horizontal sums. Same VM, one thread, f16, 64 tokens: Q . K^T
// 1024 x 256 56 -> 66-71 GMAC/s, P . V 256 x 1024 63-67 -> 65-70 (load ~4).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/intrin.h"

namespace edgemma {
namespace avx512 {
namespace {

constexpr int64_t kTokenChunk = 66;   // most tokens per pass over a row panel
constexpr int kPanelRows = 8;         // rows per register tile / panel
constexpr int kTileTokens = 3;        // tokens per register tile
constexpr int64_t kPanelCols = 1024;  // columns per converted panel (32 KB)
// Panel row stride (floats): not a multiple of 4 KB, so the 8 rows do not all
// map to the same L1 sets.
constexpr int64_t kPanelStride = kPanelCols + 16;

inline __mmask16 ColMask(int64_t left) {
  return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
}

// Weight element types: a masked load of 16 elements as f32.
struct F32W {
  static constexpr size_t kSize = 4;
  static __m512 Load(const uint8_t* p, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, p);
  }
};
struct F16W {
  static constexpr size_t kSize = 2;
  static __m512 Load(const uint8_t* p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
  }
};
struct BF16W {
  static constexpr size_t kSize = 2;
  static __m512 Load(const uint8_t* p, __mmask16 m) {
    const __m512i u = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(u, 16));
  }
};

// 16 -> 8 lanes: v[i] + v[i + 8].
inline __m256 Fold(__m512 v) {
  const __m256 hi =
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
  return _mm256_add_ps(_mm512_castps512_ps256(v), hi);
}

// The sums of a, b, c, d as [sum a, sum b, sum c, sum d].
inline __m128 Sum4(__m512 a, __m512 b, __m512 c, __m512 d) {
  const __m256 ab = _mm256_hadd_ps(Fold(a), Fold(b));
  const __m256 cd = _mm256_hadd_ps(Fold(c), Fold(d));
  const __m256 s = _mm256_hadd_ps(ab, cd);  // per 128-bit lane: a b c d
  return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// y[r] (+)= sum of acc[r] for r < R (R in {1, 4, 8}).
template <int R>
inline void StoreSums(const __m512* acc, bool accumulate, float* y) {
  if constexpr (R == 1) {
    const float s = _mm512_reduce_add_ps(acc[0]);
    y[0] = accumulate ? y[0] + s : s;
  } else {
    for (int q = 0; q < R; q += 4) {
      __m128 s = Sum4(acc[q], acc[q + 1], acc[q + 2], acc[q + 3]);
      if (accumulate) s = _mm_add_ps(s, _mm_loadu_ps(y + q));
      _mm_storeu_ps(y + q, s);
    }
  }
}

// acc[t][r] += panel row r . x row t over columns [c, c + 16), masked to m
// past the row when kMasked (the panel is zero-padded to 16 columns).
template <int R, int T, bool kMasked>
inline void Step(const float* wp, const float* x, int64_t ldx, int64_t c,
                 __mmask16 m, __m512 (&acc)[T][R]) {
  __m512 xv[T];
  for (int t = 0; t < T; ++t) {
    xv[t] = kMasked ? _mm512_maskz_loadu_ps(m, x + t * ldx + c)
                    : _mm512_loadu_ps(x + t * ldx + c);
  }
  for (int r = 0; r < R; ++r) {
    __m512 wv = _mm512_load_ps(wp + r * kPanelStride + c);
    // Keep wv in a register: folded into each FMA it would be loaded T times,
    // and the loads, not the FMAs, would bound the loop.
    __asm__("" : "+v"(wv));
    for (int t = 0; t < T; ++t)
      acc[t][r] = _mm512_fmadd_ps(wv, xv[t], acc[t][r]);
  }
}

// y[t * ldy + r] (+)= panel row r (stride kPanelStride floats) . x row t over
// `cols` columns, r < R, t < T.
template <int R, int T>
void Tile(const float* wp, int64_t cols, const float* x, int64_t ldx,
          bool accumulate, float* y, int64_t ldy) {
  __m512 acc[T][R];
  for (int t = 0; t < T; ++t) {
    for (int r = 0; r < R; ++r) acc[t][r] = _mm512_setzero_ps();
  }
  int64_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    Step<R, T, false>(wp, x, ldx, c, 0xffff, acc);
  }
  if (c < cols) Step<R, T, true>(wp, x, ldx, c, ColMask(cols - c), acc);
  for (int t = 0; t < T; ++t) StoreSums<R>(acc[t], accumulate, y + t * ldy);
}

// Panel rows [0, R) over tokens [0, n): 3-token tiles, then the tail.
template <int R>
void PanelTokens(const float* wp, int64_t cols, const float* x, int64_t ldx,
                 int64_t n, bool accumulate, float* y, int64_t ldy) {
  int64_t t = 0;
  for (; t + kTileTokens <= n; t += kTileTokens) {
    Tile<R, kTileTokens>(wp, cols, x + t * ldx, ldx, accumulate, y + t * ldy,
                         ldy);
  }
  if (n - t == 2) {
    Tile<R, 2>(wp, cols, x + t * ldx, ldx, accumulate, y + t * ldy, ldy);
  } else if (n - t == 1) {
    Tile<R, 1>(wp, cols, x + t * ldx, ldx, accumulate, y + t * ldy, ldy);
  }
}

// Rows [0, rows) of w (stride ws) over columns [c0, c0 + cb) as f32 into
// panel (row stride kPanelStride floats; zeros past cb up to the next 16).
template <class L>
void LoadPanel(const uint8_t* w, size_t ws, int64_t c0, int64_t cb, int rows,
               float* panel) {
  for (int r = 0; r < rows; ++r) {
    const uint8_t* src = w + r * ws + c0 * L::kSize;
    for (int64_t c = 0; c < cb; c += 16) {
      _mm512_store_ps(panel + r * kPanelStride + c,
                      L::Load(src + c * L::kSize, ColMask(cb - c)));
    }
  }
}

// Rows [0, R) of w over tokens [0, n), column panel by column panel; cols == 0
// writes zeros (an empty sum: attention over no cache slots relies on it).
template <class L, int R>
void RowPanel(const uint8_t* w, size_t ws, int64_t cols, const float* x,
              int64_t ldx, int64_t n, float* y, int64_t ldy, float* panel) {
  for (int64_t c0 = 0; c0 == 0 || c0 < cols; c0 += kPanelCols) {
    const int64_t cb = std::min(kPanelCols, cols - c0);
    LoadPanel<L>(w, ws, c0, cb, R, panel);
    PanelTokens<R>(panel, cb, x + c0, ldx, n, c0 > 0, y, ldy);
  }
}

// Outer-product path (16 or more tokens): the activations of up to 64 tokens
// are transposed once per (token block, column panel) into xt[c][64] and
// shared by every row, so a tile of 6 rows x 64 tokens (24 accumulators, one
// output per lane) does per column 4 activation loads, 6 weight broadcasts
// and 24 FMAs, with no horizontal sums: each output lane sums its columns in
// order, as the scalar kernel does. The dot-product tiles above instead end
// every 8 x 3 tile in 24 horizontal sums, a quarter of the work of a 256-wide
// Q . K^T row, and the P . V panel (8 x 1024) plus three activation rows do not
// fit L1.
constexpr int kOpRows = 6;            // weight rows per outer-product tile
constexpr int64_t kOpTokens = 64;     // tokens per transposed block (4 zmm)
constexpr int64_t kOpCols = 256;      // columns per transposed block (64 KB)
constexpr int64_t kOpMinTokens = 16;  // fewer: the dot-product tiles

// r[k] (16 rows of 16) := column k of the 16 x 16 matrix with rows r[0..16).
inline void Transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {  // per 128-bit lane: pairs of rows interleaved
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // r[4i + j], lane L: rows 4i..4i+3, col 4L+j
    const __m512d a = _mm512_castps_pd(t[4 * i]);
    const __m512d b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]);
    const __m512d d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; ++j) {  // gather lane L of r[j], r[4+j], r[8+j], ...
    const __m512 u0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x44);
    const __m512 u1 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xee);
    const __m512 v0 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xee);
    t[j] = _mm512_shuffle_f32x4(u0, v0, 0x88);
    t[4 + j] = _mm512_shuffle_f32x4(u0, v0, 0xdd);
    t[8 + j] = _mm512_shuffle_f32x4(u1, v1, 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(u1, v1, 0xdd);
  }
  for (int k = 0; k < 16; ++k) r[k] = t[k];
}

// xt[c * kOpTokens + t] = x[t, c] for c < cb, t < nt; zeros for t from nt up
// to the next 16.
void TransposeActs(const float* x, int64_t ldx, int64_t nt, int64_t cb,
                   float* xt) {
  for (int64_t c = 0; c < cb; c += 16) {
    const __mmask16 m = ColMask(cb - c);
    const int64_t jn = std::min<int64_t>(16, cb - c);
    for (int64_t g = 0; g < nt; g += 16) {
      __m512 r[16];
      for (int k = 0; k < 16; ++k) {
        r[k] = g + k < nt ? _mm512_maskz_loadu_ps(m, x + (g + k) * ldx + c)
                          : _mm512_setzero_ps();
      }
      Transpose16(r);
      for (int j = 0; j < jn; ++j) {
        _mm512_store_ps(xt + (c + j) * kOpTokens + g, r[j]);
      }
    }
  }
}

// y[k * ldy + i] (+)= lane k of acc[i] for i < rows, k < kt.
inline void StoreColumns(const __m512 (&acc)[kOpRows], int rows, int64_t kt,
                         bool accumulate, float* y, int64_t ldy) {
  __m512 r[16];
  for (int i = 0; i < 16; ++i) {
    r[i] = i < kOpRows ? acc[i] : _mm512_setzero_ps();
  }
  Transpose16(r);
  const __mmask16 m = ColMask(rows);
  for (int64_t k = 0; k < kt; ++k) {
    __m512 v = r[k];
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, y + k * ldy));
    _mm512_mask_storeu_ps(y + k * ldy, m, v);
  }
}

// y[t * ldy + i] (+)= panel row i . xt column t over cb columns, i < rows,
// t < nt <= 16 * NV (panel rows from `rows` to kOpRows are read, not stored).
template <int NV>
void OpTile(const float* wp, const float* xt, int64_t cb, int rows, int64_t nt,
            bool accumulate, float* y, int64_t ldy) {
  __m512 acc[NV][kOpRows];
  for (int v = 0; v < NV; ++v) {
    for (int i = 0; i < kOpRows; ++i) acc[v][i] = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < cb; ++c) {
    __m512 xv[NV];
    for (int v = 0; v < NV; ++v) {
      xv[v] = _mm512_load_ps(xt + c * kOpTokens + 16 * v);
    }
    for (int i = 0; i < kOpRows; ++i) {
      const __m512 wv = _mm512_set1_ps(wp[i * kPanelStride + c]);
      for (int v = 0; v < NV; ++v) {
        acc[v][i] = _mm512_fmadd_ps(xv[v], wv, acc[v][i]);
      }
    }
  }
  for (int v = 0; v < NV; ++v) {
    StoreColumns(acc[v], rows, std::min<int64_t>(16, nt - 16 * v), accumulate,
                 y + 16 * v * ldy, ldy);
  }
}

// Rows [r0, r1) of w over tokens [0, n), n >= kOpMinTokens.
template <class L>
void OpGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
            const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  alignas(64) float xt[kOpCols * kOpTokens];
  alignas(64) float panel[kOpRows * kPanelStride];
  for (int64_t t0 = 0; t0 < n; t0 += kOpTokens) {
    const int64_t nt = std::min(kOpTokens, n - t0);
    const int64_t nv = (nt + 15) / 16;
    for (int64_t c0 = 0; c0 == 0 || c0 < cols; c0 += kOpCols) {
      const int64_t cb = std::min(kOpCols, cols - c0);
      TransposeActs(x + t0 * ldx + c0, ldx, nt, cb, xt);
      float* yt = y + t0 * ldy;  // [nt, ldy]
      for (int64_t r = r0; r < r1; r += kOpRows) {
        const int rows = static_cast<int>(std::min<int64_t>(kOpRows, r1 - r));
        LoadPanel<L>(w + r * ws, ws, c0, cb, rows, panel);
        for (int i = rows; i < kOpRows; ++i) {  // defined, never stored
          std::memset(panel + i * kPanelStride, 0, sizeof(float) * cb);
        }
        const bool acc = c0 > 0;
        if (nv == 4) {
          OpTile<4>(panel, xt, cb, rows, nt, acc, yt + r, ldy);
        } else if (nv == 3) {
          OpTile<3>(panel, xt, cb, rows, nt, acc, yt + r, ldy);
        } else if (nv == 2) {
          OpTile<2>(panel, xt, cb, rows, nt, acc, yt + r, ldy);
        } else {
          OpTile<1>(panel, xt, cb, rows, nt, acc, yt + r, ldy);
        }
      }
    }
  }
}

// Direct path (at most kDirectTokens tokens: the query rows of one KV head in
// decode attention, 4 on E4B, 8 on E2B). With so few tokens per converted
// weight, the panel's store and reload cost as much as the FMAs (hot in L2,
// f16, 4 tokens: the conversion loop took as long as the tiles), so the
// weights are converted straight into registers, once per 4 tokens: R rows x
// T tokens of accumulators (R * T <= 24), per 16 columns R converting loads, T
// activation loads and R * T FMAs.
constexpr int64_t kDirectTokens = 8;

// The K / V rows of a decode step come from memory (a layer's cache is past
// L2) as R short rows per tile, too short a stream for the hardware
// prefetchers: each tile fetches the same columns of the rows four tiles on
// (1, 2 and 4 tiles ahead measured; 4 the fastest).
constexpr int kAheadTiles = 4;

template <class L, int R, int T, bool kMasked>
inline void DirectStep(const uint8_t* w, size_t ws, int64_t c, __mmask16 m,
                       const float* x, int64_t ldx, __m512 (&acc)[T * R]) {
  __m512 xv[T];
  for (int t = 0; t < T; ++t) {
    xv[t] = kMasked ? _mm512_maskz_loadu_ps(m, x + t * ldx + c)
                    : _mm512_loadu_ps(x + t * ldx + c);
  }
  for (int r = 0; r < R; ++r) {
    const __m512 wv = L::Load(w + r * ws + c * L::kSize, m);
    for (int t = 0; t < T; ++t)
      acc[t * R + r] = _mm512_fmadd_ps(wv, xv[t], acc[t * R + r]);
  }
}

template <class L, int R, int T>
void DirectTile(const uint8_t* w, size_t ws, int64_t cols, const float* x,
                int64_t ldx, float* y, int64_t ldy) {
  constexpr int kN = T * R;
  __m512 acc[kN];
  for (int i = 0; i < kN; ++i) acc[i] = _mm512_setzero_ps();
  constexpr int64_t kLineCols = 64 / L::kSize;  // columns per cache line
  int64_t c = 0;
  for (; c + kLineCols <= cols; c += kLineCols) {
    for (int r = 0; r < R; ++r) {
      PrefetchL1(w + (r + kAheadTiles * R) * ws + c * L::kSize);
    }
    for (int64_t k = 0; k < kLineCols; k += 16) {
      DirectStep<L, R, T, false>(w, ws, c + k, 0xffff, x, ldx, acc);
    }
  }
  for (; c + 16 <= cols; c += 16) {
    DirectStep<L, R, T, false>(w, ws, c, 0xffff, x, ldx, acc);
  }
  if (c < cols) {
    DirectStep<L, R, T, true>(w, ws, c, ColMask(cols - c), x, ldx, acc);
  }
  alignas(16) float sums[(kN + 3) / 4 * 4];
  int i = 0;
  for (; i + 4 <= kN; i += 4) {
    _mm_store_ps(sums + i, Sum4(acc[i], acc[i + 1], acc[i + 2], acc[i + 3]));
  }
  for (; i < kN; ++i) sums[i] = _mm512_reduce_add_ps(acc[i]);
  for (int t = 0; t < T; ++t) {
    for (int r = 0; r < R; ++r) y[t * ldy + r] = sums[t * R + r];
  }
}

// Rows [r0, r1) over T tokens: tiles of R rows, then single rows.
template <class L, int R, int T>
void DirectRows(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, float* y,
                int64_t ldy) {
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    DirectTile<L, R, T>(w + r * ws, ws, cols, x, ldx, y + r, ldy);
  }
  for (; r < r1; ++r) {
    DirectTile<L, 1, T>(w + r * ws, ws, cols, x, ldx, y + r, ldy);
  }
}

template <class L>
void DirectGemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  for (int64_t t = 0; t < n; t += 4) {
    const float* xt = x + t * ldx;
    float* yt = y + t * ldy;
    switch (std::min<int64_t>(4, n - t)) {
      case 4:
        DirectRows<L, 6, 4>(w, ws, r0, r1, cols, xt, ldx, yt, ldy);
        break;
      case 3:
        DirectRows<L, 8, 3>(w, ws, r0, r1, cols, xt, ldx, yt, ldy);
        break;
      case 2:
        DirectRows<L, 8, 2>(w, ws, r0, r1, cols, xt, ldx, yt, ldy);
        break;
      default:
        DirectRows<L, 8, 1>(w, ws, r0, r1, cols, xt, ldx, yt, ldy);
    }
  }
}

template <class L>
void Gemm(const uint8_t* w, size_t ws, int64_t r0, int64_t r1, int64_t cols,
          const float* x, int64_t ldx, int64_t n, float* y, int64_t ldy) {
  if (n <= 0) return;
  if (n >= kOpMinTokens) {
    OpGemm<L>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
    return;
  }
  if (n <= kDirectTokens) {
    DirectGemm<L>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
    return;
  }
  alignas(64) float panel[kPanelRows * kPanelStride];
  // Equal chunks of whole register tiles (100 tokens: 51 + 49, not 66 + 34).
  const int64_t n_chunks = (n + kTokenChunk - 1) / kTokenChunk;
  const int64_t per = (n + n_chunks - 1) / n_chunks;
  const int64_t chunk = (per + kTileTokens - 1) / kTileTokens * kTileTokens;
  for (int64_t t0 = 0; t0 < n; t0 += chunk) {
    const int64_t nt = std::min(chunk, n - t0);
    const float* xc = x + t0 * ldx;  // [nt, ldx]
    float* yc = y + t0 * ldy;        // [nt, ldy]
    int64_t r = r0;
    for (; r + kPanelRows <= r1; r += kPanelRows) {
      RowPanel<L, kPanelRows>(w + r * ws, ws, cols, xc, ldx, nt, yc + r, ldy,
                              panel);
    }
    for (; r + 4 <= r1; r += 4) {
      RowPanel<L, 4>(w + r * ws, ws, cols, xc, ldx, nt, yc + r, ldy, panel);
    }
    for (; r < r1; ++r) {
      RowPanel<L, 1>(w + r * ws, ws, cols, xc, ldx, nt, yc + r, ldy, panel);
    }
  }
}

}  // namespace

void GemmF32F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  Gemm<F32W>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                int64_t ldy) {
  Gemm<F16W>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

void GemmBF16F32(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                 int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
                 int64_t ldy) {
  Gemm<BF16W>(w, ws, r0, r1, cols, x, ldx, n, y, ldy);
}

}  // namespace avx512
}  // namespace edgemma
