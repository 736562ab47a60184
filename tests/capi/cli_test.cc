// `edgemma run` / `edgemma chat` and the text-level C API on a small synthetic
// GGUF (tiny-e2b shapes, random weights) carrying the real Gemma 4 tokenizer,
// made once per run by `edgemma synth` into the build directory.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "edgemma.h"

namespace {

const std::string kBin = EDGEMMA_BIN_DIR;
const std::string kShared = EDGEMMA_SHARED_DIR;
const std::string kModel = kBin + "/capi_synth_tiny.gguf";

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs a shell command; returns its exit code, stdout and stderr through files
// under bin/ named per process (ctest runs these tests in parallel processes).
int Sh(const std::string& cmd, std::string* out = nullptr,
       std::string* err = nullptr) {
  const std::string base = kBin + "/capi_cli_test." + std::to_string(getpid());
  const std::string o = base + ".out", e = base + ".err";
  const int rc = std::system((cmd + " >" + o + " 2>" + e).c_str());
  if (out) *out = Slurp(o);
  if (err) *err = Slurp(e);
  std::remove(o.c_str());
  std::remove(e.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class CliTest : public ::testing::Test {
 protected:
  // Deterministic (fixed seed), so one file serves every test process: made
  // once under a per-process name and renamed into place (ctest may run these
  // tests in parallel).
  static void SetUpTestSuite() {
    if (std::ifstream(kModel).good()) return;
    const std::string tmp = kModel + ".tmp" + std::to_string(getpid());
    std::string err;
    const int rc =
        Sh(kBin + "/edgemma synth --config " + kShared +
               "/testdata/tiny-e2b/config.json --tokenizer " + kShared +
               "/testdata/tokenizer/gemma4/tokenizer.json --type q8_0 --seed 7 "
               "--force " +
               tmp,
           nullptr, &err);
    ASSERT_EQ(rc, 0) << err;
    ASSERT_EQ(std::rename(tmp.c_str(), kModel.c_str()), 0);
  }
  std::string Run(const std::string& args) {
    return kBin + "/edgemma run -m " + kModel + " " + args;
  }
};

TEST_F(CliTest, RunStreamsAndPrintsStats) {
  std::string out, err;
  ASSERT_EQ(Sh(Run("-p 'Hello there' -n 8 --seed 3 -t 1"), &out, &err), 0)
      << err;
  EXPECT_NE(err.find("[prompt]"), std::string::npos) << err;
  EXPECT_NE(err.find("[generate]"), std::string::npos) << err;
  EXPECT_NE(err.find("tokens/s"), std::string::npos) << err;
  EXPECT_NE(err.find("[memory] peak"), std::string::npos) << err;
  std::string out2, err2;
  ASSERT_EQ(
      Sh(Run("-p 'Hello there' -n 8 --seed 3 -t 1 --quiet"), &out2, &err2), 0)
      << err2;
  EXPECT_EQ(err2.find("[generate]"), std::string::npos);
  EXPECT_EQ(out, out2) << "same seed, same text";
}

TEST_F(CliTest, BadFlagsExitWithTwo) {
  std::string err;
  EXPECT_EQ(Sh(Run("-p hi --bogus"), nullptr, &err), 2);
  EXPECT_NE(err.find("--bogus"), std::string::npos) << err;
  EXPECT_EQ(Sh(Run("-p hi --temp abc")), 2);
  EXPECT_EQ(Sh(Run("-p hi --top-p 0")), 2);
  EXPECT_EQ(Sh(Run("-p hi -n")), 2);
  EXPECT_EQ(Sh(Run("")), 2);  // no -p
  EXPECT_EQ(Sh(kBin + "/edgemma chat -m " + kModel + " -p hi"), 2);
  std::string help;
  EXPECT_EQ(Sh(Run("--help"), &help), 0);
  EXPECT_NE(help.find("--top-k"), std::string::npos);
}

TEST_F(CliTest, OversizePromptIsAnErrorAndAFullContextEndsTheAnswer) {
  std::string out, err;
  std::string words;
  for (int i = 0; i < 100; ++i) words += "word ";
  EXPECT_EQ(Sh(Run("-p '" + words + "' --ctx 32 -n 4 -t 1"), &out, &err), 1);
  EXPECT_NE(err.find("context holds 32"), std::string::npos) << err;
  // A prompt that fits, an answer that runs into the end of the context.
  ASSERT_EQ(Sh(Run("-p hi --ctx 24 -n 64 -t 1 --seed 1"), &out, &err), 0)
      << err;
  EXPECT_NE(err.find("[generate]"), std::string::npos) << err;
}

TEST_F(CliTest, MissingModelIsAClearError) {
  std::string err;
  const int rc =
      Sh(kBin + "/edgemma run -m /nonexistent/m.gguf -p hi", nullptr, &err);
  EXPECT_NE(rc, 0);
  EXPECT_NE(rc, 2);
  EXPECT_NE(err.find("/nonexistent/m.gguf"), std::string::npos) << err;
}

TEST_F(CliTest, ChatReusesTheCacheAndSavesTurns) {
  const std::string save = kBin + "/capi_cli_chat.jsonl";
  std::remove(save.c_str());
  std::string out, err;
  ASSERT_EQ(Sh("printf 'Hi\\nAnd again\\n' | " + kBin + "/edgemma chat -m " +
                   kModel + " -n 4 --seed 1 -t 1 --save " + save,
               &out, &err),
            0)
      << err;
  const std::string saved = Slurp(save);
  int lines = 0;
  for (char c : saved) lines += c == '\n';
  EXPECT_EQ(lines, 4) << saved;
  EXPECT_NE(saved.find("{\"content\":\"Hi\",\"role\":\"user\"}"),
            std::string::npos)
      << saved;
  // Second turn: the first turn's prompt is reused from the KV cache.
  const size_t second = err.rfind("[prompt]");
  ASSERT_NE(second, std::string::npos) << err;
  EXPECT_EQ(err.find("(0 reused", second), std::string::npos) << err;
}

TEST_F(CliTest, SimpleExampleRuns) {
  std::string out, err;
  ASSERT_EQ(
      Sh(kBin + "/edgemma_simple " + kModel + " 'Hello there'", &out, &err), 0)
      << err;
  EXPECT_NE(err.find("prompt tokens"), std::string::npos) << err;
  EXPECT_EQ(Sh(kBin + "/edgemma_simple /nonexistent.gguf hi", nullptr, &err),
            1);
  EXPECT_NE(err.find("/nonexistent.gguf"), std::string::npos) << err;
}

TEST_F(CliTest, TextApiOnTheSynthModel) {
  edgemma_model* m = nullptr;
  ASSERT_EQ(edgemma_model_load(kModel.c_str(), nullptr, &m), EDGEMMA_OK)
      << edgemma_last_error();
  ASSERT_EQ(edgemma_model_has_tokenizer(m), 1);
  edgemma_message msg = {"user", "Hi"};
  size_t len = 0;
  ASSERT_EQ(edgemma_chat_prompt(m, &msg, 1, 1, 0, nullptr, 0, &len),
            EDGEMMA_OK);
  std::string prompt(len + 1, '\0');
  char small[4];
  EXPECT_EQ(edgemma_chat_prompt(m, &msg, 1, 1, 0, small, sizeof small, &len),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(
      edgemma_chat_prompt(m, &msg, 1, 1, 0, &prompt[0], prompt.size(), &len),
      EDGEMMA_OK);
  prompt.resize(len);
  EXPECT_EQ(prompt, "<bos><|turn>user\nHi<turn|>\n<|turn>model\n");
  int32_t n = 0;
  ASSERT_EQ(edgemma_tokenize(m, prompt.c_str(), 1, nullptr, 0, &n), EDGEMMA_OK);
  std::vector<int32_t> ids(static_cast<size_t>(n));
  ASSERT_EQ(edgemma_tokenize(m, prompt.c_str(), 1, ids.data(), n, &n),
            EDGEMMA_OK);
  EXPECT_EQ(ids[0], edgemma_model_bos(m));
  std::string back(prompt.size() + 1, '\0');
  ASSERT_EQ(
      edgemma_detokenize(m, ids.data(), n, 0, &back[0], back.size(), &len),
      EDGEMMA_OK);
  back.resize(len);
  EXPECT_EQ(back, prompt);

  edgemma_session* s = nullptr;
  edgemma_session_params sp = edgemma_session_default_params();
  sp.n_ctx = 128;
  ASSERT_EQ(edgemma_session_create(m, &sp, &s), EDGEMMA_OK)
      << edgemma_last_error();
  struct Text {
    std::string text;
    std::vector<int32_t> ids;
  } got;
  edgemma_generate_params g = edgemma_generate_default_params(m);
  g.max_tokens = 10;
  g.sampling.seed = 9;
  g.on_token = [](int32_t t, const char* p, size_t l, void* u) -> int32_t {
    auto* x = static_cast<Text*>(u);
    x->text.append(p, l);
    if (t >= 0) x->ids.push_back(t);
    return 1;
  };
  g.user_data = &got;
  edgemma_generate_stats st;
  ASSERT_EQ(edgemma_generate(s, prompt.c_str(), &g, &st), EDGEMMA_OK)
      << edgemma_last_error();
  EXPECT_EQ(st.prompt_tokens, n);
  std::string whole(4096, '\0');
  ASSERT_EQ(edgemma_detokenize(m, got.ids.data(),
                               static_cast<int32_t>(got.ids.size()), 1,
                               &whole[0], whole.size(), &len),
            EDGEMMA_OK);
  whole.resize(len);
  EXPECT_EQ(got.text, whole)
      << "streamed pieces concatenate to the decoded text";
  edgemma_session_free(s);
  edgemma_model_free(m);
}

}  // namespace
