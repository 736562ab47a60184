// Memory contract of the audio path through the C API: the audio encoder in a
// caller buffer (edgemma_audio_encoder_required_bytes, too small / misaligned
// buffers), and no heap allocation after start on the whole audio path
// (encoder feed/finish/encode, edgemma_eval_embeddings, edgemma_eval_audio,
// generation from the expanded prompt), counted by the test allocation hook
// (tests/support/alloc_guard.h) over every thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "edgemma.h"
#include "tests/support/alloc_guard.h"

namespace {

const std::string kData = std::string(EDGEMMA_SHARED_DIR) + "/testdata/";

// A 64-byte aligned heap block with `pad` sentinel bytes after `bytes`.
struct Block {
  Block(size_t bytes, size_t pad) : size(bytes), pad(pad) {
    const size_t total = (bytes + pad + 63) / 64 * 64 + 64;
    base = static_cast<unsigned char*>(std::aligned_alloc(64, total));
    std::memset(base, 0xA5, total);
  }
  ~Block() { std::free(base); }
  bool SentinelIntact() const {
    for (size_t i = 0; i < pad; ++i)
      if (base[size + i] != 0xA5) return false;
    return true;
  }
  bool Used() const {
    for (size_t i = 0; i < size; ++i)
      if (base[i] != 0xA5) return true;
    return false;
  }
  unsigned char* base = nullptr;
  size_t size, pad;
};

// Chirp + deterministic noise: no golden needed, every sample differs.
std::vector<float> Clip(int64_t n) {
  std::vector<float> pcm(static_cast<size_t>(n));
  uint32_t lcg = 7;
  for (int64_t i = 0; i < n; ++i) {
    lcg = lcg * 1664525u + 1013904223u;
    const double t = i / 16000.0;
    pcm[i] = static_cast<float>(
        0.3 * std::sin(6.283185307179586 * (300 + 500 * t) * t) +
        0.05 * (lcg >> 8) / 16777216.0);
  }
  return pcm;
}

class CapiAudioMemory : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    path_ = kData + GetParam();
    ASSERT_EQ(edgemma_model_load(path_.c_str(), nullptr, &model_), EDGEMMA_OK)
        << edgemma_last_error();
    params_ = edgemma_audio_default_params();
    params_.n_threads = 2;
    params_.max_block = 7;  // odd: partial blocks
    params_.min_block = 3;
  }
  void TearDown() override { edgemma_model_free(model_); }

  std::string path_;
  edgemma_model* model_ = nullptr;
  edgemma_audio_params params_;
};

TEST_P(CapiAudioMemory, RequiredBytesFollowTheParams) {
  size_t bytes = 0, wider = 0, threads = 0;
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &params_, &bytes),
            EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_GT(bytes, 0u);
  edgemma_audio_params p = params_;
  p.max_block = 4 * params_.max_block;
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &p, &wider),
            EDGEMMA_OK);
  EXPECT_GT(wider, bytes);
  p = params_;
  p.n_threads = 8;
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &p, &threads),
            EDGEMMA_OK);
  EXPECT_GE(threads, bytes);
  // The buffer fields do not change the answer.
  p = params_;
  p.buffer = &p;
  p.buffer_size = 1;
  size_t same = 0;
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &p, &same),
            EDGEMMA_OK);
  EXPECT_EQ(same, bytes);
}

