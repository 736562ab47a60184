// The vision part of the public C API on the tiny models: RGB pixels ->
// edgemma_vision_encode (the vision_tower golden), edgemma_eval_image inside a
// prompt (the image_text golden's logits), edgemma_generate_multimodal_tokens,
// the tower found beside a GGUF model, and clear errors (no tower, wrong
// counts, a prompt ending in media, budgets).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgemma.h"
#include "tests/support/test_dir.h"
#include "tools/npy.h"

namespace {
namespace test = edgemma::test;

std::string Testdata(const std::string& name) {
  return std::string(EDGEMMA_SHARED_DIR) + "/testdata/" + name;
}

std::vector<float> Floats(const std::string& path) {
  auto a = edgemma::ReadNpy(path);
  EXPECT_TRUE(a.ok()) << path;
  if (!a.ok()) return {};
  auto f = a->ToFloat();
  if (!f.ok()) return {};
  return std::move(f).value();
}

std::vector<int32_t> Ids(const std::string& path) {
  auto a = edgemma::ReadNpy(path);
  EXPECT_TRUE(a.ok()) << path;
  std::vector<int32_t> v;
  if (!a.ok()) return v;
  auto ints = a->ToInt();
  if (!ints.ok()) return v;
  const std::vector<int64_t> values = std::move(ints).value();
  for (int64_t x : values) v.push_back(static_cast<int32_t>(x));
  return v;
}

float MaxDiff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Golden tolerances (manifest.json) of one case.
double Atol(const std::string& model, const std::string& name) {
  std::ifstream in(Testdata(model + "-golden/manifest.json"));
  nlohmann::json m = nlohmann::json::parse(in);
  for (const auto& c : m["cases"])
    if (c["name"] == name) return c["tolerance"]["f32"]["atol"].get<double>();
  return 0;
}

struct Rgb {
  std::vector<uint8_t> px;
  int h = 0, w = 0;
};

Rgb GoldenRgb(const std::string& model) {
  auto a =
      edgemma::ReadNpy(Testdata(model + "-golden/image_preprocess/rgb.npy"));
  EXPECT_TRUE(a.ok());
  Rgb r;
  r.px = a->data;
  r.h = static_cast<int>(a->shape[0]);
  r.w = static_cast<int>(a->shape[1]);
  return r;
}

class VisionCapi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        edgemma_model_load(Testdata("tiny-e2b").c_str(), nullptr, &model_),
        EDGEMMA_OK)
        << edgemma_last_error();
    edgemma_vision_params vp = edgemma_vision_default_params();
    vp.max_budget = 70;
    ASSERT_EQ(edgemma_vision_load(model_, nullptr, &vp, &vision_), EDGEMMA_OK)
        << edgemma_last_error();
    edgemma_session_params sp = edgemma_session_default_params();
    sp.n_ctx = 128;
    ASSERT_EQ(edgemma_session_create(model_, &sp, &session_), EDGEMMA_OK)
        << edgemma_last_error();
  }
  void TearDown() override {
    edgemma_session_free(session_);
    edgemma_vision_free(vision_);
    edgemma_model_free(model_);
  }
  edgemma_model* model_ = nullptr;
  edgemma_vision* vision_ = nullptr;
  edgemma_session* session_ = nullptr;
};

