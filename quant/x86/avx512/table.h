// The AVX-512 F/BW/VL + VNNI table, as a constexpr builder so that the AMX
// variant (quant/x86/amx/), which keeps every member but its prefill int8
// kernels, starts from the same table and both stay constant-initialised.
// Include ONLY from a translation unit compiled with at least the AVX-512
// flags (the templates below are instantiated there).
//
// The int8 matrix kernels are the
// rows-in-lanes vpdpbusd kernels (gemm_q8_rows.cc, decode and prefill), the
// float tiles the panel, direct and outer-product kernels of gemm_f_f32.cc,
// the quantized x f32 kernels gemm_q_f32.cc, the activation quantizer
// quantize_q8.cc, the vector ops and accum_rows the shared templates of
// quant/simd/ on 512-bit vectors. dot/axpy and the f16 conversions stay on
// 256-bit vectors (quant/x86/ymm.h): the rows they see are short (a head), and
// the same summation order as AVX2 keeps the two x86 variants' results there
// identical. K-quants: decode on the 256-bit vpdpwssd tiles of
// quant/x86/kquant_tiles.h (hot 1024x2048 gemv 21-29 GB/s vs 15-22 for a
// 512-bit version of them), prefill on the rows-in-lanes kernels of
// gemm_kquant_rows.cc.
#ifndef EDGEMMA_QUANT_X86_AVX512_TABLE_H_
#define EDGEMMA_QUANT_X86_AVX512_TABLE_H_

#include "quant/kernels.h"
#include "quant/scalar/scalar.h"
#include "quant/simd/vec_ops.h"
#include "quant/x86/avx512/avx512.h"
#include "quant/x86/avx512/kquant_rows.h"
#include "quant/x86/avx512/zmm.h"
#include "quant/x86/int8_tiles.h"
#include "quant/x86/kquant_tiles.h"
#include "quant/x86/ymm.h"

namespace edgemma {
namespace {

bool Avx512Runnable(const CpuFeatures& f) {
  return f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl &&
         f.avx512vnni;
}

constexpr Kernels Avx512KernelTable() {
  Kernels k = ScalarKernelTable();
  k.name = "avx512";
  k.runnable = Avx512Runnable;
  // The prefill tiles decode a weight panel once per 128 tokens (kChunkTokens
  // in gemm_q8_rows.cc); E2B prefill on Zen 5, 2 threads: 224-243 tok/s in
  // chunks of 64, 262-269 in chunks of 128, 269-271 in chunks of 256.
  k.prefill_chunk = 128;
  k.quantize_q8_0 = avx512::QuantizeQ8_0;
  k.gemv_q4_0_q8_0 = avx512::GemmQ4_0Q8_0;
  k.gemm_q4_0_q8_0 = avx512::GemmQ4_0Q8_0;
  k.gemv_q8_0_q8_0 = avx512::GemmQ8_0Q8_0;
  k.gemm_q8_0_q8_0 = avx512::GemmQ8_0Q8_0;
  UseKQuantTiles<KDpwssd, 4, 4>(&k);
  k.gemm_q4_K_q8_K = avx512::GemmQ4_KQ8_KRows;
  k.gemm_q5_K_q8_K = avx512::GemmQ5_KQ8_KRows;
  k.gemm_q6_K_q8_K = avx512::GemmQ6_KQ8_KRows;
  k.gemm_f32_f32 = avx512::GemmF32F32;
  k.gemm_f16_f32 = avx512::GemmF16F32;
  k.gemm_bf16_f32 = avx512::GemmBF16F32;
  k.gemm_q4_0_f32 = avx512::GemmQ4_0F32;
  k.gemm_q8_0_f32 = avx512::GemmQ8_0F32;
  UseStreamOps<Ymm>(&k);
  // Chunk keys' P . V in prefill attention: each output lane sums its keys in
  // order whatever the vector width, so 512 bits give the AVX2 results.
  k.accum_rows_f32 = vec::AccumRowsF32<Zmm>;
  UseVectorOps<Zmm>(&k);
  return k;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX512_TABLE_H_
