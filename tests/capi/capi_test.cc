// The C API end to end on the tiny random-weight model (no tokenizer: token-id
// paths).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "edgemma.h"
#include "tools/npy.h"

extern "C" int edgemma_c99_invalid_argument_checks(char* msg, size_t cap);

namespace {

const std::string kTiny =
    std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e2b";
const std::string kGolden =
    std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e2b-golden";

std::vector<int32_t> ReadIds(const std::string& path) {
  auto a = edgemma::ReadNpy(path);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  std::vector<int32_t> ids;
  if (!a.ok()) return ids;
  auto v = a->ToInt();
  for (int64_t x : v.value()) ids.push_back(static_cast<int32_t>(x));
  return ids;
}

class CapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(edgemma_model_load(kTiny.c_str(), nullptr, &model_), EDGEMMA_OK)
        << edgemma_last_error();
  }
  void TearDown() override {
    edgemma_session_free(session_);
    edgemma_model_free(model_);
  }
  void Create(int n_ctx, int n_rewind = 0) {
    edgemma_session_params p = edgemma_session_default_params();
    p.n_ctx = n_ctx;
    p.n_rewind = n_rewind;
    ASSERT_EQ(edgemma_session_create(model_, &p, &session_), EDGEMMA_OK)
        << edgemma_last_error();
  }
  edgemma_generate_params Greedy(int max_tokens) {
    edgemma_generate_params g = edgemma_generate_default_params(model_);
    g.max_tokens = max_tokens;
    g.sampling.temperature = 0.f;
    return g;
  }
  edgemma_model* model_ = nullptr;
  edgemma_session* session_ = nullptr;
};

struct Collected {
  std::vector<int32_t> ids;
  int stop_after = -1;
};

int32_t Collect(int32_t token, const char*, size_t, void* user) {
  auto* c = static_cast<Collected*>(user);
  c->ids.push_back(token);
  return c->stop_after < 0 || static_cast<int>(c->ids.size()) < c->stop_after;
}

TEST(CapiC99, InvalidArgumentsGiveCodesAndMessages) {
  char msg[512];
  EXPECT_EQ(edgemma_c99_invalid_argument_checks(msg, sizeof msg), 0) << msg;
}

TEST(Capi, MissingModelIsAClearError) {
  edgemma_model* m = nullptr;
  EXPECT_NE(edgemma_model_load("/nonexistent/dir", nullptr, &m), EDGEMMA_OK);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(std::string(edgemma_last_error()).find("/nonexistent/dir"),
            std::string::npos);
}

TEST_F(CapiTest, GettersReadTheConfig) {
  EXPECT_GT(edgemma_model_vocab_size(model_), 0);
  EXPECT_EQ(edgemma_model_context_max(model_), 131072);
  EXPECT_EQ(edgemma_model_d_model(model_), 64);
  EXPECT_EQ(edgemma_model_bos(model_),
            4);  // the tiny model remaps its special ids
  ASSERT_EQ(edgemma_model_n_eos(model_), 2);
  EXPECT_EQ(edgemma_model_eos(model_, 0), 6);
  EXPECT_EQ(edgemma_model_eos(model_, 1), 10);
  EXPECT_EQ(edgemma_model_eos(model_, 2), -1);
  EXPECT_NE(edgemma_model_kernel_name(model_), nullptr);
  EXPECT_EQ(edgemma_model_has_tokenizer(model_), 0);
  int32_t n = 0;
  EXPECT_EQ(edgemma_tokenize(model_, "hi", 1, nullptr, 0, &n),
            EDGEMMA_ERR_UNSUPPORTED);
}

TEST_F(CapiTest, RequiredBytesMatchesCreateAndCallerBuffer) {
  edgemma_session_params p = edgemma_session_default_params();
  p.n_ctx = 64;
  size_t bytes = 0;
  ASSERT_EQ(edgemma_session_required_bytes(model_, &p, &bytes), EDGEMMA_OK);
  ASSERT_GT(bytes, 0u);
  void* buf = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  p.buffer = buf;
  p.buffer_size = bytes - 64;
  EXPECT_EQ(edgemma_session_create(model_, &p, &session_),
            EDGEMMA_ERR_ARENA_FULL);
  EXPECT_EQ(session_, nullptr);
  EXPECT_GT(std::string(edgemma_last_error()).size(), 0u);
  p.buffer_size = bytes;
  ASSERT_EQ(edgemma_session_create(model_, &p, &session_), EDGEMMA_OK)
      << edgemma_last_error();
  const int32_t ids[3] = {20, 21, 22};
  std::vector<float> logits(
      static_cast<size_t>(edgemma_model_vocab_size(model_)));
  EXPECT_EQ(edgemma_eval_tokens(session_, ids, 3, logits.data()), EDGEMMA_OK);
  EXPECT_EQ(edgemma_session_pos(session_), 3);
  edgemma_session_free(session_);
  session_ = nullptr;
  std::free(buf);
  p.n_ctx = 1 << 30;
  EXPECT_EQ(edgemma_session_required_bytes(model_, &p, &bytes),
            EDGEMMA_ERR_INVALID_ARGUMENT);
}

