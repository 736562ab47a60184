// The Conformer audio encoder against the reference: the audio_tower goldens of
// both tiny models, streaming equal to the whole clip for several split
// patterns, no allocation while encoding, clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/audio/audio_pcm.h"
#include "tests/audio/audio_test_util.h"
#include "tests/gemma4/model_test_util.h"
#include "tests/support/alloc_guard.h"
#include "tools/npy.h"

namespace edgemma::test {
namespace {

struct TowerGolden {
  MelInput in;
  std::vector<float> expected;  // [n_tokens, text_d]
  double atol = 0;
};

Result<TowerGolden> LoadTowerGolden(const std::string& model) {
  EM_ASSIGN_OR_RETURN(std::vector<GoldenCase> cases,
                      LoadManifest(TestdataDir(model + "-golden")));
  for (const GoldenCase& c : cases) {
    if (c.kind != "audio_tower") continue;
    TowerGolden g;
    EM_ASSIGN_OR_RETURN(g.in,
                        ReadMel(c.input("log_mel.0"), c.input("log_mel.1")));
    EM_ASSIGN_OR_RETURN(g.expected,
                        ReadFloats(c.expected("audio_out"), nullptr));
    g.atol = c.atol;
    return g;
  }
  return NotFound(model + ": no audio_tower case");
}

class TinyTower : public ::testing::TestWithParam<const char*> {};

TEST_P(TinyTower, MatchesReferenceGolden) {
  Result<TowerGolden> g = LoadTowerGolden(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_GT(g->atol, 0);
  for (int threads : {1, 2}) {
    AudioStreamOptions o;
    o.n_threads = threads;
    Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()), o);
    ASSERT_TRUE(rig.ok()) << rig.status().ToString();
    Result<std::vector<float>> out = EncodeWhole(*rig, g->in);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->size(), g->expected.size());
    const float err = MaxAbs(*out, g->expected);
    EXPECT_LE(err, g->atol) << "threads " << threads;
    std::printf("%s: max |ours - reference| %.3g (tolerance %.3g)\n",
                GetParam(), err, g->atol);
  }
}

TEST_P(TinyTower, StreamEqualsWholeClipForAnySplit) {
  Result<TowerGolden> g = LoadTowerGolden(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  for (int block : {64, 1, 5}) {
    AudioStreamOptions o;
    o.max_block = block;
    o.min_block = block == 64 ? 8 : block;  // also batches of 5 and of 8..64
    Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()), o);
    ASSERT_TRUE(rig.ok()) << rig.status().ToString();
    Result<std::vector<float>> whole = EncodeWhole(*rig, g->in);
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    EXPECT_LE(MaxAbs(*whole, g->expected), g->atol);
    std::mt19937 rng(block);
    std::vector<int64_t> random(17);
    for (int64_t& r : random) r = 1 + rng() % 13;
    for (const std::vector<int64_t>& pieces :
         {std::vector<int64_t>{1}, std::vector<int64_t>{g->in.frames},
          std::vector<int64_t>{3, 4, 1, 2}, random}) {
      Result<std::vector<float>> s = EncodeStreamed(*rig, g->in, pieces);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      EXPECT_LE(MaxAbs(*s, *whole), 2e-5f)
          << "block " << block << " first piece " << pieces[0];
    }
  }
}

// Every prefix of the clip: the tokens a stream emits before Finish are final
// (equal to the whole-clip encode of the full clip), and a clip cut after any
// frame count encodes to ceil(frames / 4) tokens.
TEST_P(TinyTower, EmittedTokensAreFinal) {
  Result<TowerGolden> g = LoadTowerGolden(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()));
  ASSERT_TRUE(rig.ok()) << rig.status().ToString();
  const int64_t d = rig->encoder->text_d(), n_mel = rig->encoder->n_mel();
  std::vector<float> got;
  struct Sink {
    std::vector<float>* v;
    int64_t d;
  } sink{&got, d};
  auto append = [](void* u, const float* t, int n, int64_t) {
    Sink* s = static_cast<Sink*>(u);
    s->v->insert(s->v->end(), t, t + n * s->d);
    return Status::Ok();
  };
  rig->stream->Reset();
  for (int64_t f = 0; f < g->in.frames; ++f) {
    ASSERT_TRUE(
        rig->stream->Feed(g->in.mel.data() + f * n_mel, 1, append, &sink).ok());
    // Token t needs frames <= 4t + 3: all of those before frame f+1 are out.
    EXPECT_EQ(rig->stream->tokens_emitted(), (f + 1) / 4)
        << "after frame " << f;
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], g->expected[i], g->atol) << "frame " << f;
  }
}

TEST_P(TinyTower, ClipLengthsNotMultipleOfFour) {
  Result<TowerGolden> g = LoadTowerGolden(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()));
  ASSERT_TRUE(rig.ok()) << rig.status().ToString();
  for (int64_t frames : {0, 1, 2, 3, 5, 13, 50, 94}) {
    MelInput cut = g->in;
    // Masked tail: the first `frames` frames valid, the rest padding.
    for (int64_t i = frames; i < cut.frames; ++i) {
      cut.mask[i] = 0;
      for (int64_t m = 0; m < rig->encoder->n_mel(); ++m)
        cut.mel[i * rig->encoder->n_mel() + m] = 0;
    }
    Result<std::vector<float>> out = EncodeWhole(*rig, cut);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(int64_t(out->size()), (frames + 3) / 4 * rig->encoder->text_d())
        << frames;
  }
}

