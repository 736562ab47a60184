// AMX int8 peak: TDPBSSD on 4 independent 16 x 16 int32 accumulator tiles,
// full-depth (16 x 64 bytes) operands, 16 * 16 * 64 MACs each. This is the
// tile unit's own ceiling; the Q4_0 / Q8_0 kernels use half the depth per
// product (one 32-element block) and scale every block with AVX-512, so they
// cannot approach it (quant/x86/amx/gemm_q8_tiles.cc). Call only where the amx
// variant is runnable (GetCpuFeatures() has asked for the tile state).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace edgemma {

int64_t PeakAmx(int64_t iters, int64_t* sink) {
  alignas(64) uint8_t cfg[64];
  std::memset(cfg, 0, sizeof(cfg));
  cfg[0] = 1;  // palette 1: colsb (uint16) at 16 + 2i, rows at 48 + i
  for (int i = 0; i < 8; ++i) {
    cfg[16 + 2 * i] = 64;
    cfg[48 + i] = 16;
  }
  alignas(64) int8_t src[16 * 64];
  std::memset(src, static_cast<int>((*sink & 7) + 1), sizeof(src));
  _tile_loadconfig(cfg);
  _tile_loadd(4, src, 64);
  _tile_loadd(5, src, 64);
  _tile_loadd(6, src, 64);
  _tile_loadd(7, src, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (int64_t i = 0; i < iters; ++i) {
    _tile_dpbssd(0, 4, 6);
    _tile_dpbssd(1, 4, 7);
    _tile_dpbssd(2, 5, 6);
    _tile_dpbssd(3, 5, 7);
  }
  alignas(64) int32_t out[16 * 16];
  _tile_stored(0, out, 64);
  _tile_release();
  for (int32_t v : out) *sink += v;
  return iters * 4 * 16 * 16 * 64;
}

}  // namespace edgemma