TEST_P(CapiAudioMemory, RequiredBytesErrors) {
  size_t bytes = 0;
  EXPECT_EQ(edgemma_audio_encoder_required_bytes(nullptr, &params_, &bytes),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_audio_encoder_required_bytes(model_, nullptr, &bytes),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_audio_encoder_required_bytes(model_, &params_, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  edgemma_audio_params p = params_;
  p.min_block = p.max_block + 1;
  EXPECT_EQ(edgemma_audio_encoder_required_bytes(model_, &p, &bytes),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(edgemma_last_error()).find("min_block"),
            std::string::npos);
  p = params_;
  p.tower_path = "/nonexistent/edgemma-tower";
  const edgemma_status st =
      edgemma_audio_encoder_required_bytes(model_, &p, &bytes);
  EXPECT_TRUE(st == EDGEMMA_ERR_NOT_FOUND || st == EDGEMMA_ERR_IO)
      << edgemma_status_name(st);
  EXPECT_NE(std::string(edgemma_last_error()).find("/nonexistent"),
            std::string::npos)
      << edgemma_last_error();
}

TEST_P(CapiAudioMemory, EncoderLivesInTheCallerBufferAndMatchesAllocated) {
  size_t need = 0;
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &params_, &need),
            EDGEMMA_OK);
  Block block(need, 256);
  edgemma_audio_params p = params_;
  p.buffer = block.base;
  p.buffer_size = need;
  edgemma_audio_encoder *in_buffer = nullptr, *allocated = nullptr;
  ASSERT_EQ(edgemma_audio_encoder_create(model_, &p, &in_buffer), EDGEMMA_OK)
      << edgemma_last_error();
  ASSERT_EQ(edgemma_audio_encoder_create(model_, &params_, &allocated),
            EDGEMMA_OK);
  const std::vector<float> pcm = Clip(26000);
  const int32_t d = edgemma_model_d_model(model_);
  const int32_t n = edgemma_audio_n_tokens(in_buffer, int64_t(pcm.size()));
  ASSERT_GT(n, 0);
  std::vector<float> a(size_t(n) * d), b(a.size());
  int32_t got = 0;
  ASSERT_EQ(edgemma_audio_encode(in_buffer, pcm.data(), int64_t(pcm.size()),
                                 a.data(), n, &got),
            EDGEMMA_OK)
      << edgemma_last_error();
  ASSERT_EQ(edgemma_audio_encode(allocated, pcm.data(), int64_t(pcm.size()),
                                 b.data(), n, &got),
            EDGEMMA_OK);
  EXPECT_EQ(got, n);
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
  EXPECT_TRUE(block.Used());            // the working memory is the buffer
  EXPECT_TRUE(block.SentinelIntact());  // and it stays inside it
  edgemma_audio_encoder_free(in_buffer);
  edgemma_audio_encoder_free(allocated);
}

TEST_P(CapiAudioMemory, TooSmallOrMisalignedBufferIsRefused) {
  size_t need = 0;
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &params_, &need),
            EDGEMMA_OK);
  Block block(need + 64, 0);
  edgemma_audio_params p = params_;
  p.buffer = block.base;
  p.buffer_size = need - 1;
  // Not NULL before: a failed create must set it to NULL.
  edgemma_audio_encoder* e = reinterpret_cast<edgemma_audio_encoder*>(&block);
  EXPECT_EQ(edgemma_audio_encoder_create(model_, &p, &e),
            EDGEMMA_ERR_ARENA_FULL);
  EXPECT_EQ(e, nullptr);
  const std::string msg = edgemma_last_error();
  EXPECT_NE(msg.find(std::to_string(need - 1)), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(need)), std::string::npos) << msg;
  p.buffer_size = 0;
  EXPECT_EQ(edgemma_audio_encoder_create(model_, &p, &e),
            EDGEMMA_ERR_ARENA_FULL);
  p.buffer = block.base + 8;
  p.buffer_size = need;
  EXPECT_EQ(edgemma_audio_encoder_create(model_, &p, &e),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(edgemma_last_error()).find("aligned"),
            std::string::npos);
  p.buffer = nullptr;
  p.buffer_size = need;
  EXPECT_EQ(edgemma_audio_encoder_create(model_, &p, &e),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(e, nullptr);
  // Exactly the required size works.
  p.buffer = block.base;
  p.buffer_size = need;
  ASSERT_EQ(edgemma_audio_encoder_create(model_, &p, &e), EDGEMMA_OK)
      << edgemma_last_error();
  edgemma_audio_encoder_free(e);
}

struct Feeder {
  edgemma_session* session;
  edgemma_status status = EDGEMMA_OK;
  int32_t fed = 0;
  static int32_t Call(const float* t, int32_t n, int32_t d, int32_t,
                      void* user) {
    Feeder* f = static_cast<Feeder*>(user);
    f->status = edgemma_eval_embeddings(f->session, t, n, d, nullptr);
    f->fed += n;
    return f->status == EDGEMMA_OK ? 1 : 0;
  }
};

