// <immintrin.h> for translation units built with the AVX-512 flags, with the
// warnings GCC 12 raises falsely there silenced: its AVX-512 intrinsics pass a
// self-initialised _mm512_undefined_*() as the pass-through operand, which
// -W(maybe-)uninitialized reports at every use. The pragmas hold for the rest
// of the including translation unit.
#ifndef EDGEMMA_QUANT_X86_AVX512_INTRIN_H_
#define EDGEMMA_QUANT_X86_AVX512_INTRIN_H_

#include <immintrin.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#endif  // EDGEMMA_QUANT_X86_AVX512_INTRIN_H_
