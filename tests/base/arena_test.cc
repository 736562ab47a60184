#include "core/base/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "platform/huge_pages.h"
#include "tests/support/vm_flags.h"

namespace edgemma {
namespace {

uintptr_t Addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST(ArenaPlan, OffsetsRespectAlignment) {
  ArenaPlan plan;
  const int a = plan.Add("a", 10, 8);
  const int b = plan.Add("b", 100, 64);
  const int c = plan.Add("c", 1, 256);
  const int d = plan.Add("empty", 0, 16);
  ASSERT_EQ(plan.regions().size(), 4u);
  EXPECT_EQ(plan.regions()[a].offset, 0u);
  EXPECT_EQ(plan.regions()[b].offset, 64u);
  EXPECT_EQ(plan.regions()[c].offset, 256u);
  EXPECT_EQ(plan.regions()[d].offset, 272u);
  EXPECT_EQ(plan.total_bytes(), 272u);
  EXPECT_EQ(plan.alignment(), 256u);
  const std::string desc = plan.Describe();
  EXPECT_NE(desc.find("b 100"), std::string::npos) << desc;
  EXPECT_NE(desc.find("total 272"), std::string::npos) << desc;
}

TEST(Arena, OwnedAllocationIsAlignedAndRegionsDoNotOverlap) {
  ArenaPlan plan;
  const int x = plan.Add("x", 1000, 64);
  const int y = plan.Add("y", 333, 128);
  Arena arena;
  ASSERT_TRUE(arena.Init(plan).ok());
  EXPECT_EQ(Addr(arena.Region(x)) % 64, 0u);
  EXPECT_EQ(Addr(arena.Region(y)) % 128, 0u);
  EXPECT_GE(Addr(arena.Region(y)), Addr(arena.Region(x)) + 1000);
  EXPECT_EQ(arena.RegionBytes(y), 333u);
  std::memset(arena.Region(x), 1, 1000);  // writable (ASan checks the bounds)
  std::memset(arena.Region(y), 2, 333);
  EXPECT_GE(arena.capacity(), plan.total_bytes());
  EXPECT_EQ(arena.high_water(), plan.total_bytes());
  EXPECT_FALSE(arena.Init(plan).ok());  // twice
}

// An owned arena of 2 MiB or more is 2 MiB aligned and asks for 2 MiB pages
// (its KV cache and activations are streamed every step); a smaller one and a
// caller's buffer are left as they are.
TEST(Arena, LargeOwnedArenaAsksForHugePages) {
  if (!testing::HugePageAdviceVisible()) {
    GTEST_SKIP() << "no transparent huge pages or no /proc/self/smaps";
  }
  ArenaPlan big;
  const int kv = big.Add("kv", 3 * kHugePageBytes + 4096, 64);
  Arena arena;
  ASSERT_TRUE(arena.Init(big).ok());
  EXPECT_EQ(Addr(arena.Region(kv)) % kHugePageBytes, 0u);
  EXPECT_GE(arena.capacity(), big.total_bytes());
  const auto* base = static_cast<const uint8_t*>(arena.Region(kv));
  for (size_t at : {size_t{0}, 2 * kHugePageBytes, big.total_bytes() - 1}) {
    EXPECT_TRUE(testing::HasVmFlag(testing::VmFlagsAt(base + at), "hg"))
        << at << ": " << testing::VmFlagsAt(base + at);
  }
  std::memset(arena.Region(kv), 3, arena.RegionBytes(kv));

  ArenaPlan small;
  const int s = small.Add("s", 4096, 64);
  Arena little;
  ASSERT_TRUE(little.Init(small).ok());
  EXPECT_FALSE(testing::HasVmFlag(testing::VmFlagsAt(little.Region(s)), "hg"));
}

TEST(Arena, CallerBufferTooSmallOrMisaligned) {
  ArenaPlan plan;
  plan.Add("kv", 4096, 64);
  alignas(64) static uint8_t buf[8192];
  {
    Arena a;
    Status s = a.Init(plan, buf, 4000);
    EXPECT_EQ(s.code(), StatusCode::kArenaFull);
    EXPECT_NE(s.message().find("4096"), std::string::npos) << s.message();
  }
  {
    Arena a;
    Status s = a.Init(plan, buf + 8, 8000);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("aligned"), std::string::npos) << s.message();
  }
  {
    Arena a;
    ASSERT_TRUE(a.Init(plan, buf, sizeof(buf)).ok());
    EXPECT_EQ(a.Region(0), buf);
    EXPECT_EQ(a.capacity(), sizeof(buf));
  }
}

TEST(Arena, ScratchAllocationAndHighWater) {
  ArenaPlan plan;
  plan.Add("planned", 100, 64);
  alignas(64) static uint8_t buf[1024];
  Arena arena;
  ASSERT_TRUE(arena.Init(plan, buf, sizeof(buf)).ok());
  auto p1 = arena.Allocate(200, 32, "tmp1");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(Addr(p1.value()) % 32, 0u);
  EXPECT_GE(Addr(p1.value()), Addr(buf) + 100);
  auto p2 = arena.Allocate(300, 64, "tmp2");
  ASSERT_TRUE(p2.ok());
  EXPECT_GE(Addr(p2.value()), Addr(p1.value()) + 200);
  const size_t hw = arena.high_water();
  EXPECT_EQ(hw, static_cast<size_t>(Addr(p2.value()) + 300 - Addr(buf)));

  auto big = arena.Allocate(1000, 8, "logits buffer");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kArenaFull);
  EXPECT_NE(big.status().message().find("logits buffer"), std::string::npos);
  EXPECT_NE(big.status().message().find("1000"), std::string::npos);

