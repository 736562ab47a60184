#include "bench/common/probes.h"

#include <chrono>

namespace edgemma {
namespace {

// Streaming read: 64-bit sums over the buffer (the compiler vectorises the
// loop).
uint64_t ReadSum(const uint64_t* p, int64_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t i = 0; i + 4 <= n; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 ^ s1 ^ s2 ^ s3;
}

}  // namespace

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ReadBandwidth(const std::vector<uint64_t>& buf, ThreadPool* pool,
                     double min_s) {
  volatile uint64_t sink = 0;
  const int64_t n = static_cast<int64_t>(buf.size());
  const double t = BestTime(
      [&] {
        if (pool == nullptr) {
          sink = sink + ReadSum(buf.data(), n);
          return;
        }
        pool->ParallelFor(n, 4096, [&](int64_t b, int64_t e, int) {
          sink = sink + ReadSum(buf.data() + b, e - b);
        });
      },
      min_s, 3);
  return static_cast<double>(n) * 8 / t / 1e9;
}

double ReadBandwidthOfSize(size_t bytes, ThreadPool* pool, double min_s) {
  const std::vector<uint64_t> buf(std::max<size_t>(bytes / 8, 4096), 1);
  return ReadBandwidth(buf, pool, min_s);
}

double Int8Peak(const PeakLoop& loop, ThreadPool* pool, bool quick) {
  // Short repetitions (~0.2 ms at 2 vpdpbusd/cycle): on a shared machine the
  // best of many short runs finds one not preempted; 7 ms runs read 30-50%
  // low under load, inflating every roofline ratio.
  const int64_t iters = quick ? 20000 : 100000;
  int64_t sink = 1;
  const int nt = pool ? pool->size() : 1;
  std::vector<int64_t> macs(static_cast<size_t>(nt), 0);
  const double t = BestTime(
      [&] {
        if (pool == nullptr) {
          macs[0] = loop.run(iters, &sink);
          return;
        }
        pool->ParallelFor(nt, 1, [&](int64_t b, int64_t e, int) {
          for (int64_t i = b; i < e; ++i) {
            int64_t local = 1;
            macs[i] = loop.run(iters, &local);
          }
        });
      },
      quick ? 0.0 : 0.2, 3);
  int64_t total = 0;
  for (int64_t m : macs) total += m;
  return 2.0 * static_cast<double>(total) / t / 1e9;
}

const PeakLoop* FindPeakLoop(const std::string& variant) {
  int n = 0;
  const PeakLoop* loops = PeakLoops(&n);
  for (int i = 0; i < n; ++i) {
    if (variant == loops[i].variant) return &loops[i];
  }
  return nullptr;
}

}  // namespace edgemma
