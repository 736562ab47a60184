// `edgemma info`: the CPU (model, features, cores) and the kernel variants this
// build can run.
#include <cstdio>

#include "examples/cli/command.h"
#include "examples/cli/flags.h"
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
  Flags flags("info", kUsage);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
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
    return flags.Fail(selected.status());
  }
  std::printf("selected: %s\n", KernelsName(*selected.value()));
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("info", "print CPU features and the kernel variants in use",
                Info);

}  // namespace edgemma::cli
