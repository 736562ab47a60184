// An AMD-tuned twin of an x86 kernel table: the base with its decode gemvs
// swapped for ones that prefetch their band streams, selected only where CPUID
// says AMD (Kernels::preferred) and runnable, so tested, wherever the base is.
#ifndef EDGEMMA_QUANT_X86_AMD_TWIN_H_
#define EDGEMMA_QUANT_X86_AMD_TWIN_H_

#include "quant/kernels.h"

namespace edgemma {
namespace {

constexpr Kernels AmdTwin(Kernels k, const char* name, GemmQFn gemv_q4_0,
                          GemmQFn gemv_q8_0) {
  k.name = name;
  k.preferred = [](const CpuFeatures& f) { return f.amd; };
  k.gemv_q4_0_q8_0 = gemv_q4_0;
  k.gemv_q8_0_q8_0 = gemv_q8_0;
  return k;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_X86_AMD_TWIN_H_
