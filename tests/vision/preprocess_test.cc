// Image preprocessing (core/vision/preprocess.h) against the reference: the
// image_preprocess goldens of both tiny models bit for bit, and images of odd
// sizes generated at test time through gemma4ref.vision (ref_preprocess.py):
// PIL's resize byte for byte, patch rows and positions bit for bit.
#include "core/vision/preprocess.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/config.h"
#include "core/io/mmproj_plan.h"
#include "tests/gemma4/model_test_util.h"
#include "tests/support/alloc_guard.h"
#include "tools/npy.h"

namespace edgemma::test {
namespace {

struct Output {
  std::vector<float> rows;
  std::vector<int32_t> pos;
};

// Plans and preprocesses with exactly the scratch the plan asks for.
Result<Output> RunPreprocess(const ImageProcessorParams& params,
                             const uint8_t* rgb, int h, int w, int budget,
                             bool pad, ImagePlan* plan_out) {
  EM_ASSIGN_OR_RETURN(ImagePlan plan, PlanImage(params, h, w, budget));
  *plan_out = plan;
  const int rows = pad ? plan.max_patches : plan.n_patches;
  Output o;
  o.rows.assign(static_cast<size_t>(rows) * plan.patch_dim, -7.f);
  o.pos.assign(static_cast<size_t>(rows) * 2, -7);
  std::vector<uint8_t> scratch(plan.scratch_bytes);
  EM_RETURN_IF_ERROR(PreprocessImage(params, plan, rgb, pad,
                                     {o.rows.data(), o.pos.data(), rows},
                                     scratch.data(), scratch.size()));
  return o;
}

ImageProcessorParams ParamsFromModel(const std::string& dir) {
  Result<Gemma4Config> cfg = LoadGemma4Config(dir);
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  Result<TowerDims> dims = TowerDimsFromConfig(cfg.value());
  EXPECT_TRUE(dims.ok()) << dims.status().ToString();
  ImageProcessorParams p;
  p.patch_size = dims->vision.patch;
  p.pooling_kernel_size = dims->vision.pool;
  return p;
}

class GoldenPreprocessTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenPreprocessTest, BitExact) {
  const std::string model = GetParam();
  const ImageProcessorParams params = ParamsFromModel(TestdataDir(model));
  Result<std::vector<GoldenCase>> cases =
      LoadManifest(TestdataDir(model + "-golden"));
  ASSERT_TRUE(cases.ok()) << cases.status().ToString();
  int seen = 0;
  for (const GoldenCase& c : cases.value()) {
    if (c.kind != "image_preprocess") continue;
    ++seen;
    Result<NpyArray> rgb = ReadNpy(c.input("rgb"));
    ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
    ASSERT_EQ(rgb->descr, "|u1");
    ASSERT_EQ(rgb->shape.size(), 3u);
    const int budget = static_cast<int>(c.param_int("budget", -1));
    ImagePlan plan;
    Result<Output> out = RunPreprocess(
        params, rgb->data.data(), static_cast<int>(rgb->shape[0]),
        static_cast<int>(rgb->shape[1]), budget, /*pad=*/true, &plan);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(plan.n_soft_tokens, c.param_int("pixel_values.2", -1));
    Result<NpyArray> pv = ReadNpy(c.expected("pixel_values.0"));
    Result<NpyArray> pos = ReadNpy(c.expected("pixel_values.1"));
    ASSERT_TRUE(pv.ok() && pos.ok());
    ASSERT_EQ(pv->descr, "<f4");
    ASSERT_EQ(pv->shape,
              (std::vector<int64_t>{plan.max_patches, plan.patch_dim}));
    ASSERT_EQ(pv->data.size(), out->rows.size() * sizeof(float));
    EXPECT_EQ(std::memcmp(pv->data.data(), out->rows.data(), pv->data.size()),
              0);
    Result<std::vector<int64_t>> want_pos = pos->ToInt();
    ASSERT_TRUE(want_pos.ok());
    ASSERT_EQ(want_pos->size(), out->pos.size());
    for (size_t i = 0; i < out->pos.size(); ++i) {
      ASSERT_EQ(out->pos[i], want_pos.value()[i]) << "position element " << i;
    }
  }
  EXPECT_EQ(seen, 1);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, GoldenPreprocessTest,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

struct RefCase {
  std::string name;
  int h, w, budget, p, k, th, tw, n_soft, has_pv;
};

// Cases written by ref_preprocess.py into a fresh build-tree directory.
std::vector<RefCase> GenerateRefCases(std::string* dir) {
  *dir = BuildScratchDir("vision-preprocess-ref");
  const std::string cmd = "rm -rf '" + *dir + "'/* && /usr/bin/python3 '" +
                          std::string(EDGEMMA_SOURCE_DIR) +
                          "/tests/vision/ref_preprocess.py' '" + SharedDir() +
                          "' '" + *dir + "' > '" + *dir + "/log.txt' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "see " << *dir << "/log.txt";
  std::vector<RefCase> cases;
  std::ifstream m(*dir + "/manifest.txt");
  RefCase c;
  while (m >> c.name >> c.h >> c.w >> c.budget >> c.p >> c.k >> c.th >> c.tw >>
         c.n_soft >> c.has_pv) {
    cases.push_back(c);
  }
  return cases;
}

TEST(PreprocessReferenceTest, GeneratedImagesBitExact) {
  if (std::system("/usr/bin/python3 -c 'import numpy, PIL' >/dev/null 2>&1")) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL not available";
  }
  std::string dir;
  const std::vector<RefCase> cases = GenerateRefCases(&dir);
  ASSERT_GE(cases.size(), 40u);
  int with_pv = 0;
  for (const RefCase& c : cases) {
    SCOPED_TRACE(c.name + " " + std::to_string(c.h) + "x" +
                 std::to_string(c.w) + " budget " + std::to_string(c.budget));
    ImageProcessorParams params;
    params.patch_size = c.p;
    params.pooling_kernel_size = c.k;
    Result<ImagePlan> plan = PlanImage(params, c.h, c.w, c.budget);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->out_h, c.th);
    EXPECT_EQ(plan->out_w, c.tw);
    EXPECT_EQ(plan->n_soft_tokens, c.n_soft);
    Result<NpyArray> rgb = ReadNpy(dir + "/" + c.name + ".rgb.npy");
    ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
    if (plan->resized()) {
      Result<NpyArray> want = ReadNpy(dir + "/" + c.name + ".resized.npy");
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      std::vector<uint8_t> got(static_cast<size_t>(c.th) * c.tw * 3);
      std::vector<uint8_t> scratch(
          PilBicubicScratchBytes(c.h, c.w, c.th, c.tw));
      ASSERT_TRUE(PilBicubicResize(rgb->data.data(), c.h, c.w, got.data(), c.th,
                                   c.tw, scratch.data(), scratch.size())
                      .ok());
      ASSERT_EQ(want->data.size(), got.size());
      size_t diff = 0;
      for (size_t i = 0; i < got.size(); ++i) diff += got[i] != want->data[i];
      EXPECT_EQ(diff, 0u) << "bytes differing from PIL";
    }
    if (!c.has_pv) continue;
    ++with_pv;
    ImagePlan p2;
    Result<Output> out =
        RunPreprocess(params, rgb->data.data(), c.h, c.w, c.budget, true, &p2);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    Result<NpyArray> pv = ReadNpy(dir + "/" + c.name + ".pv.npy");
    Result<NpyArray> pos = ReadNpy(dir + "/" + c.name + ".pos.npy");
    ASSERT_TRUE(pv.ok() && pos.ok());
    ASSERT_EQ(pv->data.size(), out->rows.size() * sizeof(float));
    EXPECT_EQ(std::memcmp(pv->data.data(), out->rows.data(), pv->data.size()),
              0);
    ASSERT_EQ(pos->data.size(), out->pos.size() * sizeof(int32_t));
    EXPECT_EQ(std::memcmp(pos->data.data(), out->pos.data(), pos->data.size()),
              0);
  }
  EXPECT_GE(with_pv, 8);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(PreprocessPlanTest, SpecTable) {
  // vision spec 1.3 (H x W -> th x tw, N) and the reference self-test.
  struct Row {
    int h, w, b, th, tw, n;
  } rows[] = {
      {480, 640, 70, 336, 432, 63},         {480, 640, 280, 672, 912, 266},
      {1080, 1920, 1120, 1200, 2112, 1100}, {1024, 1024, 560, 1104, 1104, 529},
      {10, 10, 280, 768, 768, 256},         {2000, 100, 140, 2496, 96, 104},
      {4, 4000, 280, 48, 13440, 280},       {4, 4000, 1120, 48, 50784, 1058},
      {120, 200, 1120, 1200, 2064, 1075}};
  ImageProcessorParams params;
  for (const Row& r : rows) {
    Result<ImagePlan> plan = PlanImage(params, r.h, r.w, r.b);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->out_h, r.th) << r.h << "x" << r.w << " B=" << r.b;
    EXPECT_EQ(plan->out_w, r.tw) << r.h << "x" << r.w << " B=" << r.b;
    EXPECT_EQ(plan->n_soft_tokens, r.n);
    EXPECT_EQ(plan->max_patches, 9 * r.b);
    EXPECT_EQ(plan->patch_dim, 768);
    EXPECT_EQ(plan->n_patches, plan->grid_h * plan->grid_w);
  }
}

