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
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/gemma4/model.h"
#include "core/io/mmproj.h"
#include "core/vision/image_encoder.h"
#include "tests/gemma4/model_test_util.h"
#include "tests/support/alloc_guard.h"
#include "tests/support/test_dir.h"
#include "tools/npy.h"

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

// The golden's RGB bytes through our preprocessing and the encoder.
TEST_P(TinyGolden, FromRgbBytes) {
  const std::string model = GetParam();
  auto cases = LoadManifest(TestdataDir(model + "-golden"));
  ASSERT_TRUE(cases.ok());
  const GoldenCase* c = Find(cases.value(), "vision_tower");
  ASSERT_NE(c, nullptr);
  auto towers = TowerWeights::Open(TestdataDir(model));
  ASSERT_TRUE(towers.ok());
  ImageEncoderOptions o;
  o.encoder.max_budget = 140;
  auto enc = ImageEncoder::Create(*towers.value(), o);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  Result<NpyArray> rgb = ReadNpy(c->input("rgb"));
  ASSERT_TRUE(rgb.ok());
  const int h = static_cast<int>(rgb->shape[0]);
  const int w = static_cast<int>(rgb->shape[1]);
  const int budget = static_cast<int>(c->param_int("budget", 0));
  auto want = ReadFloats(c->expected("vision_out"), nullptr);
  ASSERT_TRUE(want.ok());
  std::vector<float> out(want->size());
  const int64_t rows = static_cast<int64_t>(out.size()) / enc.value()->text_d();
  Result<int> n =
      enc.value()->Encode(rgb->data.data(), h, w, budget, out.data(), rows);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n.value(), rows);
  EXPECT_LE(MaxDiff(out.data(), want.value()), c->atol);
  if (AllocHookInstalled()) {
    ScopedNoAlloc guard;
    ASSERT_TRUE(enc.value()
                    ->Encode(rgb->data.data(), h, w, budget, out.data(), rows)
                    .ok());
    EXPECT_EQ(guard.allocations(), 0);
  }
  // Budgets outside HF's set or above the plan, and too few output rows.
  EXPECT_FALSE(
      enc.value()->Encode(rgb->data.data(), h, w, 100, out.data(), rows).ok());
  Result<int> big =
      enc.value()->Encode(rgb->data.data(), h, w, 280, out.data(), rows);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("140"), std::string::npos)
      << big.status().ToString();
  EXPECT_FALSE(
      enc.value()
          ->Encode(rgb->data.data(), h, w, budget, out.data(), rows - 1)
          .ok());
  EXPECT_FALSE(enc.value()
                   ->Encode(rgb->data.data(), 0, w, budget, out.data(), rows)
                   .ok());
}

// The mmproj GGUF of `edgemma quantize` (F32 position table, F32/F16 patch
// kernel in conv layout, linears in the chosen type) gives the golden tokens
// within the quantization error.
struct GgufCase {
  const char* type;
  double min_cosine;
};

class MmprojGguf : public ::testing::TestWithParam<GgufCase> {};

double MinRowCosine(const std::vector<float>& a, const std::vector<float>& b,
                    int64_t cols) {
  double worst = 1;
  for (size_t r = 0; r < b.size() / cols; ++r) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t i = 0; i < cols; ++i) {
      const double x = a[r * cols + i], y = b[r * cols + i];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    worst = std::min(worst, ab / std::sqrt(aa * bb + 1e-30));
  }
  return worst;
}

