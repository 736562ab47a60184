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
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "bench/common/peak.h"
#include "platform/huge_pages.h"
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

// Streaming read bandwidth in GB/s over p[n] (make it far larger than the
// caches), best of repetitions lasting >= min_s. pool null: one thread.
double ReadBandwidth(const uint64_t* p, int64_t n, ThreadPool* pool,
                     double min_s);
// Words of memory (all 1) in a fresh anonymous mapping advised for
// transparent huge pages (2 MiB pages where the kernel allows: with 4 KiB
// pages a stream pays a page walk every 4 KiB and reads ~10-40% slower),
// unmapped by the destructor. Empty when the mapping fails.
class ProbeBuffer {
 public:
  explicit ProbeBuffer(size_t bytes);
  ~ProbeBuffer();
  ProbeBuffer(const ProbeBuffer&) = delete;
  ProbeBuffer& operator=(const ProbeBuffer&) = delete;
  const uint64_t* data() const { return data_; }
  int64_t words() const { return words_; }

 private:
  uint64_t* data_ = nullptr;
  int64_t words_ = 0;
};
// Bytes of the roofline bandwidth probe's buffer: max(1 GiB, 4 x the
// last-level cache), so that caches serve a negligible share of it, within
// half of the available memory (at least 64 MiB).
size_t RooflineProbeBytes();

// Allocates in 2 MiB aligned pieces that ask for 2 MiB pages: weight buffers
// that a kernel benchmark streams cold, held as the runtime holds the model's
// weights (platform/huge_pages.h), so cold figures match decode's.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) {
    const size_t bytes =
        (n * sizeof(T) + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* p = std::aligned_alloc(kHugePageBytes, bytes > 0 ? bytes : 1);
    if (p == nullptr) throw std::bad_alloc();
    AdviseHugePages(p, bytes, true);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};
using HugePageBytes = std::vector<uint8_t, HugePageAllocator<uint8_t>>;
// ReadBandwidth over a fresh ProbeBuffer of `bytes` (unmapped before
// returning).
double ReadBandwidthOfSize(size_t bytes, ThreadPool* pool, double min_s);
// Read bandwidth (GB/s) over p[n] with `streams` (1..8) interleaved sequential
// streams per thread, one 64-byte line from each in turn, as a gemv tile reads
// its rows (one stream alone leaves a server core's DRAM bandwidth unused: too
// few misses in flight). Median of repetitions; on the CPU clock when
// cpu_clock (like MedianTime's cpu_threads).
double ReadBandwidthStreams(const uint64_t* p, int64_t n, ThreadPool* pool,
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
