// `edgemma image-embed` and `edgemma logits --image` on the tiny models: the
// golden image written as a PNG at test time gives the vision_tower golden and
// the image_text logits; images and audio in one prompt fill their own blocks
// (compared with a session fed the goldens' soft tokens); a budget that does
// not match the block, and a model without a vision tower, fail clearly.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/gemma4/model_test_util.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::CliResult;
using test::RunCli;
using test::TestdataDir;

std::string Golden(const std::string& model, const std::string& file) {
  return TestdataDir(model + "-golden") + "/" + file;
}

float MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

double Atol(const std::string& model, const std::string& name) {
  auto cases = test::LoadManifest(TestdataDir(model + "-golden"));
  EXPECT_TRUE(cases.ok());
  for (const auto& c : cases.value())
    if (c.name == name) return c.atol;
  return 0;
}

void WriteIds(const std::string& path, const std::vector<int32_t>& ids) {
  std::ofstream f(path);
  for (int32_t id : ids) f << id << ' ';
}

// The golden RGB image as a PNG and the golden waveform as a float WAV.
void WriteMedia(const std::string& model, const std::string& dir) {
  const std::string py =
      "/usr/bin/python3 -c \"\nimport numpy as np, scipy.io.wavfile as w\n"
      "from PIL import Image\ng='" +
      TestdataDir(model + "-golden") +
      "/'\nImage.fromarray(np.load(g+'image_preprocess/rgb.npy'))"
      ".save('" +
      dir + "/img.png')\nw.write('" + dir +
      "/a.wav',16000,np.load(g+'audio_log_mel/waveform.npy')"
      ".astype(np.float32))\n\"";
  ASSERT_EQ(std::system(py.c_str()), 0) << py;
}

class CliVision : public ::testing::TestWithParam<const char*> {};

TEST_P(CliVision, ImageEmbedAndLogitsMatchTheGoldens) {
  const std::string model = GetParam();
  test::TempDir dir;
  const std::string d = dir.path();
  WriteMedia(model, d);
  CliResult r =
      RunCli("image-embed --model " + TestdataDir(model) + " --image " + d +
             "/img.png --budget 70 --out " + d + "/e.npy");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("63 soft tokens"), std::string::npos) << r.output;
  auto emb = test::ReadFloats(d + "/e.npy", nullptr);
  auto want =
      test::ReadFloats(Golden(model, "vision_tower/vision_out.npy"), nullptr);
  ASSERT_TRUE(emb.ok() && want.ok());
  EXPECT_LE(MaxDiff(emb.value(), want.value()), Atol(model, "vision_tower"));

  auto ids = test::ReadIds(Golden(model, "image_text/input_ids.npy"));
  ASSERT_TRUE(ids.ok());
  WriteIds(d + "/ids.txt", ids.value());
  r = RunCli("logits --model " + TestdataDir(model) + " --tokens-file " + d +
             "/ids.txt --image " + d + "/img.png --budget 70 --out " + d +
             "/l.npy");
  ASSERT_EQ(r.code, 0) << r.output;
  auto logits = test::ReadFloats(d + "/l.npy", nullptr);
  auto want_l =
      test::ReadFloats(Golden(model, "image_text/logits.npy"), nullptr);
  ASSERT_TRUE(logits.ok() && want_l.ok());
  EXPECT_LE(MaxDiff(logits.value(), want_l.value()), Atol(model, "image_text"));

  // The default budget (280) gives another N than the block holds.
  r = RunCli("logits --model " + TestdataDir(model) + " --tokens-file " + d +
             "/ids.txt --image " + d + "/img.png --out " + d + "/x.npy");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("placeholders"), std::string::npos) << r.output;
  r = RunCli("image-embed --model " + TestdataDir(model) + " --image " + d +
             "/img.png --budget 100 --out " + d + "/x.npy");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("100"), std::string::npos) << r.output;
}

