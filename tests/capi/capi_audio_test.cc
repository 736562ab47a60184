// The audio part of the C API on the tiny models: whole-clip and streamed
// encodes against the audio_tower golden, an audio block fed into a session
// (edgemma_eval_audio) giving the audio_text golden logits and being reused by
// edgemma_generate_tokens, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "edgemma.h"
#include "tools/npy.h"

namespace {

const std::string kData = std::string(EDGEMMA_SHARED_DIR) + "/testdata/";

std::vector<float> Floats(const std::string& path) {
  edgemma::Result<edgemma::NpyArray> a = edgemma::ReadNpy(path);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  if (!a.ok()) return {};
  edgemma::Result<std::vector<float>> v = a.value().ToFloat();
  return v.ok() ? v.value() : std::vector<float>{};
}

std::vector<int32_t> Ids(const std::string& path) {
  edgemma::Result<edgemma::NpyArray> a = edgemma::ReadNpy(path);
  std::vector<int32_t> ids;
  if (!a.ok()) return ids;
  edgemma::Result<std::vector<int64_t>> v = a.value().ToInt();
  if (!v.ok()) return ids;
  for (int64_t x : v.value()) ids.push_back(static_cast<int32_t>(x));
  return ids;
}

float MaxAbs(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

struct Collected {
  std::vector<float> tokens;
  int32_t next = 0;
  int32_t stop_after = -1;  // stop (return 0) once this many tokens arrived
};

int32_t Collect(const float* t, int32_t n, int32_t d, int32_t first,
                void* user) {
  Collected* c = static_cast<Collected*>(user);
  EXPECT_EQ(first, c->next);
  c->tokens.insert(c->tokens.end(), t, t + static_cast<size_t>(n) * d);
  c->next += n;
  return c->stop_after >= 0 && c->next >= c->stop_after ? 0 : 1;
}

class CapiAudio : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    model_path_ = kData + GetParam();
    golden_ = kData + GetParam() + "-golden/";
    ASSERT_EQ(edgemma_model_load(model_path_.c_str(), nullptr, &model_),
              EDGEMMA_OK)
        << edgemma_last_error();
    edgemma_audio_params p = edgemma_audio_default_params();
    p.n_threads = 2;
    p.max_block = 5;
    p.min_block = 2;
    ASSERT_EQ(edgemma_audio_encoder_create(model_, &p, &enc_), EDGEMMA_OK)
        << edgemma_last_error();
    wav_ = Floats(golden_ + "audio_log_mel/waveform.npy");
  }
  void TearDown() override {
    edgemma_audio_encoder_free(enc_);
    edgemma_model_free(model_);
  }
  std::string model_path_, golden_;
  edgemma_model* model_ = nullptr;
  edgemma_audio_encoder* enc_ = nullptr;
  std::vector<float> wav_;
};

TEST_P(CapiAudio, EncodeWholeAndStreamedMatchGolden) {
  const std::vector<float> want = Floats(golden_ + "audio_tower/audio_out.npy");
  const int32_t d = edgemma_model_d_model(model_);
  EXPECT_EQ(edgemma_audio_sample_rate(enc_), 16000);
  int32_t n = 0;
  ASSERT_EQ(edgemma_audio_encode(enc_, wav_.data(), int64_t(wav_.size()),
                                 nullptr, 0, &n),
            EDGEMMA_OK);
  ASSERT_EQ(size_t(n) * d, want.size());
  EXPECT_EQ(edgemma_audio_n_tokens(enc_, int64_t(wav_.size())), n);
  std::vector<float> out(want.size());
  EXPECT_EQ(edgemma_audio_encode(enc_, wav_.data(), int64_t(wav_.size()),
                                 out.data(), n - 1, &n),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(edgemma_audio_encode(enc_, wav_.data(), int64_t(wav_.size()),
                                 out.data(), n, &n),
            EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_LE(MaxAbs(out.data(), want.data(), want.size()), 1e-4f);
  // 20 ms pieces, then random pieces (1..3000 samples).
  std::mt19937 rng(3);
  for (int pattern = 0; pattern < 2; ++pattern) {
    Collected c;
    ASSERT_EQ(edgemma_audio_reset(enc_), EDGEMMA_OK);
    for (size_t off = 0; off < wav_.size();) {
      const size_t k = std::min(wav_.size() - off,
                                pattern == 0 ? size_t{320} : 1 + rng() % 3000);
      ASSERT_EQ(
          edgemma_audio_feed(enc_, wav_.data() + off, int64_t(k), Collect, &c),
          EDGEMMA_OK)
          << edgemma_last_error();
      off += k;
    }
    ASSERT_EQ(edgemma_audio_finish(enc_, Collect, &c), EDGEMMA_OK);
    ASSERT_EQ(c.tokens.size(), out.size());
    EXPECT_LE(MaxAbs(c.tokens.data(), out.data(), out.size()), 2e-5f)
        << pattern;
  }
  // Past 30 s the clip is cut (750 tokens), as the reference truncates; an
  // empty clip gives none.
  EXPECT_EQ(edgemma_audio_n_tokens(enc_, int64_t{10} * 60 * 16000), 750);
  std::vector<float> long_clip(31 * 16000, 0.f);
  for (size_t i = 0; i < long_clip.size(); ++i)
    long_clip[i] = wav_[i % wav_.size()];
  std::vector<float> long_out(size_t{750} * d);
  ASSERT_EQ(
      edgemma_audio_encode(enc_, long_clip.data(), int64_t(long_clip.size()),
                           long_out.data(), 750, &n),
      EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(n, 750);
  ASSERT_EQ(edgemma_audio_encode(enc_, nullptr, 0, nullptr, 0, &n), EDGEMMA_OK);
  EXPECT_EQ(n, 0);
  // A callback returning 0 stops the encoder.
  Collected stop;
  stop.stop_after = 1;
  edgemma_audio_reset(enc_);
  EXPECT_EQ(edgemma_audio_feed(enc_, wav_.data(), int64_t(wav_.size()), Collect,
                               &stop),
            EDGEMMA_ERR_CANCELLED);
  // Bad samples are named.
  std::vector<float> bad(wav_);
  bad[100] = NAN;
  edgemma_audio_reset(enc_);
  EXPECT_EQ(
      edgemma_audio_feed(enc_, bad.data(), int64_t(bad.size()), Collect, &stop),
      EDGEMMA_ERR_INVALID_ARGUMENT);
}

TEST_P(CapiAudio, AudioBlockIntoSessionGivesGoldenLogitsAndIsReused) {
  const std::vector<int32_t> ids = Ids(golden_ + "audio_text/input_ids.npy");
  const std::vector<float> want = Floats(golden_ + "audio_text/logits.npy");
  const int32_t vocab = edgemma_model_vocab_size(model_);
  int32_t boa = -1, audio = -1, eoa = -1;
  ASSERT_EQ(edgemma_model_audio_ids(model_, &boa, &audio, &eoa), EDGEMMA_OK);
  size_t b = 0;
  while (b < ids.size() && ids[b] != boa) ++b;
  size_t e = b;
  while (e < ids.size() && ids[e] != eoa) ++e;
  ASSERT_LT(e, ids.size());
  edgemma_session_params sp = edgemma_session_default_params();
  sp.n_ctx = static_cast<int32_t>(ids.size()) + 4;
  edgemma_session* s = nullptr;
  ASSERT_EQ(edgemma_session_create(model_, &sp, &s), EDGEMMA_OK)
      << edgemma_last_error();
  ASSERT_EQ(edgemma_eval_tokens(s, ids.data(), int32_t(b), nullptr),
            EDGEMMA_OK);
  int32_t n_tokens = 0;
  ASSERT_EQ(
      edgemma_eval_audio(s, enc_, wav_.data(), int64_t(wav_.size()), &n_tokens),
      EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(size_t(n_tokens), e - b - 1);
  EXPECT_EQ(edgemma_session_pos(s), int32_t(e + 1));
  std::vector<float> last(vocab);
  ASSERT_EQ(edgemma_eval_tokens(s, ids.data() + e + 1,
                                int32_t(ids.size() - e - 1), last.data()),
            EDGEMMA_OK);
  EXPECT_LE(MaxAbs(last.data(), want.data() + (ids.size() - 1) * vocab, vocab),
            3e-3f);
  // The whole prompt with its <|audio|> ids reuses everything but the last id.
  edgemma_generate_params g = edgemma_generate_default_params(model_);
  g.max_tokens = 1;
  g.sampling.temperature = 0;
  edgemma_generate_stats stats;
  ASSERT_EQ(
      edgemma_generate_tokens(s, ids.data(), int32_t(ids.size()), &g, &stats),
      EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(stats.reused_tokens, int32_t(ids.size()) - 1);
  edgemma_session_free(s);
}

INSTANTIATE_TEST_SUITE_P(Tiny, CapiAudio,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

TEST(CapiAudioErrors, NullsAndMissingTower) {
  edgemma_audio_encoder* enc = nullptr;
  EXPECT_EQ(edgemma_audio_encoder_create(nullptr, nullptr, &enc),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_audio_sample_rate(nullptr), -1);
  EXPECT_EQ(edgemma_audio_feed(nullptr, nullptr, 0, nullptr, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  edgemma_model* m = nullptr;
  ASSERT_EQ(edgemma_model_load((kData + "tiny-e2b").c_str(), nullptr, &m),
            EDGEMMA_OK);
  edgemma_audio_params p = edgemma_audio_default_params();
  p.tower_path = "/nonexistent/mmproj.gguf";
  EXPECT_EQ(edgemma_audio_encoder_create(m, &p, &enc), EDGEMMA_ERR_NOT_FOUND);
  EXPECT_NE(std::string(edgemma_last_error()).find("/nonexistent/mmproj.gguf"),
            std::string::npos);
  p = edgemma_audio_default_params();
  p.max_block = 0;
  EXPECT_EQ(edgemma_audio_encoder_create(m, &p, &enc),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(enc, nullptr);
  edgemma_model_free(m);
}

}  // namespace

namespace {

// examples/audio_stream runs on the tiny model (raw float PCM written here).
TEST(CapiAudioExample, StreamsIntoSession) {
#ifndef EDGEMMA_HAVE_AUDIO_STREAM_EXAMPLE
  GTEST_SKIP()
      << "examples/audio_stream is not built (EDGEMMA_BUILD_EXAMPLES=OFF)";
#endif
  const std::string bin =
      std::string(EDGEMMA_BIN_DIR) + "/edgemma_audio_stream";
  const std::vector<float> wav =
      Floats(kData + "tiny-e2b-golden/audio_log_mel/waveform.npy");
  char tmpl[] = "/tmp/edgemma-audio-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string raw = std::string(tmpl) + "/a.raw";
  FILE* f = fopen(raw.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  fwrite(wav.data(), sizeof(float), wav.size(), f);
  fclose(f);
  const std::string cmd = std::string(EDGEMMA_EMULATOR) + " " + bin + " " +
                          kData + "tiny-e2b " + raw + " > " + tmpl +
                          "/out.txt 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  FILE* o = fopen((std::string(tmpl) + "/out.txt").c_str(), "r");
  ASSERT_NE(o, nullptr);
  char buf[512] = {0};
  const size_t got = fread(buf, 1, sizeof(buf) - 1, o);
  fclose(o);
  EXPECT_NE(std::string(buf, got).find("24 soft tokens"), std::string::npos)
      << buf;
  std::system(("rm -rf " + std::string(tmpl)).c_str());
}

}  // namespace
