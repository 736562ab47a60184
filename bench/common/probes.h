// Machine probes shared by the benchmark tools (edgemma-bench-kernels,
// `edgemma bench`): a monotonic clock, best-of-N timing, streaming read
// bandwidth and the int8 MAC peak of the register-resident loops in peak.h.
// Threads: each probe runs on the calling thread or on `pool` (not owned; not
// used concurrently). Figures only; nothing here fails.
#ifndef EDGEMMA_BENCH_COMMON_PROBES_H_
#define EDGEMMA_BENCH_COMMON_PROBES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/peak.h"
#include "platform/thread_pool.h"

namespace edgemma {

// Seconds on a monotonic clock.
double Now();

// Best time of `fn` over repetitions lasting at least `min_s` (and at least
// `min_reps`; at most ~1000).
template <typename F>
double BestTime(F&& fn, double min_s, int min_reps) {
  double best = 1e30;
  const double start = Now();
  for (int rep = 0; rep < min_reps || Now() - start < min_s; ++rep) {
    const double t0 = Now();
    fn();
    best = std::min(best, Now() - t0);
    if (rep > 1000) break;
  }
  return best;
}

// Streaming read bandwidth in GB/s over `buf` (make it far larger than the
// caches), best of repetitions lasting >= min_s. pool null: one thread.
double ReadBandwidth(const std::vector<uint64_t>& buf, ThreadPool* pool,
                     double min_s);

// Same, over a freshly allocated buffer of `bytes` (freed before returning).
double ReadBandwidthOfSize(size_t bytes, ThreadPool* pool, double min_s);

// int8 peak in GOP/s (2 ops per MAC) of one loop, run on every thread of
// `pool` at once (null: one thread). quick: a few microseconds, figure
// meaningless.
double Int8Peak(const PeakLoop& loop, ThreadPool* pool, bool quick);

// The peak loop that measures kernel variant `variant` ("avx512", "neondot",
// ...), or null when this build has none for it.
const PeakLoop* FindPeakLoop(const std::string& variant);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_COMMON_PROBES_H_