// Audio then image, and image then audio, in one token list: each kind fills
// its own blocks; the logits equal a session fed the goldens' soft tokens.
TEST_P(CliVision, ImagesAndAudioInOnePrompt) {
  const std::string model = GetParam();
  test::TempDir dir;
  const std::string d = dir.path();
  WriteMedia(model, d);
  auto img_ids = test::ReadIds(Golden(model, "image_text/input_ids.npy"));
  auto aud_ids = test::ReadIds(Golden(model, "audio_text/input_ids.npy"));
  auto img_soft =
      test::ReadFloats(Golden(model, "image_text/soft_tokens.npy"), nullptr);
  auto aud_soft =
      test::ReadFloats(Golden(model, "audio_text/soft_tokens.npy"), nullptr);
  ASSERT_TRUE(img_ids.ok() && aud_ids.ok() && img_soft.ok() && aud_soft.ok());
  auto m = Model::Load(TestdataDir(model));
  ASSERT_TRUE(m.ok());
  for (bool audio_first : {true, false}) {
    const std::vector<int32_t>& a =
        audio_first ? aud_ids.value() : img_ids.value();
    const std::vector<int32_t>& b =
        audio_first ? img_ids.value() : aud_ids.value();
    std::vector<int32_t> ids = a;
    ids.insert(ids.end(), b.begin() + 1, b.end());  // b without its bos
    std::vector<float> soft = audio_first ? aud_soft.value() : img_soft.value();
    const std::vector<float>& second =
        audio_first ? img_soft.value() : aud_soft.value();
    soft.insert(soft.end(), second.begin(), second.end());
    auto want = test::RunLogits(*m.value(), ids, {}, soft);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    WriteIds(d + "/ids.txt", ids);
    CliResult r =
        RunCli("logits --model " + TestdataDir(model) + " --tokens-file " + d +
               "/ids.txt --image " + d + "/img.png --budget 70 --audio " + d +
               "/a.wav --out " + d + "/l.npy");
    ASSERT_EQ(r.code, 0) << r.output;
    auto got = test::ReadFloats(d + "/l.npy", nullptr);
    ASSERT_TRUE(got.ok());
    EXPECT_LE(MaxDiff(got.value(), want.value()),
              Atol(model, "image_text") + Atol(model, "audio_text"))
        << (audio_first ? "audio first" : "image first");
  }
}

INSTANTIATE_TEST_SUITE_P(Vision, CliVision,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

TEST(CliVisionErrors, ModelWithoutVisionTowerRefusesImages) {
  test::TempDir dir;
  const std::string d = dir.path();
  WriteMedia("tiny-e2b", d);
  const std::string src = TestdataDir("tiny-e2b");
  std::ifstream in(src + "/config.json");
  nlohmann::json cfg = nlohmann::json::parse(in);
  cfg["vision_config"] = nullptr;
  ::mkdir((d + "/m").c_str(), 0755);
  std::ofstream(d + "/m/config.json") << cfg.dump();
  ASSERT_EQ(::symlink((src + "/model.safetensors").c_str(),
                      (d + "/m/model.safetensors").c_str()),
            0);
  auto ids = test::ReadIds(Golden("tiny-e2b", "image_text/input_ids.npy"));
  ASSERT_TRUE(ids.ok());
  WriteIds(d + "/ids.txt", ids.value());
  CliResult r = RunCli("logits --model " + d + "/m --tokens-file " + d +
                       "/ids.txt --image " + d + "/img.png --budget 70 --out " +
                       d + "/l.npy");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("no vision tower"), std::string::npos) << r.output;
  r = RunCli("image-embed --model " + d + "/m --image " + d +
             "/img.png --out " + d + "/e.npy");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("no vision tower"), std::string::npos) << r.output;
  r = RunCli("image-embed --model " + TestdataDir("tiny-e2b") + " --image " +
             d + "/missing.png --out " + d + "/e.npy");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("missing.png"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgemma
