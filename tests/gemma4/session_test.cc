// Sessions and the KV cache on tiny-e2b: ring wrap-around over several windows
// with any chunk size, Rewind, context-full, caller buffers, threads, probes,
// and no allocation after creation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "quant/kernels.h"
#include "tests/gemma4/model_test_util.h"
#include "tests/support/alloc_guard.h"

namespace edgemma::test {
namespace {

const Model& Tiny() { return *CachedTestModel("tiny-e2b"); }

// Deterministic pseudo-random ids in [0, vocab) (no size hard-coded).
std::vector<int32_t> Ids(int n, uint32_t seed) {
  std::vector<int32_t> ids(n);
  for (int i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    ids[i] = static_cast<int32_t>((seed >> 8) %
                                  static_cast<uint32_t>(Tiny().text().vocab));
  }
  return ids;
}

std::unique_ptr<Session> NewSession(int ctx, int max_batch, int slack = 0,
                                    int threads = 1) {
  SessionOptions o;
  o.ctx = ctx;
  o.max_batch = max_batch;
  o.rewind_slack = slack;
  o.n_threads = threads;
  Result<std::unique_ptr<Session>> s = Session::Create(Tiny(), o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::vector<float> Last(const Session& s) {
  return std::vector<float>(s.logits(), s.logits() + Tiny().text().vocab);
}

Status Feed(Session& s, const std::vector<int32_t>& ids, size_t begin,
            size_t end) {
  Batch b;
  b.tokens = ids.data() + begin;
  b.n = static_cast<int>(end - begin);
  return s.Prefill(b);
}

TEST(SessionTest, RingWrapsOverSeveralWindowsWithAnyChunkSize) {
  const int window = Tiny().text().window;
  const int n = 6 * window + 3;
  const std::vector<int32_t> ids = Ids(n, 11);
  Result<std::vector<float>> whole = RunLogits(Tiny(), ids, {});
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  // Chunk sizes take different attention kernels (outer-product tiles from 16
  // query rows, direct dot-product tiles below), so the sums run in different
  // orders, and the differences grow through the layers (tiny model, chunk 1:
  // 1.5e-4 with the panel tiles, 2.2e-4 with the direct ones, logits up to 24):
  // a bound of 2e-5 of the largest logit; a wrong mask or ring slot moves
  // logits by O(1).
  float scale = 0.f;
  for (float v : *whole) scale = std::max(scale, std::abs(v));
  for (int chunk : {1, 2, window - 1, window, window + 1, 2 * window + 3}) {
    RunOptions o;
    o.chunk = chunk;
    Result<std::vector<float>> got = RunLogits(Tiny(), ids, o);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_LE(MaxAbsDiff(got->data(), whole->data(), got->size()),
              2e-5f * scale)
        << "chunk " << chunk;
  }
}

TEST(SessionTest, PrefillLongerThanMaxBatchIsChunked) {
  const std::vector<int32_t> ids = Ids(3 * Tiny().text().window, 5);
  std::unique_ptr<Session> a = NewSession(64, 4);
  std::unique_ptr<Session> b = NewSession(64, 64);
  ASSERT_TRUE(Feed(*a, ids, 0, ids.size()).ok());
  ASSERT_TRUE(Feed(*b, ids, 0, ids.size()).ok());
  EXPECT_EQ(a->position(), static_cast<int64_t>(ids.size()));
  EXPECT_LE(MaxAbsDiff(a->logits(), b->logits(), Tiny().text().vocab), 2e-4f);
}

// max_batch 0 asks the kernels (x86: 128, others 64); the arena is sized
// for the chunk used, and a negative one is refused.
TEST(SessionTest, ZeroMaxBatchTakesTheKernelsPrefillChunk) {
  std::unique_ptr<Session> s = NewSession(64, 0);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->options().max_batch, Tiny().kernels().prefill_chunk);
  EXPECT_GE(Tiny().kernels().prefill_chunk, 1);
  SessionOptions o;
  o.ctx = 64;
  o.max_batch = 0;
  Result<size_t> auto_bytes = Session::RequiredBytes(Tiny(), o);
  o.max_batch = Tiny().kernels().prefill_chunk;
  Result<size_t> same = Session::RequiredBytes(Tiny(), o);
  ASSERT_TRUE(auto_bytes.ok() && same.ok());
  EXPECT_EQ(*auto_bytes, *same);
  o.max_batch = -1;
  Result<size_t> bad = Session::RequiredBytes(Tiny(), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("max_batch"), std::string::npos);
}

TEST(SessionTest, RewindThenRedecodeGivesIdenticalLogits) {
  const int window = Tiny().text().window;
  const std::vector<int32_t> ids = Ids(3 * window + 6, 7);
  const size_t cut = 3 * window;
  for (int slack : {0, 6}) {
    std::unique_ptr<Session> s = NewSession(128, 4, slack);
    ASSERT_TRUE(Feed(*s, ids, 0, cut).ok());
    const int steps = slack == 0 ? 1 : slack;  // how far back the ring allows
    std::vector<std::vector<float>> first;
    for (int j = 0; j < steps; ++j) {
      ASSERT_TRUE(s->Decode(ids[cut + j]).ok());
      first.push_back(Last(*s));
    }
    ASSERT_TRUE(s->Rewind(cut).ok());
    EXPECT_EQ(s->position(), static_cast<int64_t>(cut));
    EXPECT_EQ(s->logits(), nullptr);
    for (int j = 0; j < steps; ++j) {
      ASSERT_TRUE(s->Decode(ids[cut + j]).ok());
      EXPECT_EQ(0, std::memcmp(first[j].data(), s->logits(),
                               first[j].size() * sizeof(float)))
          << "slack " << slack << " step " << j;
    }
  }
}

TEST(SessionTest, RewindTooFarIsAnErrorAndChangesNothing) {
  const int window = Tiny().text().window;
  const std::vector<int32_t> ids = Ids(3 * window, 9);
  std::unique_ptr<Session> s = NewSession(64, 8);
  ASSERT_TRUE(Feed(*s, ids, 0, ids.size()).ok());
  Status st = s->Rewind(ids.size() - 3);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("rewind"), std::string::npos) << st.message();
  EXPECT_EQ(s->Rewind(ids.size() + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->position(), static_cast<int64_t>(ids.size()));
  // Rewind(0) always works and replays identically.
  const std::vector<float> before = Last(*s);
  ASSERT_TRUE(s->Rewind(0).ok());
  ASSERT_TRUE(Feed(*s, ids, 0, ids.size()).ok());
  EXPECT_EQ(0, std::memcmp(before.data(), s->logits(),
                           before.size() * sizeof(float)));
}

TEST(SessionTest, ContextFull) {
  const std::vector<int32_t> ids = Ids(12, 3);
  std::unique_ptr<Session> s = NewSession(10, 4);
  ASSERT_TRUE(Feed(*s, ids, 0, 8).ok());
  Status st = Feed(*s, ids, 8, 11);
  EXPECT_EQ(st.code(), StatusCode::kContextFull) << st.ToString();
  EXPECT_EQ(s->position(), 8);
  ASSERT_TRUE(s->Decode(ids[8]).ok());
  ASSERT_TRUE(s->Decode(ids[9]).ok());
  EXPECT_EQ(s->Decode(ids[10]).code(), StatusCode::kContextFull);
  EXPECT_EQ(s->position(), 10);
}

TEST(SessionTest, BadInputsAreClearErrors) {
  std::unique_ptr<Session> s = NewSession(16, 4);
  EXPECT_EQ(s->Decode(Tiny().text().vocab).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Decode(-1).code(), StatusCode::kInvalidArgument);
  Batch empty;
  EXPECT_EQ(s->Prefill(empty).code(), StatusCode::kInvalidArgument);
  int32_t tok = 1;
  uint8_t use = 1;
  Batch no_emb;
  no_emb.tokens = &tok;
  no_emb.n = 1;
  no_emb.use_embedding = &use;
  EXPECT_EQ(s->Prefill(no_emb).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->position(), 0);
  SessionOptions bad;
  bad.ctx = 0;
  EXPECT_FALSE(Session::Create(Tiny(), bad).ok());
}

TEST(SessionTest, CallerBufferAndRequiredBytes) {
  SessionOptions o;
  o.ctx = 32;
  o.max_batch = 4;
  Result<size_t> need = Session::RequiredBytes(Tiny(), o);
  ASSERT_TRUE(need.ok());
  std::vector<uint64_t> small(need.value() / 16);
  EXPECT_EQ(Session::Create(Tiny(), o, small.data(), small.size() * 8)
                .status()
                .code(),
            StatusCode::kArenaFull);
  alignas(64) static uint8_t storage[1 << 22];
  ASSERT_LE(need.value(), sizeof(storage));
  Result<std::unique_ptr<Session>> s =
      Session::Create(Tiny(), o, storage, sizeof(storage));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::vector<int32_t> ids = Ids(20, 4);
  ASSERT_TRUE(Feed(**s, ids, 0, ids.size()).ok());
  std::unique_ptr<Session> heap = NewSession(32, 4);
  ASSERT_TRUE(Feed(*heap, ids, 0, ids.size()).ok());
  EXPECT_EQ(0, std::memcmp((*s)->logits(), heap->logits(),
                           Tiny().text().vocab * sizeof(float)));
}

TEST(SessionTest, ThreadsGiveTheSameLogits) {
  const std::vector<int32_t> ids = Ids(40, 21);
  RunOptions one, two;
  two.threads = 2;
  Result<std::vector<float>> a = RunLogits(Tiny(), ids, one);
  Result<std::vector<float>> b = RunLogits(Tiny(), ids, two);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LE(MaxAbsDiff(a->data(), b->data(), a->size()), 1e-4f);
}

// Parallel attention on every layer (threshold 0): decode and chunks of up to
// 64 / n_heads tokens split the keys across threads (empty parts included:
// 3 threads over an 8-slot ring), longer chunks split the query rows; both
// must give the single-thread logits, across ring wrap-around. f32 KV: up to
// summation order. f16 KV: the order changes K/V in the last bits, which flips
// f16 roundings of later layers' K/V; on these 20 random layers that grows to
// ~2e-2 (the same spread as between kernel variants), hence a looser bound.
TEST(SessionTest, ParallelAttentionGivesTheSameLogits) {
  const std::vector<int32_t> ids = Ids(70, 33);
  for (KvType kv : {KvType::kF32, KvType::kF16}) {
    for (int chunk : {1, 5, 13}) {
      RunOptions one;  // same chunks: f16 rounding of the cache depends on them
      one.kv = kv;
      one.chunk = chunk;
      Result<std::vector<float>> want = RunLogits(Tiny(), ids, one);
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      for (int threads : {2, 3}) {
        RunOptions par = one;
        par.threads = threads;
        par.attn_parallel_min_work = 0;
        Result<std::vector<float>> got = RunLogits(Tiny(), ids, par);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        const float bound = kv == KvType::kF32 ? 5e-4f : 0.05f;
        EXPECT_LE(MaxAbsDiff(want->data(), got->data(), want->size()), bound)
            << "threads " << threads << " chunk " << chunk << " kv "
            << (kv == KvType::kF16 ? "f16" : "f32");
      }
    }
  }
}

TEST(SessionTest, NoAllocationAfterCreation) {
  ASSERT_TRUE(AllocHookInstalled());
  const std::vector<int32_t> ids = Ids(30, 8);
  for (int threads : {1, 2}) {
    for (KvType kv : {KvType::kF32, KvType::kF16}) {
      SessionOptions o;
      o.ctx = 64;
      o.max_batch = 5;
      o.n_threads = threads;
      o.kv_type = kv;
      o.rewind_slack = 2;
      o.attn_parallel_min_work = 0;  // the parallel attention paths too
      Result<std::unique_ptr<Session>> s = Session::Create(Tiny(), o);
      ASSERT_TRUE(s.ok());
      Batch b;
      b.tokens = ids.data();
      b.n = 23;
      ScopedNoAlloc guard;
      Status st = (*s)->Prefill(b);
      for (int j = 23; j < 30 && st.ok(); ++j) st = (*s)->Decode(ids[j]);
      if (st.ok()) st = (*s)->Rewind(28);
      if (st.ok()) st = (*s)->Decode(ids[28]);
      const int64_t allocations = guard.allocations();
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(allocations, 0) << "threads " << threads;
    }
  }
}

}  // namespace
}  // namespace edgemma::test
