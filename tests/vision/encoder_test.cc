// The vision encoder against the reference (../shared/reference
// gemma4ref/vision.py): the vision_tower golden of both tiny models at the
// manifest tolerance, image_text end to end (our soft tokens at the
// placeholders of the text model), two models generated at test time with
// other vision configs (width, heads, KV heads, layers, head_dim, position
// table, RoPE theta, patch size, pooling, clipping, standardize; landscape
// and portrait images whose sides are not multiples of 48), the mmproj GGUF
// in f16 / q8_0 / q4_0, no allocation per image, and bad input.
#include "core/vision/encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/base/alloc_guard.h"
#include "core/base/npy.h"
#include "core/gemma4/model.h"
#include "core/io/mmproj.h"
#include "tests/model/model_test_util.h"

namespace edgemma {
namespace {

using test::BuildScratchDir;
using test::GoldenCase;
using test::LoadManifest;
using test::ReadFloats;
using test::TestdataDir;

struct Image {
  std::vector<float> pixels;  // [rows, 3pp]
  std::vector<int32_t> pos;   // [rows, 2]
  int rows = 0;
  VisionInput input() const {
    VisionInput in;
    in.patches = pixels.data();
    in.positions = pos.data();
    in.rows = rows;
    return in;
  }
};

Image ReadImage(const std::string& pixels, const std::string& pos) {
  Image im;
  std::vector<int64_t> shape;
  Result<std::vector<float>> px = ReadFloats(pixels, &shape);
  EXPECT_TRUE(px.ok()) << px.status().ToString();
  if (!px.ok()) return im;
  im.pixels = std::move(px.value());
  im.rows = static_cast<int>(shape[0]);
  Result<NpyArray> p = ReadNpy(pos);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return im;
  Result<std::vector<int64_t>> ints = p->ToInt();
  EXPECT_TRUE(ints.ok());
  for (int64_t v : ints.value()) im.pos.push_back(static_cast<int32_t>(v));
  return im;
}

float MaxAbs(const std::vector<float>& x) {
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  return m;
}

float MaxDiff(const float* a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

const GoldenCase* Find(const std::vector<GoldenCase>& cases,
                       const std::string& name) {
  for (const GoldenCase& c : cases)
    if (c.name == name) return &c;
  return nullptr;
}

class TinyGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(TinyGolden, VisionTowerMatchesTheReference) {
  const std::string model = GetParam();
  auto cases = LoadManifest(TestdataDir(model + "-golden"));
  ASSERT_TRUE(cases.ok()) << cases.status().ToString();
  const GoldenCase* c = Find(cases.value(), "vision_tower");
  ASSERT_NE(c, nullptr);
  ASSERT_GT(c->atol, 0.0);
  auto towers = TowerWeights::Open(TestdataDir(model));
  ASSERT_TRUE(towers.ok()) << towers.status().ToString();
  VisionEncoderOptions o;
  o.max_budget = static_cast<int>(c->param_int("budget", 0));
  auto enc = VisionEncoder::Create(*towers.value(), o);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  const Image im =
      ReadImage(c->input("pixel_values.0"), c->input("pixel_values.1"));
  std::vector<int64_t> shape;
  auto want = ReadFloats(c->expected("vision_out"), &shape);
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(shape[1], enc.value()->text_d());
  std::vector<float> out(shape[0] * shape[1]);
  Result<int> n = enc.value()->Encode(im.input(), out.data(), shape[0]);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n.value(), shape[0]);
  EXPECT_LE(MaxDiff(out.data(), want.value()), c->atol) << model;

  // A second image allocates nothing and gives the same tokens.
  std::vector<float> again(out.size());
  if (AllocHookInstalled()) {
    ScopedNoAlloc guard;
    ASSERT_TRUE(enc.value()->Encode(im.input(), again.data(), shape[0]).ok());
    EXPECT_EQ(guard.allocations(), 0);
  }
}

TEST_P(TinyGolden, ImageTextLogitsFromOurSoftTokens) {
  const std::string model = GetParam();
  auto cases = LoadManifest(TestdataDir(model + "-golden"));
  ASSERT_TRUE(cases.ok());
  const GoldenCase* c = Find(cases.value(), "image_text");
  const GoldenCase* pre = Find(cases.value(), "vision_tower");
  ASSERT_TRUE(c != nullptr && pre != nullptr);
  auto towers = TowerWeights::Open(TestdataDir(model));
  ASSERT_TRUE(towers.ok());
  VisionEncoderOptions o;
  o.max_budget = static_cast<int>(c->param_int("budget", 0));
  o.n_threads = 2;
  auto enc = VisionEncoder::Create(*towers.value(), o);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  const Image im =
      ReadImage(pre->input("pixel_values.0"), pre->input("pixel_values.1"));
  auto ids = test::ReadIds(c->input("input_ids"));
  ASSERT_TRUE(ids.ok());
  std::vector<float> soft(size_t{1} * enc.value()->max_soft_tokens() *
                          enc.value()->text_d());
  Result<int> n = enc.value()->Encode(im.input(), soft.data(),
                                      enc.value()->max_soft_tokens());
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  soft.resize(size_t{1} * n.value() * enc.value()->text_d());
  auto m = Model::Load(TestdataDir(model));
  ASSERT_TRUE(m.ok());
  const int image_id = m.value()->config().image_token_id;
  EXPECT_EQ(std::count(ids->begin(), ids->end(), image_id), n.value());
  auto logits = test::RunLogits(*m.value(), ids.value(), {}, soft);
  ASSERT_TRUE(logits.ok()) << logits.status().ToString();
  auto want = ReadFloats(c->expected("logits"), nullptr);
  ASSERT_TRUE(want.ok());
  EXPECT_LE(MaxDiff(logits->data(), want.value()), c->atol) << model;
}

INSTANTIATE_TEST_SUITE_P(Vision, TinyGolden,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

bool HavePython() {
  return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") ==
         0;
}

// Generates (once per test binary run) a model with vision variant `v`.
std::string Generated(const std::string& v) {
  const std::string dir = BuildScratchDir("vision-variant-" + v);
  const std::string cmd = "EDGEMMA_SHARED_DIR='" +
                          std::string(EDGEMMA_SHARED_DIR) +
                          "' /usr/bin/python3 '" EDGEMMA_SOURCE_DIR
                          "/tests/vision/make_vision_model.py' '" +
                          dir + "' --variant " + v;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return dir;
}

// Encodes every image of a generated model from `weights_path` and compares
// tower output and soft tokens with the reference, within `rel` of the
// output's scale (float32 vs float64: 2e-3, like the goldens).
void ExpectVariant(const std::string& dir, const std::string& weights_path,
                   double rel) {
  auto towers = TowerWeights::Open(weights_path);
  ASSERT_TRUE(towers.ok()) << towers.status().ToString();
  VisionEncoderOptions o;
  o.max_budget = 100;
  o.n_threads = 2;
  o.act_type = ActType::kF32;
  auto enc = VisionEncoder::Create(*towers.value(), o);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  VisionEncoder& e = *enc.value();
  for (int i = 0; i < 2; ++i) {
    const std::string s = std::to_string(i);
    const Image im =
        ReadImage(dir + "/pixels_" + s + ".npy", dir + "/pos_" + s + ".npy");
    std::vector<int64_t> ts, es;
    auto tower = ReadFloats(dir + "/tower_" + s + ".npy", &ts);
    auto emb = ReadFloats(dir + "/embed_" + s + ".npy", &es);
    ASSERT_TRUE(tower.ok() && emb.ok());
    ASSERT_EQ(es[1], e.text_d());
    std::vector<float> out(es[0] * es[1]), pooled(ts[0] * ts[1]);
    Result<int> n = e.Encode(im.input(), out.data(), es[0], pooled.data());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_EQ(n.value(), es[0]);
    const double t_tol = rel * std::max(1.f, MaxAbs(tower.value()));
    const double e_tol = rel * std::max(1.f, MaxAbs(emb.value()));
    EXPECT_LE(MaxDiff(pooled.data(), tower.value()), t_tol)
        << weights_path << " image " << i;
    EXPECT_LE(MaxDiff(out.data(), emb.value()), e_tol)
        << weights_path << " image " << i;
  }
}

class GeneratedVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(GeneratedVariant, TowerAndEmbedderMatchTheReference) {
  if (!HavePython()) GTEST_SKIP() << "/usr/bin/python3 with numpy missing";
  const std::string dir = Generated(GetParam());
  ExpectVariant(dir, dir, 2e-3);
}

INSTANTIATE_TEST_SUITE_P(Vision, GeneratedVariant, ::testing::Values("a", "b"));

}  // namespace
}  // namespace edgemma