TEST(PreprocessPlanTest, BadInputsAreErrors) {
  ImageProcessorParams params;
  for (int b : {0, 69, 71, 100, 281, 2240, -280}) {
    Result<ImagePlan> plan = PlanImage(params, 100, 100, b);
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.status().message().find("budget " + std::to_string(b)),
              std::string::npos)
        << plan.status().message();
  }
  EXPECT_FALSE(PlanImage(params, 0, 10, 280).ok());
  EXPECT_FALSE(PlanImage(params, 10, -1, 280).ok());
  ImageProcessorParams bad = params;
  bad.patch_size = 0;
  EXPECT_FALSE(PlanImage(bad, 10, 10, 280).ok());
  bad = params;
  bad.rescale_factor = 0;
  EXPECT_FALSE(PlanImage(bad, 10, 10, 280).ok());
}

TEST(PreprocessTest, ScratchCapacityAndNoAllocation) {
  ImageProcessorParams params;
  std::mt19937 rng(3);
  const int h = 311, w = 517, budget = 140;
  std::vector<uint8_t> rgb(static_cast<size_t>(h) * w * 3);
  for (uint8_t& v : rgb) v = static_cast<uint8_t>(rng());
  Result<ImagePlan> plan = PlanImage(params, h, w, budget);
  ASSERT_TRUE(plan.ok());
  ASSERT_GT(plan->scratch_bytes, 0u);
  std::vector<float> rows(static_cast<size_t>(plan->max_patches) *
                          plan->patch_dim);
  std::vector<int32_t> pos(static_cast<size_t>(plan->max_patches) * 2);
  std::vector<uint8_t> scratch(plan->scratch_bytes);
  // Too little scratch or room: errors, not overflows.
  Status s = PreprocessImage(params, *plan, rgb.data(), true,
                             {rows.data(), pos.data(), plan->max_patches},
                             scratch.data(), scratch.size() - 1);
  EXPECT_EQ(s.code(), StatusCode::kArenaFull);
  s = PreprocessImage(params, *plan, rgb.data(), true,
                      {rows.data(), pos.data(), plan->max_patches - 1},
                      scratch.data(), scratch.size());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Unpadded output fits n_patches rows and equals the padded prefix.
  std::vector<float> rows2(rows.size());
  std::vector<int32_t> pos2(pos.size());
  {
    ScopedNoAlloc guard;
    ASSERT_TRUE(PreprocessImage(params, *plan, rgb.data(), true,
                                {rows.data(), pos.data(), plan->max_patches},
                                scratch.data(), scratch.size())
                    .ok());
    ASSERT_TRUE(PreprocessImage(params, *plan, rgb.data(), false,
                                {rows2.data(), pos2.data(), plan->n_patches},
                                scratch.data(), scratch.size())
                    .ok());
    if (AllocHookInstalled()) {
      EXPECT_EQ(guard.allocations(), 0);
    }
  }
  const size_t real = static_cast<size_t>(plan->n_patches);
  EXPECT_EQ(std::memcmp(rows.data(), rows2.data(),
                        real * plan->patch_dim * sizeof(float)),
            0);
  EXPECT_EQ(std::memcmp(pos.data(), pos2.data(), real * 2 * sizeof(int32_t)),
            0);
  EXPECT_EQ(pos[2 * real], -1);
  EXPECT_EQ(rows[real * plan->patch_dim], 0.f);
}