TEST_F(VisionCapi, EncodeMatchesTheVisionTowerGolden) {
  const Rgb rgb = GoldenRgb("tiny-e2b");
  int32_t n = 0;
  ASSERT_EQ(edgemma_vision_count_tokens(vision_, rgb.w, rgb.h, 70, &n),
            EDGEMMA_OK);
  const std::vector<float> want =
      Floats(Testdata("tiny-e2b-golden/vision_tower/vision_out.npy"));
  const int d = edgemma_model_d_model(model_);
  ASSERT_EQ(static_cast<size_t>(n) * d, want.size());
  std::vector<float> out(want.size());
  int32_t got = 0;
  ASSERT_EQ(edgemma_vision_encode(vision_, rgb.px.data(), rgb.w, rgb.h, 70,
                                  out.data(), n, &got),
            EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(got, n);
  EXPECT_LE(MaxDiff(out.data(), want.data(), want.size()),
            Atol("tiny-e2b", "vision_tower"));
  // Too small an output, a budget HF does not accept, one above the plan.
  EXPECT_EQ(edgemma_vision_encode(vision_, rgb.px.data(), rgb.w, rgb.h, 70,
                                  out.data(), n - 1, &got),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_vision_count_tokens(vision_, rgb.w, rgb.h, 100, &n),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(edgemma_last_error()).find("100"), std::string::npos);
  EXPECT_EQ(edgemma_vision_count_tokens(vision_, rgb.w, rgb.h, 140, &n),
            EDGEMMA_ERR_INVALID_ARGUMENT);
}

TEST_F(VisionCapi, EvalImageInsideThePromptGivesTheImageTextLogits) {
  const std::vector<int32_t> ids =
      Ids(Testdata("tiny-e2b-golden/image_text/input_ids.npy"));
  const std::vector<float> want =
      Floats(Testdata("tiny-e2b-golden/image_text/logits.npy"));
  const double atol = Atol("tiny-e2b", "image_text");
  const int vocab = edgemma_model_vocab_size(model_);
  const auto boi = std::find(ids.begin(), ids.end(), 498) - ids.begin();
  const auto eoi = std::find(ids.begin(), ids.end(), 500) - ids.begin();
  ASSERT_LT(eoi, static_cast<long>(ids.size()));
  const Rgb rgb = GoldenRgb("tiny-e2b");
  std::vector<float> logits(vocab);
  ASSERT_EQ(
      edgemma_eval_tokens(session_, ids.data(), static_cast<int>(boi), nullptr),
      EDGEMMA_OK);
  ASSERT_EQ(edgemma_eval_image(session_, vision_, rgb.px.data(), rgb.w, rgb.h,
                               70, logits.data()),
            EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(edgemma_session_pos(session_), eoi + 1);
  EXPECT_LE(MaxDiff(logits.data(), want.data() + eoi * vocab, vocab), atol);
  const int rest = static_cast<int>(ids.size() - eoi - 1);
  ASSERT_EQ(
      edgemma_eval_tokens(session_, ids.data() + eoi + 1, rest, logits.data()),
      EDGEMMA_OK);
  EXPECT_LE(
      MaxDiff(logits.data(), want.data() + (ids.size() - 1) * vocab, vocab),
      atol);
}

int32_t First(int32_t token, const char*, size_t, void* user) {
  *static_cast<int32_t*>(user) = token;
  return 1;
}

TEST_F(VisionCapi, GenerateMultimodalTokens) {
  const std::vector<int32_t> ids =
      Ids(Testdata("tiny-e2b-golden/image_text/input_ids.npy"));
  const std::vector<float> want =
      Floats(Testdata("tiny-e2b-golden/image_text/logits.npy"));
  const int vocab = edgemma_model_vocab_size(model_);
  const Rgb rgb = GoldenRgb("tiny-e2b");
  int32_t n = 0;
  std::vector<float> soft(size_t{63} * edgemma_model_d_model(model_));
  ASSERT_EQ(edgemma_vision_encode(vision_, rgb.px.data(), rgb.w, rgb.h, 70,
                                  soft.data(), 63, &n),
            EDGEMMA_OK);
  edgemma_generate_params gp = edgemma_generate_default_params(model_);
  gp.max_tokens = 1;
  gp.sampling.temperature = 0;
  int32_t token = -1;
  gp.on_token = First;
  gp.user_data = &token;
  edgemma_generate_stats stats;
  ASSERT_EQ(edgemma_generate_multimodal_tokens(session_, ids.data(),
                                               static_cast<int>(ids.size()),
                                               soft.data(), n, &gp, &stats),
            EDGEMMA_OK)
      << edgemma_last_error();
  const float* last = want.data() + (ids.size() - 1) * vocab;
  EXPECT_EQ(token, std::max_element(last, last + vocab) - last);
  EXPECT_EQ(stats.generated_tokens, 1);
  EXPECT_EQ(edgemma_session_pos(session_), static_cast<int>(ids.size()));

  // The session holds the image's soft tokens, not placeholders: its next
  // logits equal those of a session fed through edgemma_eval_image.
  std::vector<float> a(vocab), b(vocab);
  ASSERT_EQ(edgemma_eval_tokens(session_, &token, 1, a.data()), EDGEMMA_OK);
  edgemma_session_params sp = edgemma_session_default_params();
  sp.n_ctx = 128;
  edgemma_session* other = nullptr;
  ASSERT_EQ(edgemma_session_create(model_, &sp, &other), EDGEMMA_OK);
  const auto boi = std::find(ids.begin(), ids.end(), 498) - ids.begin();
  const auto eoi = std::find(ids.begin(), ids.end(), 500) - ids.begin();
  ASSERT_EQ(
      edgemma_eval_tokens(other, ids.data(), static_cast<int>(boi), nullptr),
      EDGEMMA_OK);
  ASSERT_EQ(edgemma_eval_image(other, vision_, rgb.px.data(), rgb.w, rgb.h, 70,
                               nullptr),
            EDGEMMA_OK);
  ASSERT_EQ(
      edgemma_eval_tokens(other, ids.data() + eoi + 1,
                          static_cast<int>(ids.size() - eoi - 1), nullptr),
      EDGEMMA_OK);
  ASSERT_EQ(edgemma_eval_tokens(other, &token, 1, b.data()), EDGEMMA_OK);
  EXPECT_LE(MaxDiff(a.data(), b.data(), vocab), 1e-4f);
  edgemma_session_free(other);

  // Wrong counts, media at the end, no soft tokens for a media prompt.
  EXPECT_EQ(edgemma_generate_multimodal_tokens(session_, ids.data(),
                                               static_cast<int>(ids.size()),
                                               soft.data(), n - 1, &gp, &stats),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(edgemma_last_error()).find("63 soft-token positions"),
            std::string::npos)
      << edgemma_last_error();
  EXPECT_EQ(edgemma_generate_multimodal_tokens(session_, ids.data(),
                                               static_cast<int>(eoi),
                                               soft.data(), n, &gp, &stats),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(edgemma_last_error()).find("end with text"),
            std::string::npos);
}

TEST(VisionCapiLoad, TowerBesideAGgufModelAndModelsWithoutOne) {
  if (!test::CliBuilt())
    GTEST_SKIP() << "the edgemma CLI is not built (EDGEMMA_BUILD_EXAMPLES=OFF)";
  test::TempDir dir;
  const std::string gguf = dir.path() + "/m.gguf";
  test::CliResult r = test::RunCli("quantize " + Testdata("tiny-e2b") + " " +
                                   gguf + " --no-tokenizer --type f16");
  ASSERT_EQ(r.code, 0) << r.output;
  edgemma_model* model = nullptr;
  ASSERT_EQ(edgemma_model_load(gguf.c_str(), nullptr, &model), EDGEMMA_OK)
      << edgemma_last_error();
  edgemma_vision_params vp = edgemma_vision_default_params();
  vp.max_budget = 70;
  edgemma_vision* vision = nullptr;
  ASSERT_EQ(edgemma_vision_load(model, nullptr, &vp, &vision), EDGEMMA_OK)
      << edgemma_last_error();
  const Rgb rgb = GoldenRgb("tiny-e2b");
  std::vector<float> out(size_t{63} * edgemma_model_d_model(model));
  int32_t n = 0;
  ASSERT_EQ(edgemma_vision_encode(vision, rgb.px.data(), rgb.w, rgb.h, 70,
                                  out.data(), 63, &n),
            EDGEMMA_OK)
      << edgemma_last_error();
  const std::vector<float> want =
      Floats(Testdata("tiny-e2b-golden/vision_tower/vision_out.npy"));
  EXPECT_LE(MaxDiff(out.data(), want.data(), want.size()),
            Atol("tiny-e2b", "vision_tower"));
  edgemma_vision_free(vision);

  // Without the mmproj beside it: a clear "no vision tower".
  ASSERT_EQ(::unlink((dir.path() + "/mmproj-m.gguf").c_str()), 0);
  vision = nullptr;
  EXPECT_EQ(edgemma_vision_load(model, nullptr, &vp, &vision),
            EDGEMMA_ERR_NOT_FOUND);
  EXPECT_EQ(vision, nullptr);
  EXPECT_NE(std::string(edgemma_last_error()).find("no vision tower"),
            std::string::npos)
      << edgemma_last_error();
  edgemma_model_free(model);
}

}  // namespace