TEST_F(CapiTest, GreedyGenerationMatchesTheReference) {
  Create(128);
  const std::vector<int32_t> prompt =
      ReadIds(kGolden + "/greedy_generate/prompt_ids.npy");
  const std::vector<int32_t> want =
      ReadIds(kGolden + "/greedy_generate/generated_ids.npy");
  ASSERT_FALSE(prompt.empty());
  Collected c;
  edgemma_generate_params g = Greedy(static_cast<int>(want.size()));
  g.on_token = Collect;
  g.user_data = &c;
  edgemma_generate_stats st;
  ASSERT_EQ(
      edgemma_generate_tokens(session_, prompt.data(),
                              static_cast<int32_t>(prompt.size()), &g, &st),
      EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(c.ids, want);
  EXPECT_EQ(st.prompt_tokens, static_cast<int>(prompt.size()));
  EXPECT_EQ(st.generated_tokens, static_cast<int>(want.size()));
  EXPECT_EQ(st.stop_reason, EDGEMMA_STOP_MAX_TOKENS);
  // The last sampled token is not fed: the session holds prompt + all but the
  // last.
  EXPECT_EQ(edgemma_session_pos(session_),
            static_cast<int>(prompt.size() + want.size() - 1));

  // Continuing the conversation reuses the whole cached prefix.
  std::vector<int32_t> next = prompt;
  next.insert(next.end(), want.begin(), want.end());
  next.push_back(30);
  g.max_tokens = 2;
  ASSERT_EQ(edgemma_generate_tokens(session_, next.data(),
                                    static_cast<int32_t>(next.size()), &g, &st),
            EDGEMMA_OK);
  EXPECT_EQ(st.reused_tokens,
            static_cast<int>(prompt.size() + want.size() - 1));
}

TEST_F(CapiTest, CallbackStopsGeneration) {
  Create(64);
  const int32_t prompt[4] = {20, 21, 22, 23};
  Collected c;
  c.stop_after = 3;
  edgemma_generate_params g = edgemma_generate_default_params(model_);
  g.max_tokens = 20;
  g.sampling.seed = 5;
  g.on_token = Collect;
  g.user_data = &c;
  edgemma_generate_stats st;
  ASSERT_EQ(edgemma_generate_tokens(session_, prompt, 4, &g, &st), EDGEMMA_OK);
  if (st.stop_reason == EDGEMMA_STOP_EOS)
    GTEST_SKIP() << "sampled an eos id first";
  EXPECT_EQ(c.ids.size(), 3u);
  EXPECT_EQ(st.stop_reason, EDGEMMA_STOP_CALLBACK);
}

TEST_F(CapiTest, RewindAndRegenerateIsDeterministicWithASeed) {
  Create(64, /*n_rewind=*/64);
  const int32_t prompt[5] = {20, 21, 22, 23, 24};
  edgemma_generate_params g = edgemma_generate_default_params(model_);
  g.max_tokens = 12;
  g.sampling.seed = 1234;
  g.sampling.temperature = 1.5f;  // spread the random model's distribution
  Collected a, b;
  g.on_token = Collect;
  g.user_data = &a;
  edgemma_generate_stats st;
  ASSERT_EQ(edgemma_generate_tokens(session_, prompt, 5, &g, &st), EDGEMMA_OK);
  ASSERT_EQ(edgemma_session_rewind(session_, 5), EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(edgemma_session_pos(session_), 5);
  g.user_data = &b;
  ASSERT_EQ(edgemma_generate_tokens(session_, prompt, 5, &g, &st), EDGEMMA_OK);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(st.reused_tokens,
            4);  // the last prompt id is always re-fed for fresh logits
  EXPECT_EQ(edgemma_session_rewind(session_, 1000),
            EDGEMMA_ERR_INVALID_ARGUMENT);
}

TEST_F(CapiTest, ContextFullIsReportedAndTheSessionStaysUsable) {
  Create(12);
  std::vector<int32_t> long_prompt(13, 20);
  edgemma_generate_params g = Greedy(100);
  edgemma_generate_stats st;
  EXPECT_EQ(edgemma_generate_tokens(session_, long_prompt.data(), 13, &g, &st),
            EDGEMMA_ERR_CONTEXT_FULL);
  const int32_t prompt[4] = {20, 21, 22, 23};
  const edgemma_status s =
      edgemma_generate_tokens(session_, prompt, 4, &g, &st);
  if (st.stop_reason == EDGEMMA_STOP_EOS)
    GTEST_SKIP() << "greedy path hit an eos id";
  EXPECT_EQ(s, EDGEMMA_ERR_CONTEXT_FULL);
  EXPECT_EQ(st.stop_reason, EDGEMMA_STOP_CONTEXT_FULL);
  EXPECT_EQ(edgemma_session_pos(session_), 12);
  EXPECT_EQ(st.generated_tokens,
            9);  // 8 decoded to fill 12 positions, the 9th has no room
  EXPECT_EQ(edgemma_eval_tokens(session_, prompt, 1, nullptr),
            EDGEMMA_ERR_CONTEXT_FULL);
  EXPECT_EQ(edgemma_session_rewind(session_, 0), EDGEMMA_OK);
  EXPECT_EQ(edgemma_eval_tokens(session_, prompt, 4, nullptr), EDGEMMA_OK);
}

TEST_F(CapiTest, EmbeddingsPathFeedsSoftTokens) {
  Create(32);
  std::vector<float> emb(3 * 64, 0.01f);
  std::vector<float> logits(
      static_cast<size_t>(edgemma_model_vocab_size(model_)));
  EXPECT_EQ(edgemma_eval_embeddings(session_, emb.data(), 3, 63, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(edgemma_eval_embeddings(session_, emb.data(), 3, 64, logits.data()),
            EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(edgemma_session_pos(session_), 3);
  const int32_t bad[1] = {edgemma_model_vocab_size(model_)};
  EXPECT_EQ(edgemma_eval_tokens(session_, bad, 1, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_session_pos(session_), 3);
}

}  // namespace
