#include "platform/thread_pool.h"

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGEMMA_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define EDGEMMA_CPU_RELAX() __asm__ volatile("yield")
#else
#define EDGEMMA_CPU_RELAX() ((void)0)
#endif

namespace edgemma {
namespace {
// Spin iterations before sleeping: short, because the target boards often have
// as many threads as cores and a spinning worker steals time from the caller.
// (~20 ns per pause on Zen 5: ~80 us.)
constexpr int kSpinIterations = 4000;

// Chunks per thread when the range is large enough: a thread that is late
// (woken late, preempted by another process) then holds up at most one small
// chunk while the others claim the rest.
constexpr int64_t kChunksPerThread = 4;

int64_t RoundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
}  // namespace

// Dispatch protocol: the caller writes the job fields, then bumps `generation`
// under the mutex (release). Static jobs (n_chunks <= size): worker t
// (1..size-1) runs chunk t of every generation (possibly empty). Dynamic jobs:
// every thread, the caller included, claims chunk indices from `next` until
// none is left. Each worker then decrements `pending`; the caller waits for
// pending == 0.
struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable work_cv;
  std::condition_variable done_cv;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<bool> stop{false};  // published through generation
  // The current job (written only by the caller between dispatches).
  TaskFn fn = nullptr;
  void* ctx = nullptr;
  int64_t n = 0;
  int64_t chunk = 0;
  int64_t n_chunks = 0;
  bool dynamic = false;
  std::atomic<int64_t> next{0};  // next unclaimed chunk (dynamic jobs)
  // Written by the caller between dispatches only; workers read it after the
  // generation acquire and write only their own busy_ns entry.
  PoolProfile* profile = nullptr;

  void RunChunk(int64_t c, int t) {
    const int64_t begin = c * chunk;
    if (begin >= n) return;
    const int64_t end = begin + chunk < n ? begin + chunk : n;
    fn(ctx, begin, end, t);
  }

  // Thread t's share of the current job, timed when a profile is attached.
  void Run(int t) {
    if (!profile) {
      RunShare(t);
      return;
    }
    const int64_t t0 = MonotonicNs();
    RunShare(t);
    profile->busy_ns[t] += MonotonicNs() - t0;
  }

  void RunShare(int t) {
    if (!dynamic) {
      RunChunk(t, t);
      return;
    }
    for (;;) {
      const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= n_chunks) return;
      RunChunk(c, t);
    }
  }

  void WorkerLoop(int t) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = generation.load(std::memory_order_acquire);
      for (int i = 0; g == seen && i < kSpinIterations; ++i) {
        EDGEMMA_CPU_RELAX();
        g = generation.load(std::memory_order_acquire);
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu);
        work_cv.wait(lock, [&] {
          return generation.load(std::memory_order_acquire) != seen;
        });
        g = generation.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop.load(std::memory_order_relaxed)) return;
      Run(t);
      if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu);
        done_cv.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(int n_threads)
    : impl_(new Impl), n_threads_(n_threads < 1 ? 1 : n_threads) {
  impl_->workers.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int t = 1; t < n_threads_; ++t) {
    impl_->workers.emplace_back([this, t] { impl_->WorkerLoop(t); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop.store(true, std::memory_order_relaxed);
    impl_->generation.fetch_add(1, std::memory_order_release);
  }
  impl_->work_cv.notify_all();
  for (std::thread& w : impl_->workers) w.join();
  delete impl_;
}

void ThreadPool::set_profile(PoolProfile* profile) { impl_->profile = profile; }

void ThreadPool::ParallelFor(int64_t n, int64_t grain, TaskFn fn, void* ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  // Static: chunk = ceil(n / threads) rounded up to a multiple of grain.
  int64_t chunk = RoundUp((n + n_threads_ - 1) / n_threads_, grain);
  if (n_threads_ == 1 || chunk >= n) {
    fn(ctx, 0, n, 0);
    return;
  }
  // Dynamic when there is room for more than one chunk per thread.
  const int64_t target = n_threads_ * kChunksPerThread;
  const int64_t small = RoundUp((n + target - 1) / target, grain);
  const int64_t n_small = (n + small - 1) / small;
  Impl& im = *impl_;
  assert(im.pending.load() == 0 && "ParallelFor is not reentrant");
  const int64_t t_start = im.profile ? MonotonicNs() : 0;
  im.dynamic = n_small > n_threads_;
  if (im.dynamic) chunk = small;
  im.fn = fn;
  im.ctx = ctx;
  im.n = n;
  im.chunk = chunk;
  im.n_chunks = (n + chunk - 1) / chunk;
  im.next.store(0, std::memory_order_relaxed);
  im.pending.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(im.mu);
    im.generation.fetch_add(1, std::memory_order_release);
  }
  im.work_cv.notify_all();
  const int64_t t_run = im.profile ? MonotonicNs() : 0;
  im.Run(0);
  const int64_t t_ran = im.profile ? MonotonicNs() : 0;
  for (int i = 0;
       im.pending.load(std::memory_order_acquire) != 0 && i < kSpinIterations;
       ++i) {
    EDGEMMA_CPU_RELAX();
  }
  if (im.pending.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(im.mu);
    im.done_cv.wait(
        lock, [&] { return im.pending.load(std::memory_order_acquire) == 0; });
  }
  if (im.profile) {
    im.profile->wait_ns += (t_run - t_start) + (MonotonicNs() - t_ran);
    ++im.profile->dispatches;
  }
}

}  // namespace edgemma