TEST(PreprocessTest, ScratchBoundCoversEveryShape) {
  ImageProcessorParams params;
  // Every shape up to 96 x 96, then random and extreme shapes up to 20000.
  for (int budget : kImageBudgets) {
    const size_t bound = PreprocessScratchBound(params, budget, 96);
    for (int h = 1; h <= 96; ++h) {
      for (int w = 1; w <= 96; ++w) {
        Result<ImagePlan> plan = PlanImage(params, h, w, budget);
        ASSERT_TRUE(plan.ok());
        ASSERT_LE(plan->scratch_bytes, bound) << h << "x" << w;
      }
    }
  }
  std::mt19937 rng(11);
  for (int budget : kImageBudgets) {
    for (int max_side : {1, 7, 100, 1000, 4096, 20000}) {
      const size_t bound = PreprocessScratchBound(params, budget, max_side);
      std::uniform_int_distribution<int> side(1, max_side);
      for (int i = 0; i < 300; ++i) {
        int h = side(rng), w = side(rng);
        if (i % 3 == 0) h = (i % 2) ? 1 : max_side;  // extreme aspect ratios
        Result<ImagePlan> plan = PlanImage(params, h, w, budget);
        ASSERT_TRUE(plan.ok());
        ASSERT_LE(plan->scratch_bytes, bound)
            << h << "x" << w << " budget " << budget;
      }
    }
  }
}

}  // namespace
}  // namespace edgemma::test
