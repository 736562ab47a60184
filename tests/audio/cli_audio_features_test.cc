// `edgemma audio-features` against the reference's log_mel on WAV files
// generated at test time (16-bit PCM and 32-bit float, lengths not multiples of
// 128/160), and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "tests/support/test_dir.h"
#include "tools/npy.h"

namespace edgemma {
namespace {

bool HavePython() {
  return std::system(
             "/usr/bin/python3 -c 'import numpy, scipy' > /dev/null 2>&1") == 0;
}

TEST(AudioFeaturesCli, MatchesReferenceOnGeneratedWavs) {
  if (!HavePython())
    GTEST_SKIP() << "/usr/bin/python3 with numpy/scipy not available";
  test::TempDir dir;
  const std::string d = dir.path();
  ASSERT_EQ(
      std::system(("/usr/bin/python3 '" + std::string(EDGEMMA_SOURCE_DIR) +
                   "/tests/audio/make_wav_cases.py' '" + EDGEMMA_SHARED_DIR +
                   "' '" + d + "'")
                      .c_str()),
      0);
  for (const std::string name : {"pcm16", "float"}) {
    const auto r = test::RunCli(
        "audio-features --wav '" + d + "/" + name + ".wav' --out '" + d + "/" +
        name + ".got.npy' --mask-out '" + d + "/" + name + ".gotmask.npy'");
    ASSERT_EQ(r.code, 0) << r.output;
    auto got = ReadNpy(d + "/" + name + ".got.npy");
    auto want = ReadNpy(d + "/" + name + ".mel.npy");
    auto got_mask = ReadNpy(d + "/" + name + ".gotmask.npy");
    auto want_mask = ReadNpy(d + "/" + name + ".mask.npy");
    ASSERT_TRUE(got.ok() && want.ok() && got_mask.ok() && want_mask.ok());
    EXPECT_EQ(got->descr, "<f4");
    EXPECT_EQ(got->shape, want->shape);
    EXPECT_EQ(got_mask->descr, "|b1");
    EXPECT_EQ(got_mask->shape, want_mask->shape);
    EXPECT_EQ(got_mask->data, want_mask->data);
    auto g = got->ToFloat();
    auto w = want->ToFloat();
    ASSERT_TRUE(g.ok() && w.ok());
    ASSERT_EQ(g->size(), w->size());
    double worst = 0;
    for (size_t i = 0; i < g->size(); ++i)
      worst = std::max(worst, std::fabs(double{(*g)[i]} - (*w)[i]));
    EXPECT_LT(worst, 1e-5) << name;
  }
}

TEST(AudioFeaturesCli, BadInputIsAClearError) {
  test::TempDir dir;
  const std::string d = dir.path();
  test::WriteText(d + "/text.wav", "not audio\n");
  test::WriteText(d + "/empty.wav", "");
  for (const auto& [file, problem] :
       {std::pair<std::string, std::string>{"text.wav", "not a sound file"},
        {"empty.wav", "empty file"},
        {"missing.wav", "no such file"}}) {
    const auto r = test::RunCli("audio-features --wav '" + d + "/" + file +
                                "' --out '" + d + "/o.npy'");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find(file), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(problem), std::string::npos) << r.output;
  }
  auto r = test::RunCli("audio-features --out '" + d + "/o.npy'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--wav"), std::string::npos) << r.output;
  r = test::RunCli("audio-features --bogus x");
  EXPECT_EQ(r.code, 2) << r.output;
  r = test::RunCli("audio-features --help");
  EXPECT_EQ(r.code, 0) << r.output;
}

}  // namespace
}  // namespace edgemma
