// `edgemma info`: the CPU (model, features, cores) and the kernel variants this
// build can run.
#include <cstdio>
#include <cstring>

#include "examples/cli/command.h"
#include "platform/cpu_features.h"
#include "quant/ops.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma info\n"
    "  Prints the CPU model, its features, the number of logical cores and the "
    "kernel\n"
    "  variants available in this build on this CPU (best first) and the one "
    "selected\n"
    "  (EDGEMMA_KERNELS=<name> forces a variant).\n";

int Info(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "edgemma info: unexpected argument '%s'\n%s", argv[i],
                 kUsage);
    return 2;
  }
  const CpuFeatures& f = GetCpuFeatures();
  std::printf("cpu:      %s\n",
              f.model.empty() ? "(unknown model)" : f.model.c_str());
  std::printf("arch:     %s\n", f.arch.c_str());
  std::printf("cores:    %d logical\n", f.logical_cores);
  std::printf("features: %s\n",
              f.ToString().empty() ? "(none)" : f.ToString().c_str());
  std::printf("kernels:  ");
  const auto available = AvailableKernels();
  for (size_t i = 0; i < available.size(); ++i) {
    std::printf("%s%s", i ? " " : "", KernelsName(*available[i]));
  }
  std::printf("\n");
  Result<const Kernels*> selected = SelectKernels();
  if (!selected.ok()) {
    std::printf("selected: none\n");
    std::fprintf(stderr, "edgemma info: %s\n",
                 selected.status().ToString().c_str());
    return 1;
  }
  std::printf("selected: %s\n", KernelsName(*selected.value()));
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("info", "print CPU features and the kernel variants in use",
                Info);

}  // namespace edgemma::cli