TEST_P(MmprojGguf, TinyE2bVisionTower) {
  if (!test::CliBuilt())
    GTEST_SKIP() << "the edgemma CLI is not built (EDGEMMA_BUILD_EXAMPLES=OFF)";
  const GgufCase g = GetParam();
  test::TempDir dir;
  const std::string mm = dir.path() + "/mmproj.gguf";
  test::CliResult r = test::RunCli(
      "quantize " + TestdataDir("tiny-e2b") + " " + dir.path() +
      "/m.gguf --no-tokenizer --type " + g.type + " --mmproj " + mm);
  ASSERT_EQ(r.code, 0) << r.output;
  auto towers = TowerWeights::Open(mm);
  ASSERT_TRUE(towers.ok()) << towers.status().ToString();
  auto cases = LoadManifest(TestdataDir("tiny-e2b-golden"));
  ASSERT_TRUE(cases.ok());
  const GoldenCase* c = Find(cases.value(), "vision_tower");
  ASSERT_NE(c, nullptr);
  const Image im =
      ReadImage(c->input("pixel_values.0"), c->input("pixel_values.1"));
  std::vector<int64_t> shape;
  auto want = ReadFloats(c->expected("vision_out"), &shape);
  ASSERT_TRUE(want.ok());
  for (ActType act : {ActType::kQ8_0, ActType::kF32}) {
    VisionEncoderOptions o;
    o.max_budget = 70;
    o.act_type = act;
    auto enc = VisionEncoder::Create(*towers.value(), o);
    ASSERT_TRUE(enc.ok()) << enc.status().ToString();
    std::vector<float> out(want->size());
    ASSERT_TRUE(enc.value()->Encode(im.input(), out.data(), shape[0]).ok());
    const double cosine = MinRowCosine(out, want.value(), shape[1]);
    EXPECT_GE(cosine, g.min_cosine) << g.type << " act " << ActTypeName(act);
    if (std::string(g.type) == "f16" || std::string(g.type) == "f32") {
      EXPECT_LE(MaxDiff(out.data(), want.value()), c->atol);
    }
  }
}

// Measured worst row cosines on this tower (32 wide: one block per row, random
// weights, attention logits up to head_dim): f16 1.0, q8_0 0.9989, q4_0 0.789
// (weights alone: both activation modes agree to 1e-3). The bounds leave
// margin for summation order only.
INSTANTIATE_TEST_SUITE_P(Vision, MmprojGguf,
                         ::testing::Values(GgufCase{"f32", 0.99999},
                                           GgufCase{"f16", 0.9999},
                                           GgufCase{"q8_0", 0.995},
                                           GgufCase{"q4_0", 0.75}));

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
  ImageEncoderOptions o;
  o.encoder.max_budget = 140;
  o.encoder.n_threads = 2;
  o.encoder.act_type = ActType::kF32;
  o.max_image_side = 512;
  auto ienc = ImageEncoder::Create(*towers.value(), o);
  ASSERT_TRUE(ienc.ok()) << ienc.status().ToString();
  VisionEncoder& e = ienc.value()->encoder();
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

    // The same from the RGB bytes (our preprocessing + encoder).
    Result<NpyArray> rgb = ReadNpy(dir + "/rgb_" + s + ".npy");
    ASSERT_TRUE(rgb.ok());
    const int h = static_cast<int>(rgb->shape[0]);
    const int w = static_cast<int>(rgb->shape[1]);
    auto budget_file = test::ReadIds(dir + "/budget_" + s + ".npy");
    ASSERT_TRUE(budget_file.ok());
    const int budget = budget_file.value()[0];
    Result<int> count = ienc.value()->CountSoftTokens(h, w, budget);
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    EXPECT_EQ(count.value(), es[0]);
    std::vector<float> from_rgb(out.size());
    n = ienc.value()->Encode(rgb->data.data(), h, w, budget, from_rgb.data(),
                             es[0]);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_LE(MaxDiff(from_rgb.data(), emb.value()), e_tol)
        << weights_path << " rgb image " << i;
  }
}

class GeneratedVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(GeneratedVariant, TowerAndEmbedderMatchTheReference) {
  if (!HavePython()) GTEST_SKIP() << "/usr/bin/python3 with numpy missing";
  const std::string dir = Generated(GetParam());
  ExpectVariant(dir, dir, 2e-3);
}

INSTANTIATE_TEST_SUITE_P(Vision, GeneratedVariant, ::testing::Values("a", "b"));

