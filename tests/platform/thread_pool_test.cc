#include "platform/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace edgemma {
namespace {

// Runs ParallelFor and checks: every index covered exactly once, chunk starts
// multiples of grain, thread indices in range, at most 4 chunks per thread, and
// when there are at most size() grains, at most one chunk per thread.
void CheckCoverage(ThreadPool& pool, int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  for (auto& h : hits) h.store(0);
  std::atomic<int> chunks{0};
  std::atomic<int> bad{0};
  std::vector<std::atomic<int>> per_thread(static_cast<size_t>(pool.size()));
  for (auto& t : per_thread) t.store(0);
  pool.ParallelFor(n, grain, [&](int64_t b, int64_t e, int t) {
    chunks.fetch_add(1);
    if (b % grain != 0 || b >= e || e > n || t < 0 || t >= pool.size())
      bad.fetch_add(1);
    if (e != n && e % grain != 0) bad.fetch_add(1);
    if (t >= 0 && t < pool.size())
      per_thread[static_cast<size_t>(t)].fetch_add(1);
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
  });
  EXPECT_EQ(bad.load(), 0) << "n=" << n << " grain=" << grain;
  EXPECT_LE(chunks.load(), 4 * pool.size());
  if ((n + grain - 1) / grain <= pool.size()) {
    EXPECT_LE(chunks.load(), pool.size());
    for (auto& t : per_thread) EXPECT_LE(t.load(), 1);
  }
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
        << "index " << i << " n=" << n;
  }
}

TEST(ThreadPool, EveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {1, 2, 5, 31, 32, 33, 100, 1000, 4097}) {
      for (int64_t grain : {1, 2, 8, 32, 64, 5000})
        CheckCoverage(pool, n, grain);
    }
  }
}

// A worker that is held up (here: blocked inside its first chunk until the
// caller has run every other chunk; on a real machine: woken late or preempted)
// delays the job by one small chunk, not by a static half: the caller runs the
// other 7 of 8 chunks (with static halves it ran 1 of 2). The worker gives up
// waiting after 5 s, so a regression fails instead of hanging.
TEST(ThreadPool, CallerTakesOverTheChunksOfAHeldUpWorker) {
  ThreadPool pool(2);
  constexpr int64_t kN = 800;  // 8 chunks of 100 at grain 1
  std::atomic<int> caller_chunks{0};
  std::atomic<int> worker_chunks{0};
  std::atomic<int64_t> covered{0};
  pool.ParallelFor(kN, 1, [&](int64_t b, int64_t e, int t) {
    covered.fetch_add(e - b);
    if (t == 0) {
      caller_chunks.fetch_add(1);
      return;
    }
    if (worker_chunks.fetch_add(1) > 0) return;
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (covered.load() < kN && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
  });
  EXPECT_EQ(covered.load(), kN);
  EXPECT_LE(worker_chunks.load(), 1);
  EXPECT_GE(caller_chunks.load(), 7);
}

TEST(ThreadPool, ZeroAndNegativeNDoNothing) {
  ThreadPool pool(3);
  int calls = 0;
  pool.ParallelFor(0, 1, [&](int64_t, int64_t, int) { ++calls; });
  pool.ParallelFor(-5, 1, [&](int64_t, int64_t, int) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ThreadPool, RepeatedDispatchSumsCorrectly) {
  ThreadPool pool(4);
  std::vector<int64_t> data(10000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<int64_t>(i);
  for (int rep = 0; rep < 500; ++rep) {
    std::atomic<int64_t> sum{0};
    pool.ParallelFor(static_cast<int64_t>(data.size()), 16,
                     [&](int64_t b, int64_t e, int) {
                       int64_t s = 0;
                       for (int64_t i = b; i < e; ++i)
                         s += data[static_cast<size_t>(i)];
                       sum.fetch_add(s);
                     });
    ASSERT_EQ(sum.load(), 10000LL * 9999 / 2) << "rep " << rep;
  }
}

TEST(ThreadPool, OneThreadRunsOnCaller) {
  ThreadPool pool(1);
  int calls = 0;
  pool.ParallelFor(10, 3, [&](int64_t b, int64_t e, int t) {
    ++calls;
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 10);
    EXPECT_EQ(t, 0);
  });
  EXPECT_EQ(calls, 1);
  ThreadPool clamped(0);  // clamped to 1
  EXPECT_EQ(clamped.size(), 1);
}

TEST(ThreadPool, FunctionPointerInterface) {
  ThreadPool pool(3);
  int64_t out[90] = {};
  pool.ParallelFor(
      90, 4,
      [](void* ctx, int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i) static_cast<int64_t*>(ctx)[i] = i * 2;
      },
      out);
  for (int i = 0; i < 90; ++i) EXPECT_EQ(out[i], i * 2);
}

TEST(ThreadPool, CreateAndDestroyManyPools) {
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(1 + i % 4);
    if (i % 2) CheckCoverage(pool, 64, 4);
  }
}

}  // namespace
}  // namespace edgemma