TEST_P(TinyTower, EncodingAllocatesNothing) {
  Result<TowerGolden> g = LoadTowerGolden(GetParam());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_TRUE(AllocHookInstalled());
  for (int threads : {1, 2}) {
    AudioStreamOptions o;
    o.n_threads = threads;
    o.max_block = 7;
    Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()), o);
    ASSERT_TRUE(rig.ok()) << rig.status().ToString();
    std::vector<float> out(g->expected.size());
    auto count = [](void*, const float*, int, int64_t) { return Status::Ok(); };
    int64_t n = 0;
    ScopedNoAlloc guard;
    Status st =
        rig->encoder->Encode(*rig->stream, g->in.mel.data(), g->in.mask.data(),
                             g->in.frames, out.data(), int64_t(out.size()), &n);
    rig->stream->Reset();
    const int64_t n_mel = rig->encoder->n_mel();
    for (int64_t f = 0; f + 3 <= g->in.frames && st.ok(); f += 3)
      st = rig->stream->Feed(g->in.mel.data() + f * n_mel, 3, count, nullptr);
    if (st.ok()) st = rig->stream->Finish(count, nullptr);
    const int64_t allocations = guard.allocations();
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(allocations, 0) << "threads " << threads;
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, TinyTower,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

TEST(AudioEncoder, ClearErrors) {
  Result<AudioRig> rig = MakeAudioRig(TestdataDir("tiny-e2b"));
  ASSERT_TRUE(rig.ok()) << rig.status().ToString();
  const int64_t n_mel = rig->encoder->n_mel();
  std::vector<float> mel(8 * n_mel, 0.f), out(8 * rig->encoder->text_d());
  std::vector<uint8_t> mask = {1, 1, 0, 1, 0, 0, 0, 0};
  int64_t n = 0;
  Status st = rig->encoder->Encode(*rig->stream, mel.data(), mask.data(), 8,
                                   out.data(), 8, &n);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("prefix"), std::string::npos) << st.message();
  st = rig->encoder->Encode(*rig->stream, mel.data(), nullptr, 8, out.data(), 1,
                            &n);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  auto sink = [](void*, const float*, int, int64_t) { return Status::Ok(); };
  rig->stream->Reset();
  ASSERT_TRUE(rig->stream->Finish(sink, nullptr).ok());
  EXPECT_EQ(rig->stream->Feed(mel.data(), 1, sink, nullptr).code(),
            StatusCode::kInvalidArgument);
  // A failing sink stops the stream with its status.
  rig->stream->Reset();
  auto fail = [](void*, const float*, int, int64_t) {
    return Cancelled("stop");
  };
  Status f = rig->stream->Feed(mel.data(), 8, fail, nullptr);
  EXPECT_EQ(f.code(), StatusCode::kCancelled) << f.ToString();
  // The arena is planned once, from the config and the options only.
  Result<size_t> bytes = AudioEncoderStream::RequiredBytes(*rig->encoder, {});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes.value(), rig->stream->plan().total_bytes());
  AudioStreamOptions bad;
  bad.max_block = 0;
  EXPECT_FALSE(AudioEncoderStream::Create(*rig->encoder, bad).ok());
  // A model without an audio tower.
  Result<std::unique_ptr<TowerWeights>> none =
      TowerWeights::Open(TestdataDir("tiny-e2b") + "/nope");
  EXPECT_FALSE(none.ok());
}

// A processor config whose max_length is not a multiple of
// pad_to_multiple_of: for a longer clip the reference's feature extractor
// keeps more samples than its token count allows for (found by
// fuzz_log_mel). 1430 samples give 8 valid frames (2 soft tokens), the 1536
// the front end keeps 9 (3 tokens); 1408 is a multiple of 128.
TEST(AudioPcmStream, MaxLengthOffThePadMultipleIsAClearError) {
  Result<AudioRig> rig = MakeAudioRig(TestdataDir("tiny-e2b"));
  ASSERT_TRUE(rig.ok()) << rig.status().ToString();
  constexpr int64_t kClip = 3001;
  std::vector<float> pcm(kClip);
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = 0.1f * std::sin(0.05f * static_cast<float>(i));
  }
  for (const int64_t max_samples : {1430, 1408}) {
    LogMelParams p;
    p.max_samples = max_samples;
    p.pad_to_multiple = 128;
    Result<std::unique_ptr<AudioPcmStream>> s =
        AudioPcmStream::Create(*rig->encoder, p, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const int64_t want = (*s)->TokensForSamples(kClip);
    const bool differ =
        AudioEncoder::TokensForFrames(LogMelMaskFrames(p, kClip)) != want;
    EXPECT_EQ(differ, max_samples == 1430);
    std::vector<float> out((want + 1) * rig->encoder->text_d());
    int64_t got = 0;
    Status st = (*s)->Encode(pcm.data(), kClip, out.data(), want + 1, &got);
    if (differ) {
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
      EXPECT_NE(st.message().find("max_length (1430)"), std::string::npos)
          << st.message();
      // A clip within max_length is fine.
      st = (*s)->Encode(pcm.data(), 1400, out.data(), want + 1, &got);
    }
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
}

}  // namespace
}  // namespace edgemma::test
