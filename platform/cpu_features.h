// CPU feature detection (cpuid on x86, getauxval on aarch64). Detected once,
// then immutable.
#ifndef EDGEMMA_PLATFORM_CPU_FEATURES_H_
#define EDGEMMA_PLATFORM_CPU_FEATURES_H_

#include <string>

namespace edgemma {

struct CpuFeatures {
  // x86
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avxvnni = false;
  // aarch64 (armv7: neon only)
  bool neon = false;
  bool dotprod = false;
  bool i8mm = false;
  bool fp16 = false;
  bool sve = false;

  std::string arch;   // "x86_64", "aarch64", "armv7", "unknown"
  std::string model;  // CPU model name if known (/proc/cpuinfo), else ""
  int logical_cores = 1;

  // "avx2 fma f16c avx512f ..." (only the features present).
  std::string ToString() const;
};

// Thread-safe; computed on first call.
const CpuFeatures& GetCpuFeatures();

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_CPU_FEATURES_H_