  arena.ResetScratch();
  auto p3 = arena.Allocate(50, 8, "again");
  ASSERT_TRUE(p3.ok());
  EXPECT_EQ(Addr(p3.value()),
            Addr(buf) + 104);         // first 8-aligned byte after the plan
  EXPECT_EQ(arena.high_water(), hw);  // high water never goes down
  auto huge = arena.Allocate(SIZE_MAX, 8, "overflow");
  EXPECT_EQ(huge.status().code(), StatusCode::kArenaFull);
  auto bad_align = arena.Allocate(8, 3, "odd");
  EXPECT_EQ(bad_align.status().code(), StatusCode::kInvalidArgument);
}

TEST(Arena, AllocateBeforeInitIsAnError) {
  Arena arena;
  auto r = arena.Allocate(8, 8, "early");
  EXPECT_FALSE(r.ok());
}

// One listing plans the regions and, after Init, fills every slot it named:
// shared regions bind to several slots, null slots bind later with Also().
TEST(ArenaBinder, PlansOnceAndBindsEverySlot) {
  struct Views {
    float* x = nullptr;
    int32_t* ids = nullptr;
    void* scratch = nullptr;
    float* shared_a = nullptr;
    float* shared_b = nullptr;
  };
  auto list = [](Views* v, ArenaBinder* b) {
    b->Add("x", 10, &v->x);
    b->Add("ids", 3, &v->ids, 16);
    b->AddBytes("scratch", 100, &v->scratch);
    const int shared = b->Add<float>("shared", 7, nullptr);
    b->Also(shared, &v->shared_a);
    b->Also(shared, &v->shared_b);
  };
  ArenaPlan sizing;
  ArenaBinder sizing_list(&sizing);
  Views unused;
  list(&unused, &sizing_list);

  ArenaPlan plan;
  ArenaBinder binder(&plan);
  Views v;
  list(&v, &binder);
  EXPECT_EQ(plan.total_bytes(), sizing.total_bytes());
  ASSERT_EQ(plan.regions().size(), 4u);
  EXPECT_EQ(plan.regions()[0].bytes, 10 * sizeof(float));
  EXPECT_EQ(plan.regions()[1].bytes, 3 * sizeof(int32_t));
  EXPECT_EQ(v.x, nullptr);  // nothing bound before Bind()

  Arena arena;
  ASSERT_TRUE(arena.Init(plan).ok());
  binder.Bind(arena);
  EXPECT_EQ(v.x, arena.Region(0));
  EXPECT_EQ(static_cast<void*>(v.ids), arena.Region(1));
  EXPECT_EQ(v.scratch, arena.Region(2));
  EXPECT_EQ(v.shared_a, arena.Region(3));
  EXPECT_EQ(v.shared_b, arena.Region(3));
  EXPECT_EQ(unused.x, nullptr);  // the sizing run bound nothing
}

}  // namespace
}  // namespace edgemma
