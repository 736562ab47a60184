// Long-audio splitter on real speech: espeak-ng (Debian) speaks ~70 s, followed
// by silence and noise; the 16 kHz blocks tile the whole file, none exceeds 30
// s, and every cut lies in a pause (its energy is far below the speech's median
// frame energy).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/audio/audio_splitter.h"
#include "media/sound_file.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

double Energy(const std::vector<float>& x, int64_t begin, int64_t end) {
  begin = std::max<int64_t>(begin, 0);
  end = std::min<int64_t>(end, x.size());
  double e = 0;
  for (int64_t i = begin; i < end; ++i) e += double{x[i]} * x[i];
  return end > begin ? e / (end - begin) : 0.0;
}

TEST(SpeechSplit, CutsInPausesAndTilesTheFile) {
  if (std::system("espeak-ng --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "espeak-ng not installed";
  }
  test::TempDir dir;
  std::string text;
  for (int i = 1; i <= 20; ++i) {
    text += "Sentence number " + std::to_string(i) +
            " is spoken here, with a pause. ";
  }
  const std::string wav = dir.path() + "/speech.wav";
  ASSERT_EQ(std::system(("espeak-ng -w '" + wav + "' '" + text + "'").c_str()),
            0);
  auto d = media::ReadSoundFile(wav, 16000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::vector<float> x = d->samples;
  const int64_t speech = x.size();
  ASSERT_GT(speech, 16000 * 45);
  x.resize(speech + 3 * 16000, 0.f);  // 3 s of silence
  std::mt19937 rng(2);
  std::normal_distribution<float> g(0.f, 0.01f);
  for (int i = 0; i < 3 * 16000; ++i)
    x.push_back(g(rng));  // 3 s of quiet noise

  std::vector<double> frames;
  for (int64_t i = 0; i + 160 <= speech; i += 160)
    frames.push_back(Energy(x, i, i + 160));
  std::nth_element(frames.begin(), frames.begin() + frames.size() / 2,
                   frames.end());
  const double median = frames[frames.size() / 2];

  SplitOptions o = DefaultSplitOptions(LogMelParams());
  o.max_block =
      20 * 16000;  // several cuts inside the speech (the default 30 s gives 2)
  o.search = 4 * 16000;
  std::vector<AudioBlock> blocks;
  ASSERT_TRUE(SplitAudio(x.data(), x.size(), o, &blocks).ok());
  ASSERT_GE(blocks.size(), 4u);
  int64_t at = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i].begin, at);
    EXPECT_LE(blocks[i].end - blocks[i].begin, o.max_block);
    at = blocks[i].end;
    if (i + 1 < blocks.size() && blocks[i].end < speech) {
      EXPECT_LT(Energy(x, blocks[i].end - 800, blocks[i].end + 800),
                0.05 * median)
          << "cut at " << blocks[i].end << " is not in a pause";
    }
  }
  EXPECT_EQ(at, static_cast<int64_t>(x.size()));
}

}  // namespace
}  // namespace edgemma
