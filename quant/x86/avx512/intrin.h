// <immintrin.h> for translation units built with the AVX-512 flags, with the
// warnings GCC 12 raises falsely there silenced: its AVX-512 intrinsics pass a
// self-initialised _mm512_undefined_*() as the pass-through operand, which
// -W(maybe-)uninitialized reports at every use. The pragmas hold for the rest
// of the including translation unit. Also the kernels' prefetch helpers.
#ifndef EDGEMMA_QUANT_X86_AVX512_INTRIN_H_
#define EDGEMMA_QUANT_X86_AVX512_INTRIN_H_

#include <immintrin.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace edgemma {
namespace avx512 {

// prefetcht0 / prefetcht1 of the line holding p, as asm statements: GCC 12
// deletes _mm_prefetch loops that have no other effect (finite loops without
// side effects), which once silently dropped a prefetch loop. Prefetches never
// fault, so addresses past a matrix are harmless.
inline void PrefetchL1(const void* p) {
  __asm__ volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
}
inline void PrefetchL2(const void* p) {
  __asm__ volatile("prefetcht1 %0" : : "m"(*static_cast<const char*>(p)));
}

}  // namespace avx512
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AVX512_INTRIN_H_
