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
  bool avx512bf16 = false;  // VCVTNE2PS2BF16 and friends (CPUID.(7,1).EAX[5])
  // AMX tiles and int8 tile products: the CPU has them, the OS saves the tile
  // state (XCR0), and (Linux) this process was granted the tile data state
  // (arch_prctl ARCH_REQ_XCOMP_PERM, requested once by GetCpuFeatures()).
  bool amx_tile = false;
  bool amx_int8 = false;
  bool amx_bf16 = false;  // TDPBF16PS (CPUID.(7,0).EDX[22]), with amx_tile
  bool amd = false;       // vendor AuthenticAMD or HygonGenuine (tuning only)
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

// Thread-safe; computed on first call (on Linux x86 with AMX, the first call
// also asks the kernel for permission to use the tile state).
const CpuFeatures& GetCpuFeatures();

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_CPU_FEATURES_H_
