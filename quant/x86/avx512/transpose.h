// The 16x4 dword transpose of the AVX-512 rows-in-lanes kernels
// (gemm_q8_rows.cc, gemm_kquant_rows.cc): 16 rows of 4 dwords become 4
// registers with one row per int32 lane. Include ONLY from quant/x86/avx512/
// or quant/x86/amx/ after quant/x86/row_tiles.h; anonymous namespace.
#ifndef EDGEMMA_QUANT_X86_AVX512_TRANSPOSE_H_
#define EDGEMMA_QUANT_X86_AVX512_TRANSPOSE_H_

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "quant/x86/row_tiles.h"

namespace edgemma {
namespace {

// 16 rows x 4 dwords at p (row stride ws) -> g[j] lane r = dword j of row r.
template <bool kFull>
inline void Transpose16x4(const uint8_t* p, size_t ws, int rows, __m512i g[4]) {
  __m512i v[4];
  for (int i = 0; i < 4; ++i) {
    // 128-bit lane L of v[i] holds row 4L + i.
    __m512i x = _mm512_castsi128_si512(Row16<kFull>(p, ws, i, rows));
    x = _mm512_inserti32x4(x, Row16<kFull>(p, ws, 4 + i, rows), 1);
    x = _mm512_inserti32x4(x, Row16<kFull>(p, ws, 8 + i, rows), 2);
    v[i] = _mm512_inserti32x4(x, Row16<kFull>(p, ws, 12 + i, rows), 3);
  }
  const __m512i t0 = _mm512_unpacklo_epi32(v[0], v[1]);
  const __m512i t1 = _mm512_unpackhi_epi32(v[0], v[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(v[2], v[3]);
  const __m512i t3 = _mm512_unpackhi_epi32(v[2], v[3]);
  g[0] = _mm512_unpacklo_epi64(t0, t2);
  g[1] = _mm512_unpackhi_epi64(t0, t2);
  g[2] = _mm512_unpacklo_epi64(t1, t3);
  g[3] = _mm512_unpackhi_epi64(t1, t3);
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX512_TRANSPOSE_H_
