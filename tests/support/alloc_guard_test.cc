#include "tests/support/alloc_guard.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "platform/thread_pool.h"

namespace edgemma {
namespace {

// Keeps the optimizer from removing new/delete pairs (allowed since C++14).
template <typename T>
void Escape(T* p) {
  __asm__ volatile("" : : "g"(p) : "memory");
}

TEST(AllocGuard, HookIsInstalledInTests) { EXPECT_TRUE(AllocHookInstalled()); }

TEST(AllocGuard, NothingAllocatedIsZero) {
  int x[16] = {};
  ScopedNoAlloc guard;
  for (int i = 0; i < 16; ++i) x[i] = i * i;
  Escape(x);
  EXPECT_EQ(guard.allocations(), 0);
}

TEST(AllocGuard, CatchesNew) {
  ScopedNoAlloc guard;
  int* p = new int(42);
  Escape(p);
  delete p;
  EXPECT_EQ(guard.allocations(), 1);
  auto arr = std::make_unique<double[]>(10);
  Escape(arr.get());
  EXPECT_EQ(guard.allocations(), 2);
}

TEST(AllocGuard, CatchesVectorGrowth) {
  std::vector<int> v;
  v.reserve(4);
  v.push_back(1);
  ScopedNoAlloc guard;
  for (int i = 0; i < 4; ++i) v.push_back(i);  // outgrows the reserve once
  Escape(v.data());
  EXPECT_GE(guard.allocations(), 1);
}

TEST(AllocGuard, CatchesMalloc) {
  ScopedNoAlloc guard;
  void* p = std::malloc(100);
  Escape(p);
  void* q = std::calloc(4, 8);
  Escape(q);
  p = std::realloc(p, 1000);
  Escape(p);
  std::free(p);
  std::free(q);
  EXPECT_EQ(guard.allocations(), 3);
}

TEST(AllocGuard, CountsThreadPoolWorkers) {
  ThreadPool pool(3);
  std::vector<std::vector<int>> per_chunk(3);
  {
    ScopedNoAlloc guard;
    // Only the workers (thread_index > 0) allocate.
    pool.ParallelFor(3, 1, [&](int64_t b, int64_t, int t) {
      if (t > 0) per_chunk[static_cast<size_t>(b)].resize(100);
    });
    EXPECT_EQ(guard.allocations(), 2);
  }
  // The dispatch itself allocates nothing.
  ScopedNoAlloc guard;
  int64_t sum[3] = {};
  for (int rep = 0; rep < 10; ++rep) {
    pool.ParallelFor(3, 1, [&](int64_t b, int64_t e, int) { sum[b] += e; });
  }
  EXPECT_EQ(guard.allocations(), 0);
}

TEST(AllocGuard, OutsideGuardIsNotCounted) {
  int64_t before;
  {
    ScopedNoAlloc guard;
    before = guard.allocations();
  }
  auto p = std::make_unique<int>(1);
  Escape(p.get());
  ScopedNoAlloc guard;
  EXPECT_EQ(guard.allocations(), 0);
  EXPECT_EQ(before, 0);
}

}  // namespace
}  // namespace edgemma
