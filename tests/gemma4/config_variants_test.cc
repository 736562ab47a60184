// Models whose configs share none of the tiny models' round numbers, generated
// at test time by tests/tools/make_model.py through the numpy reference:
// d_model 56/72/80/88/96 (no square root is a bf16 value), head dims
// 12/20/24/28 and full-layer head dims that are not twice the sliding ones, MQA
// and GQA, irregular sliding/full patterns, no PLE, softcap 20 and none, other
// rope thetas, a sharded checkpoint without the shared layers' k/v, and a
// config that leaves fields to HF's defaults. Our Forward must match the
// reference's logits at its f32 tolerance prefilled whole, in chunks of 3 and
// token by token, and with attention split over threads. Embedding or PLE
// factors rounded to bf16 miss by 0.03 and more.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/gemma4/model_test_util.h"

namespace edgemma::test {
namespace {

const char* const kVariants[] = {
    "d56_hf_defaults", "d72_gqa_irregular", "d80_mqa_softcap20_rope",
    "d88_sharded_no_shared_kv", "d96_no_ple_no_softcap"};

class ConfigVariantTest : public testing::TestWithParam<const char*> {};

TEST_P(ConfigVariantTest, ForwardMatchesReference) {
  if (!HavePythonNumpy())
    GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  Result<std::string> dir = GeneratedVariants("model-variants-forward");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  Result<VariantExpectation> v = LoadVariant(*dir, GetParam());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  Result<std::unique_ptr<Model>> model = Model::Load(v->model_dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  // The premise: every variant's embedding factor changes when rounded to
  // bf16 (make_model.py checks the bits).
  EXPECT_FALSE(v->sqrt_d_model_is_bf16);
  // {chunk, threads}: with 3 threads and parallel attention on every layer,
  // the whole prompt splits into tiles of query rows that cut tokens' head
  // groups apart and start at different first keys (windows 4..7 < 11 tokens).
  const std::pair<int, int> runs[] = {{0, 1}, {3, 1}, {1, 1}, {0, 3}, {3, 2}};
  for (const auto& [chunk, threads] : runs) {
    SCOPED_TRACE("chunk " + std::to_string(chunk) + " threads " +
                 std::to_string(threads));
    RunOptions o;
    o.chunk = chunk;
    o.threads = threads;
    if (threads > 1) o.attn_parallel_min_work = 0;
    Result<std::vector<float>> got = RunLogits(**model, v->ids, o);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), v->logits.size());
    const float max_abs =
        MaxAbsDiff(got->data(), v->logits.data(), got->size());
    std::printf(
        "[variant] %-26s chunk %d threads %d max_abs %.3g (atol %.3g)\n",
        GetParam(), chunk, threads, max_abs, v->atol);
    EXPECT_LE(max_abs, v->atol);
  }
}

INSTANTIATE_TEST_SUITE_P(Generated, ConfigVariantTest,
                         testing::ValuesIn(kVariants));

// The generator and this test agree on the list of variants.
TEST(ConfigVariantManifest, ListsEveryVariant) {
  if (!HavePythonNumpy())
    GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  Result<std::string> dir = GeneratedVariants("model-variants-forward");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  int n = 0;
  for (const char* name : kVariants) n += LoadVariant(*dir, name).ok();
  EXPECT_EQ(n, static_cast<int>(std::size(kVariants)));
}

}  // namespace
}  // namespace edgemma::test