// Start: model, session and encoder in caller buffers (2 threads each), the
// prompt and the clip. After that, the whole audio path allocates nothing.
TEST_P(CapiAudioMemory, NoHeapAllocationAfterStartOnTheAudioPath) {
  ASSERT_TRUE(edgemma::AllocHookInstalled());
  edgemma_session_params sp = edgemma_session_default_params();
  sp.n_ctx = 160;
  sp.n_batch = 5;          // soft tokens cross prefill chunks
  sp.n_rewind = sp.n_ctx;  // rewinds past the tiny models' sliding window
  sp.n_threads = 2;
  sp.kv_type = EDGEMMA_KV_F16;
  size_t s_need = 0, a_need = 0;
  ASSERT_EQ(edgemma_session_required_bytes(model_, &sp, &s_need), EDGEMMA_OK);
  ASSERT_EQ(edgemma_audio_encoder_required_bytes(model_, &params_, &a_need),
            EDGEMMA_OK);
  const size_t s_room = (s_need + 63) / 64 * 64;
  Block block(s_room + a_need, 128);
  sp.buffer = block.base;
  sp.buffer_size = s_need;
  edgemma_audio_params ap = params_;
  ap.buffer = block.base + s_room;
  ap.buffer_size = a_need;
  edgemma_session* s = nullptr;
  edgemma_audio_encoder* enc = nullptr;
  ASSERT_EQ(edgemma_session_create(model_, &sp, &s), EDGEMMA_OK)
      << edgemma_last_error();
  ASSERT_EQ(edgemma_audio_encoder_create(model_, &ap, &enc), EDGEMMA_OK)
      << edgemma_last_error();
  const std::vector<float> pcm = Clip(24000);  // 1.5 s
  const int32_t n_audio = edgemma_audio_n_tokens(enc, int64_t(pcm.size()));
  const int32_t d = edgemma_model_d_model(model_);
  int32_t boa = -1, ph = -1, eoa = -1;
  ASSERT_EQ(edgemma_model_audio_ids(model_, &boa, &ph, &eoa), EDGEMMA_OK);
  const int32_t vocab = edgemma_model_vocab_size(model_);
  std::vector<int32_t> prompt = {edgemma_model_bos(model_), 17 % vocab, boa};
  const int32_t n_prefix = int32_t(prompt.size());
  prompt.insert(prompt.end(), size_t(n_audio), ph);
  prompt.push_back(eoa);
  prompt.push_back(29 % vocab);
  std::vector<float> logits(static_cast<size_t>(vocab));
  std::vector<float> tokens(static_cast<size_t>(n_audio) * d);
  edgemma_generate_params g = edgemma_generate_default_params(model_);
  g.max_tokens = 6;
  g.sampling.temperature = 0;
  edgemma_generate_stats stats[2];
  Feeder feeder{s};
  int32_t got = 0;
  {
    edgemma::ScopedNoAlloc guard;
    // Streamed: prefix, 13 ms pieces into the session from the callback.
    edgemma_status r = edgemma_eval_tokens(s, prompt.data(), n_prefix, nullptr);
    if (r == EDGEMMA_OK) r = edgemma_audio_reset(enc);
    for (size_t off = 0; r == EDGEMMA_OK && off < pcm.size(); off += 208) {
      const size_t k = std::min<size_t>(208, pcm.size() - off);
      r = edgemma_audio_feed(enc, pcm.data() + off, int64_t(k), Feeder::Call,
                             &feeder);
    }
    if (r == EDGEMMA_OK) r = edgemma_audio_finish(enc, Feeder::Call, &feeder);
    if (r == EDGEMMA_OK)
      r = edgemma_generate_tokens(s, prompt.data(), int32_t(prompt.size()), &g,
                                  &stats[0]);
    // Whole clip into a buffer, then edgemma_eval_embeddings in one call.
    if (r == EDGEMMA_OK)
      r = edgemma_audio_encode(enc, pcm.data(), int64_t(pcm.size()),
                               tokens.data(), n_audio, &got);
    if (r == EDGEMMA_OK) r = edgemma_session_rewind(s, n_prefix);
    if (r == EDGEMMA_OK)
      r = edgemma_eval_embeddings(s, tokens.data(), n_audio, d, logits.data());
    // edgemma_eval_audio: the block including its markers.
    if (r == EDGEMMA_OK) r = edgemma_session_rewind(s, n_prefix - 1);
    if (r == EDGEMMA_OK)
      r = edgemma_eval_audio(s, enc, pcm.data(), int64_t(pcm.size()), &got);
    if (r == EDGEMMA_OK)
      r = edgemma_generate_tokens(s, prompt.data(), int32_t(prompt.size()), &g,
                                  &stats[1]);
    const int64_t allocations = guard.allocations();
    ASSERT_EQ(r, EDGEMMA_OK) << edgemma_last_error();
    EXPECT_EQ(allocations, 0);
  }
  EXPECT_EQ(feeder.status, EDGEMMA_OK);
  EXPECT_EQ(feeder.fed, n_audio);
  EXPECT_EQ(got, n_audio);
  EXPECT_EQ(stats[0].reused_tokens, n_prefix + n_audio);
  EXPECT_EQ(stats[1].reused_tokens, n_prefix + n_audio + 1);  // + <audio|>
  EXPECT_EQ(stats[0].generated_tokens, stats[1].generated_tokens);
  EXPECT_TRUE(block.SentinelIntact());
  edgemma_audio_encoder_free(enc);
  edgemma_session_free(s);
}

