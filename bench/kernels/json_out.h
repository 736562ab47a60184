// The JSON output file of edgemma-bench-kernels, shared by its focus modes.
#ifndef EDGEMMA_BENCH_KERNELS_JSON_OUT_H_
#define EDGEMMA_BENCH_KERNELS_JSON_OUT_H_

#include <cstdio>
#include <string>

namespace edgemma {

// `path` opened for writing, or null after a message naming it on stderr.
inline FILE* OpenJsonOut(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "edgemma-bench-kernels: cannot write %s\n",
                 path.c_str());
  }
  return f;
}

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_KERNELS_JSON_OUT_H_
