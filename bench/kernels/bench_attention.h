// edgemma-bench-kernels --focus attn [--variant NAME] [--quick]: the decode
// attention products as a decode step runs them, per kernel variant, on one
// thread (decode splits the keys across threads, so one thread's part is what
// each runs): for each layer of a model-sized stack, Q . K^T over an f16 K
// cache [slots, KV heads x head_dim] and P . V over its transposed V, the
// query rows of one KV head (4 on E4B, 8 on E2B) at a time. "cold": the layers'
// caches together exceed 3x the last-level cache, so K / V come from DRAM as in
// decode; "hot": one layer's cache repeated. Prints ms per step, GMAC/s and
// GB/s of K / V read; writes JSON rows.
#ifndef EDGEMMA_BENCH_KERNELS_BENCH_ATTENTION_H_
#define EDGEMMA_BENCH_KERNELS_BENCH_ATTENTION_H_

#include <string>

namespace edgemma {

struct AttentionBenchOptions {
  bool quick = false;
  std::string json;     // "" = no file
  std::string variant;  // "" = every runnable variant but scalar
};

// 0 on success, 1 on an I/O error or a product that disagrees with scalar.
int RunAttentionBench(const AttentionBenchOptions& o);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_KERNELS_BENCH_ATTENTION_H_