// edgemma_eval_embeddings over several prefill chunks allocates nothing and
// gives the logits of the same soft tokens fed one at a time; a block that
// does not fit is refused with the session unchanged.
TEST_P(CapiAudioMemory, EvalEmbeddingsIsPlannedAndChecksTheContext) {
  edgemma_session_params sp = edgemma_session_default_params();
  sp.n_ctx = 24;
  sp.n_batch = 4;
  sp.n_rewind = sp.n_ctx;
  edgemma_session* s = nullptr;
  ASSERT_EQ(edgemma_session_create(model_, &sp, &s), EDGEMMA_OK);
  const int32_t d = edgemma_model_d_model(model_);
  const int32_t vocab = edgemma_model_vocab_size(model_);
  const int32_t bos = edgemma_model_bos(model_);
  std::vector<float> emb(size_t(11) * d);
  for (size_t i = 0; i < emb.size(); ++i)
    emb[i] = 0.02f * std::sin(0.37f * float(i));
  std::vector<float> a(static_cast<size_t>(vocab)),
      b(static_cast<size_t>(vocab));
  ASSERT_EQ(edgemma_eval_tokens(s, &bos, 1, nullptr), EDGEMMA_OK);
  {
    edgemma::ScopedNoAlloc guard;
    const edgemma_status r =
        edgemma_eval_embeddings(s, emb.data(), 11, d, a.data());
    const int64_t allocations = guard.allocations();
    ASSERT_EQ(r, EDGEMMA_OK) << edgemma_last_error();
    EXPECT_EQ(allocations, 0);
  }
  EXPECT_EQ(edgemma_session_pos(s), 12);
  ASSERT_EQ(edgemma_session_rewind(s, 1), EDGEMMA_OK);
  for (int i = 0; i < 11; ++i)
    ASSERT_EQ(
        edgemma_eval_embeddings(s, emb.data() + size_t(i) * d, 1, d, b.data()),
        EDGEMMA_OK);
  float diff = 0;
  for (int32_t i = 0; i < vocab; ++i)
    diff = std::max(diff, std::fabs(a[i] - b[i]));
  EXPECT_LE(diff, 1e-3f);
  EXPECT_EQ(edgemma_eval_embeddings(s, emb.data(), 11, d, nullptr),
            EDGEMMA_OK);  // 23 of 24 positions
  EXPECT_EQ(edgemma_eval_embeddings(s, emb.data(), 2, d, nullptr),
            EDGEMMA_ERR_CONTEXT_FULL);
  EXPECT_EQ(edgemma_session_pos(s), 23);
  EXPECT_EQ(edgemma_eval_embeddings(s, emb.data(), 1, d + 1, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  edgemma_session_free(s);
}

INSTANTIATE_TEST_SUITE_P(Tiny, CapiAudioMemory,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

}  // namespace
