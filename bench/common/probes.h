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

// CPU seconds of the whole process (all threads). Next to wall time it
// separates our own cost from time lost to other work on a shared machine.
double CpuNow();

// Median time of `fn` over repetitions lasting at least min_s (>= 5 reps, at
// most 1000): robust to the other work of a shared machine, unlike the best
// time. cpu_threads > 0: time on the process CPU clock divided by cpu_threads
// (the threads that run fn), so time the scheduler gave to other processes
// does not count; A/B comparisons of one kernel stay stable under load.
template <typename F>
double MedianTime(F&& fn, double min_s, int cpu_threads = 0) {
  std::vector<double> t;
  const double start = Now();
  while (t.size() < 5 || (Now() - start < min_s && t.size() < 1000)) {
    const double t0 = cpu_threads > 0 ? CpuNow() : Now();
    fn();
    t.push_back(cpu_threads > 0 ? (CpuNow() - t0) / cpu_threads : Now() - t0);
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  return t[t.size() / 2];
}

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

// Read bandwidth (GB/s) over buf with `streams` (1..8) interleaved sequential
// streams per thread, one 64-byte line from each in turn, as a gemv tile reads
// its rows (one stream alone leaves a server core's DRAM bandwidth unused: too
// few misses in flight). Median of repetitions; on the CPU clock when
// cpu_clock (like MedianTime's cpu_threads).
double ReadBandwidthStreams(const std::vector<uint64_t>& buf, ThreadPool* pool,
                            int streams, bool cpu_clock, double min_s);

// Size of the largest CPU cache in bytes (Linux sysfs; 0 when unknown).
size_t LastLevelCacheBytes();

// int8 peak in GOP/s (2 ops per MAC) of one loop, run on every thread of
// `pool` at once (null: one thread). quick: a few microseconds, figure
// meaningless.
double Int8Peak(const PeakLoop& loop, ThreadPool* pool, bool quick);

// The peak loop that measures kernel variant `variant` ("avx512", "neondot",
// ...), or null when this build has none for it.
const PeakLoop* FindPeakLoop(const std::string& variant);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_COMMON_PROBES_H_
