// Which kernel variants this build contains, and run-time selection among them.
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

// Best first; "scalar" last. The per-architecture lists follow
// quant/CMakeLists.txt, which defines EDGEMMA_KERNELS_X86 /
// EDGEMMA_KERNELS_AARCH64 (and EDGEMMA_KERNELS_AMX where the compiler has AMX)
// for the variants it compiles.
const Kernels* const kAllKernels[] = {
#if defined(EDGEMMA_KERNELS_AMX)
    &kAmxKernels,
#endif
#if defined(EDGEMMA_KERNELS_X86)
    &kAvx512AmdKernels, &kAvx512Kernels,  &kAvx2AmdKernels, &kAvx2Kernels,
#endif
#if defined(EDGEMMA_KERNELS_AARCH64)
    &kNeonI8mmKernels,  &kNeonDotKernels, &kNeonKernels,
#endif
    &kScalarKernels,
};

}  // namespace

std::vector<const Kernels*> BuiltKernels() {
  return std::vector<const Kernels*>(std::begin(kAllKernels),
                                     std::end(kAllKernels));
}

const char* KernelsName(const Kernels& k) { return k.name; }

std::vector<const Kernels*> AvailableKernels() {
  std::vector<const Kernels*> out;
  const CpuFeatures& f = GetCpuFeatures();
  for (const Kernels* k : kAllKernels) {
    if (k->runnable(f)) out.push_back(k);
  }
  return out;
}

Result<const Kernels*> FindKernels(const char* name) {
  std::string known;
  for (const Kernels* k : kAllKernels) {
    if (std::strcmp(k->name, name) != 0) {
      known += known.empty() ? "" : ", ";
      known += k->name;
      continue;
    }
    if (!k->runnable(GetCpuFeatures())) {
      return Unsupported(std::string("kernel variant '") + name +
                         "' cannot run on this CPU (features: " +
                         GetCpuFeatures().ToString() + ")");
    }
    return k;
  }
  return NotFound(std::string("kernel variant '") + name +
                  "' is not in this build (built: " + known + ")");
}

Result<const Kernels*> SelectKernels() {
  const char* forced = std::getenv("EDGEMMA_KERNELS");
  if (forced != nullptr && forced[0] != '\0') {
    Result<const Kernels*> k = FindKernels(forced);
    if (!k.ok())
      return Status(k.status().code(),
                    "EDGEMMA_KERNELS: " + k.status().message());
    return k;
  }
  const CpuFeatures& f = GetCpuFeatures();
  for (const Kernels* k : AvailableKernels()) {
    if (k->preferred == nullptr || k->preferred(f)) return k;
  }
  return &kScalarKernels;
}

}  // namespace edgemma
