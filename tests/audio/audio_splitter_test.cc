// Long-audio splitter: blocks tile [0, n) exactly and respect max_block for
// noise, silence and random lengths; a cut lands in the silent gap placed
// inside the search window; the block length follows the front-end parameters
// (30 s / 750 tokens for Gemma 4).
#include "core/audio/audio_splitter.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace edgemma {
namespace {

void ExpectTiling(const std::vector<AudioBlock>& blocks, int64_t n,
                  int64_t max_block) {
  int64_t at = 0;
  for (const AudioBlock& b : blocks) {
    EXPECT_EQ(b.begin, at);
    EXPECT_GT(b.end, b.begin);
    EXPECT_LE(b.end - b.begin, max_block);
    at = b.end;
  }
  EXPECT_EQ(at, n);
}

SplitOptions SmallOptions() {
  SplitOptions o;
  o.max_block = 16000;
  o.search = 4000;
  o.frame = 160;
  o.smooth = 3;
  return o;
}

std::vector<float> Noise(int64_t n, float level, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, level);
  std::vector<float> x(n);
  for (float& v : x) v = g(rng);
  return x;
}

TEST(AudioSplitter, BlocksTileTheInputForAnyLength) {
  const SplitOptions o = SmallOptions();
  std::mt19937 rng(1);
  for (int rep = 0; rep < 40; ++rep) {
    const int64_t n = std::uniform_int_distribution<int64_t>(0, 100000)(rng);
    const auto x = Noise(n, 0.3f, rep);
    std::vector<AudioBlock> blocks;
    ASSERT_TRUE(SplitAudio(x.data(), n, o, &blocks).ok());
    ExpectTiling(blocks, n, o.max_block);
    EXPECT_EQ(blocks.size(), n == 0             ? 0u
                             : n <= o.max_block ? 1u
                                                : blocks.size());
    // Each cut lies in its search window (shifted back by at most `search`
    // near the end), so blocks are long and the last one is not a sliver.
    for (size_t i = 0; i + 1 < blocks.size(); ++i) {
      EXPECT_GT(blocks[i].end - blocks[i].begin, o.max_block - 2 * o.search);
    }
    if (blocks.size() > 1) {
      EXPECT_GE(blocks.back().end - blocks.back().begin, o.search);
    }
  }
}

TEST(AudioSplitter, LastBlockIsNeverASliver) {
  const SplitOptions o = SmallOptions();
  for (int64_t extra : {1, 80, 161, 3999, 4000, 4001}) {
    const auto x = Noise(o.max_block + extra, 0.3f, 9);
    std::vector<AudioBlock> blocks;
    ASSERT_TRUE(SplitAudio(x.data(), x.size(), o, &blocks).ok());
    ExpectTiling(blocks, x.size(), o.max_block);
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_GE(blocks[1].end - blocks[1].begin, o.search) << extra;
  }
}

TEST(AudioSplitter, CutsInTheSilentGap) {
  const SplitOptions o = SmallOptions();
  auto x = Noise(40000, 0.3f, 7);
  // A 100 ms pause 2500..1000 samples before the first boundary.
  for (int64_t i = 13500; i < 15100; ++i) x[i] = 0.f;
  std::vector<AudioBlock> blocks;
  ASSERT_TRUE(SplitAudio(x.data(), x.size(), o, &blocks).ok());
  ExpectTiling(blocks, x.size(), o.max_block);
  ASSERT_GE(blocks.size(), 3u);
  EXPECT_GE(blocks[0].end, 13500);
  EXPECT_LE(blocks[0].end, 15100);
}

TEST(AudioSplitter, SilenceCutsNearFullLength) {
  const SplitOptions o = SmallOptions();
  std::vector<float> x(50000, 0.f);
  std::vector<AudioBlock> blocks;
  ASSERT_TRUE(SplitAudio(x.data(), x.size(), o, &blocks).ok());
  ExpectTiling(blocks, x.size(), o.max_block);
  EXPECT_EQ(blocks.size(), 4u);
  EXPECT_GE(blocks[0].end, o.max_block - o.frame);
}

TEST(AudioSplitter, BlockLengthFollowsTheFrontEnd) {
  LogMelParams p;
  EXPECT_EQ(MaxBlockSamples(p), 480000);  // 30 s at 16 kHz
  EXPECT_EQ(AudioSoftTokens(p, MaxBlockSamples(p)), 750);
  p.max_tokens = 10;  // 40 frames: the token cap binds
  const int64_t m = MaxBlockSamples(p);
  EXPECT_EQ(AudioSoftTokens(p, m), 10);
  EXPECT_EQ((LogMelValidFrames(p, m + 1) + 3) / 4, 11);  // uncapped count
  p.max_tokens = 750;
  p.max_samples = 0;  // no truncation: the token cap alone
  EXPECT_EQ(AudioSoftTokens(p, MaxBlockSamples(p)), 750);
  EXPECT_EQ((LogMelValidFrames(p, MaxBlockSamples(p) + 1) + 3) / 4, 751);
  const SplitOptions o = DefaultSplitOptions(LogMelParams());
  EXPECT_EQ(o.max_block, 480000);
  EXPECT_EQ(o.search, 80000);
  EXPECT_EQ(o.frame, 160);
}

TEST(AudioSplitter, RejectsBadOptions) {
  std::vector<AudioBlock> blocks;
  float x[4] = {0};
  SplitOptions o = SmallOptions();
  o.search = o.max_block;
  EXPECT_FALSE(SplitAudio(x, 4, o, &blocks).ok());
  o = SmallOptions();
  o.frame = 0;
  EXPECT_FALSE(SplitAudio(x, 4, o, &blocks).ok());
}

}  // namespace
}  // namespace edgemma