TEST(VisionEncoderErrors, BadInputIsRefusedClearly) {
  auto towers = TowerWeights::Open(TestdataDir("tiny-e2b"));
  ASSERT_TRUE(towers.ok());
  VisionEncoderOptions o;
  o.max_budget = 70;
  auto enc = VisionEncoder::Create(*towers.value(), o);
  ASSERT_TRUE(enc.ok());
  VisionEncoder& e = *enc.value();
  const int pix = 3 * e.patch_size() * e.patch_size();
  // A 3 x 6 grid (2 soft tokens) + 2 padding rows.
  const int n = 18, rows = 20;
  std::vector<float> px(size_t{1} * rows * pix, 0.5f);
  std::vector<int32_t> pos(2 * rows, -1);
  for (int q = 0; q < n; ++q) {
    pos[2 * q] = q % 6;
    pos[2 * q + 1] = q / 6;
  }
  VisionInput in{px.data(), pos.data(), rows};
  Result<int> count = e.CountSoftTokens(in);
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count.value(), 2);
  std::vector<float> out(size_t{2} * e.text_d());
  EXPECT_TRUE(e.Encode(in, out.data(), 2).ok());
  auto expect_error = [&](const VisionInput& bad, int64_t out_rows,
                          const char* words) {
    Result<int> r = e.Encode(bad, out.data(), out_rows);
    ASSERT_FALSE(r.ok()) << words;
    EXPECT_NE(r.status().message().find(words), std::string::npos)
        << r.status().ToString();
  };
  expect_error(in, 1, "output holds 1 rows");
  std::vector<int32_t> bad = pos;
  bad[2 * 19] = 0;
  bad[2 * 19 + 1] = 0;
  expect_error({px.data(), bad.data(), rows}, 2, "after padding");
  bad = pos;
  std::swap(bad[2], bad[4]);
  expect_error({px.data(), bad.data(), rows}, 2, "raster order");
  expect_error({px.data(), pos.data(), 12}, 2, "pooling kernel");
  std::vector<int32_t> pad(2 * rows, -1);
  expect_error({px.data(), pad.data(), rows}, 2, "every row is padding");
  std::vector<float> nan = px;
  nan[5 * pix + 7] = std::nanf("");
  expect_error({nan.data(), pos.data(), rows}, 2, "patch row 5");
  expect_error({nullptr, pos.data(), rows}, 2, "no patch rows");
  // More patches than the plan: a 27 x 27 grid at max_budget 70 (630).
  const int big = 27 * 27;
  std::vector<float> bpx(size_t{1} * big * pix, 0.f);
  std::vector<int32_t> bpos(2 * big);
  for (int q = 0; q < big; ++q) {
    bpos[2 * q] = q % 27;
    bpos[2 * q + 1] = q / 27;
  }
  Result<int> r = e.Encode({bpx.data(), bpos.data(), big}, out.data(), 81);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kArenaFull);
  EXPECT_NE(r.status().message().find("at most 630"), std::string::npos)
      << r.status().ToString();
}

TEST(VisionEncoderErrors, ModelWithoutVisionTower) {
  test::TempDir dir;
  const std::string src = TestdataDir("tiny-e2b");
  std::ifstream in(src + "/config.json");
  nlohmann::json cfg = nlohmann::json::parse(in);
  cfg.erase("vision_config");
  std::ofstream(dir.path() + "/config.json") << cfg.dump();
  ASSERT_EQ(::symlink((src + "/model.safetensors").c_str(),
                      (dir.path() + "/model.safetensors").c_str()),
            0);
  auto towers = TowerWeights::Open(dir.path());  // the audio tower only
  ASSERT_TRUE(towers.ok()) << towers.status().ToString();
  auto enc = VisionEncoder::Create(*towers.value(), {});
  ASSERT_FALSE(enc.ok());
  EXPECT_NE(enc.status().message().find("no vision tower"), std::string::npos)
      << enc.status().ToString();
}

}  // namespace
}  // namespace edgemma
