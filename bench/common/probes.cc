#include "bench/common/probes.h"

#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <ctime>

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

// Sum of [b, e) of p read as `streams` interleaved sequential streams, one
// 64-byte line from each in turn: a gemv tile reads its rows this way, and
// one stream alone leaves a server core's DRAM bandwidth unused (too few
// misses in flight).
uint64_t ReadStreams(const uint64_t* p, int64_t b, int64_t e, int streams) {
  constexpr int64_t kLine = 8;  // uint64 per 64-byte line
  const int64_t per = (e - b) / streams / kLine * kLine;
  uint64_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < per; i += kLine) {
    for (int st = 0; st < streams; ++st) {
      const uint64_t* q = p + b + st * per + i;
      for (int j = 0; j < kLine; ++j) acc[j] += q[j];
    }
  }
  uint64_t s = 0;
  for (uint64_t v : acc) s ^= v;
  return s;
}

}  // namespace

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double CpuNow() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         1e-9 * static_cast<double>(ts.tv_nsec);
}

double ReadBandwidth(const uint64_t* p, int64_t n, ThreadPool* pool,
                     double min_s) {
  volatile uint64_t sink = 0;
  const double t = BestTime(
      [&] {
        if (pool == nullptr) {
          sink = sink + ReadSum(p, n);
          return;
        }
        pool->ParallelFor(n, 4096, [&](int64_t b, int64_t e, int) {
          sink = sink + ReadSum(p + b, e - b);
        });
      },
      min_s, 3);
  return static_cast<double>(n) * 8 / t / 1e9;
}

ProbeBuffer::ProbeBuffer(size_t bytes) {
  const size_t words = std::max<size_t>(bytes / 8, 4096);
  void* m = mmap(nullptr, words * 8, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return;
  (void)madvise(m, words * 8, MADV_HUGEPAGE);  // a hint: 4 KiB pages still work
  data_ = static_cast<uint64_t*>(m);
  words_ = static_cast<int64_t>(words);
  std::fill(data_, data_ + words, uint64_t{1});
}

ProbeBuffer::~ProbeBuffer() {
  if (data_ != nullptr) munmap(data_, static_cast<size_t>(words_) * 8);
}

size_t RooflineProbeBytes() {
  constexpr size_t kMiB = size_t{1} << 20;
  size_t avail = 0;  // MemAvailable, bytes
  if (FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    unsigned long long kb = 0;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
        avail = static_cast<size_t>(kb) * 1024;
        break;
      }
    }
    std::fclose(f);
  }
  const size_t want = std::max(size_t{1} << 30, 4 * LastLevelCacheBytes());
  return avail == 0 ? want : std::max(64 * kMiB, std::min(want, avail / 2));
}

double ReadBandwidthOfSize(size_t bytes, ThreadPool* pool, double min_s) {
  const ProbeBuffer buf(bytes);
  if (buf.words() == 0) return 0.0;
  return ReadBandwidth(buf.data(), buf.words(), pool, min_s);
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
  // A tuned twin ("avx512_amd") has the instruction set of its base.
  const std::string isa = variant.substr(0, variant.find('_'));
  for (int i = 0; i < n; ++i) {
    if (isa == loops[i].variant) return &loops[i];
  }
  return nullptr;
}

// Read bandwidth (GB/s) over p[n] with `streams` streams per thread: median
// of repetitions on the CPU clock when cpu_clock (like the gemv timings).
double ReadBandwidthStreams(const uint64_t* p, int64_t n, ThreadPool* pool,
                            int streams, bool cpu_clock, double min_s) {
  volatile uint64_t sink = 0;
  const int nt = pool ? pool->size() : 1;
  const double t = MedianTime(
      [&] {
        if (pool == nullptr) {
          sink = sink + ReadStreams(p, 0, n, streams);
          return;
        }
        pool->ParallelFor(n, n / nt + 1, [&](int64_t b, int64_t e, int) {
          sink = sink + ReadStreams(p, b, e, streams);
        });
      },
      min_s, cpu_clock ? nt : 0);
  return static_cast<double>(n) * 8 / t / 1e9;
}

// Size of the largest CPU cache in bytes (Linux sysfs; 0 when unknown).
size_t LastLevelCacheBytes() {
  size_t best = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string path = "/sys/devices/system/cpu/cpu0/cache/index" +
                             std::to_string(i) + "/size";
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) continue;
    unsigned long long v = 0;
    char unit = 0;
    if (std::fscanf(f, "%llu%c", &v, &unit) >= 1) {
      const size_t mul = unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1;
      best = std::max(best, static_cast<size_t>(v) * mul);
    }
    std::fclose(f);
  }
  return best;
}

}  // namespace edgemma
