// Out-of-line matrix kernels of the AMX variant (quant/x86/amx/*.cc, compiled
// with the AVX-512 flags plus -mamx-tile -mamx-int8 -mamx-bf16 -mavx512bf16;
// call only where kAmxKernels is runnable, i.e. where GetCpuFeatures()
// reported amx_bf16 and avx512bf16, which on Linux also means the process
// holds the tile state permission). Same contract as GemmQFn in
// quant/kernels.h but for the rounding (gemm_q8_tiles.cc states the bound): no
// heap allocation (about 130 KB of stack), no global state (the tile
// configuration is loaded on entry and released before returning), any shape.
#ifndef EDGEMMA_QUANT_X86_AMX_AMX_H_
#define EDGEMMA_QUANT_X86_AMX_AMX_H_

#include <cstddef>
#include <cstdint>

namespace edgemma {
namespace amx {

// Q4_0 / Q8_0 x Q8_0 on TDPBF16PS tiles (gemm_q8_tiles.cc; both operands
// rounded to bf16 with their block scales folded in, so within about 2^-7 of
// sum |w x| of the exact product): whole 16-row x 16-token tiles on AMX, the
// rest (row and token tails, n < 16) on the AVX-512 VNNI kernels.
void GemmQ4_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);
void GemmQ8_0Q8_0(const uint8_t* w, size_t ws, int64_t r0, int64_t r1,
                  int64_t nb, const uint8_t* xq, size_t xs, int64_t n, float* y,
                  int64_t ldy);

}  // namespace amx
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AMX_AMX_H_
