// The walk every blocked matrix kernel makes over its output: rows [r0, r1) x
// tokens [0, n) in passes of `chunk` tokens (a pass's activations stay in
// cache while every row of the range streams past them once), R x T register
// tiles, then R x 1 tiles for the pass's last tokens and 1 x 1 tiles for the
// last rows. Header-only, ISA-independent; anonymous namespace (each kernel TU
// compiles its own copy with its own flags).
#ifndef EDGEMMA_QUANT_SIMD_TILE_LOOP_H_
#define EDGEMMA_QUANT_SIMD_TILE_LOOP_H_

#include <cstdint>

namespace edgemma {
namespace {

// Calls tile.template Run<Rt, Tt>(r, t) for the tile at row r, token t, with
// (Rt, Tt) one of (R, T), (R, 1), (1, 1). The tile functions are declared
// [[gnu::noinline]]: each hot loop stays a function of its own with every
// register to itself, whatever the inliner decides for this walk (inlined,
// the f32-activation 4 x 2 AVX2 tile ran 3-8% slower).
template <int R, int T, class Tile>
inline void ForEachTile(int64_t r0, int64_t r1, int64_t n, int64_t chunk,
                        const Tile& tile) {
  for (int64_t t0 = 0; t0 < n; t0 += chunk) {
    const int64_t t1 = t0 + chunk < n ? t0 + chunk : n;
    int64_t r = r0;
    for (; r + R <= r1; r += R) {
      int64_t t = t0;
      for (; t + T <= t1; t += T) tile.template Run<R, T>(r, t);
      for (; t < t1; ++t) tile.template Run<R, 1>(r, t);
    }
    for (; r < r1; ++r) {
      for (int64_t t = t0; t < t1; ++t) tile.template Run<1, 1>(r, t);
    }
  }
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SIMD_TILE_LOOP_H_
