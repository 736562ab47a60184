// The AMX table: the AVX-512 table (quant/x86/avx512/table.h: decode gemv,
// K-quants, float tiles, vector ops) with the n >= 2 Q4_0 / Q8_0 x Q8_0
// prefill kernels on AMX bf16 tiles (gemm_q8_tiles.cc). n == 1 stays on the
// VNNI gemv: one token fills one row of a 16-row tile, and decode is
// bandwidth-bound anyway.
#include "quant/kernels.h"

#include "quant/x86/amx/amx.h"
#include "quant/x86/avx512/table.h"

namespace edgemma {
namespace {

bool AmxRunnable(const CpuFeatures& f) {
  return Avx512Runnable(f) && f.amx_tile && f.amx_bf16 && f.avx512bf16;
}

constexpr Kernels MakeAmxKernels() {
  Kernels k = Avx512KernelTable();
  k.name = "amx";
  k.runnable = AmxRunnable;
  k.gemm_q4_0_q8_0 = amx::GemmQ4_0Q8_0;
  k.gemm_q8_0_q8_0 = amx::GemmQ8_0Q8_0;
  k.gemm_q8_bf16 = true;
  return k;
}

}  // namespace

constexpr Kernels kAmxKernels = MakeAmxKernels();

}  // namespace edgemma
