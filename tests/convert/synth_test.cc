// `edgemma synth`: deterministic per seed, the exact planned shapes of a
// config, sane values; and the tokenizer keys as llama.cpp writes them (real
// Gemma 4 tokenizer, metadata only).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/synth_model.h"
#include "core/io/config.h"
#include "core/text/tokenizer.h"
#include "quant/quantize.h"
#include "tests/support/mini_gguf.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::MiniGguf;
using test::MiniReader;
using test::RunCli;
using test::TempDir;

std::string TinyConfig() {
  return std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e4b/config.json";
}

TEST(Synth, DeterministicPerSeed) {
  TempDir dir;
  const std::string a = dir.path() + "/a.gguf", b = dir.path() + "/b.gguf",
                    c = dir.path() + "/c.gguf";
  for (const auto& [out, seed] :
       {std::pair{a, 7}, std::pair{b, 7}, std::pair{c, 8}}) {
    test::CliResult r =
        RunCli("synth --config " + TinyConfig() + " --type q8_0 --seed " +
               std::to_string(seed) + " " + out);
    ASSERT_EQ(r.code, 0) << r.output;
  }
  std::string ab = test::ReadText(a);
  EXPECT_EQ(ab, test::ReadText(b));
  EXPECT_NE(ab, test::ReadText(c));
  test::CliResult r =
      RunCli("synth --config " + TinyConfig() + " --seed 7 " + a);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
}

TEST(Synth, ShapesAndSaneValues) {
  TempDir dir;
  const std::string out = dir.path() + "/m.gguf";
  test::CliResult r =
      RunCli("synth --config " + TinyConfig() + " --type f16 --seed 3 " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  MiniGguf g = MiniReader::ReadFile(out);
  EXPECT_EQ(g.kv["edgemma.tokenizer"].s, "none");
  EXPECT_EQ(g.kv["edgemma.source"].s, "synth:3");
  Result<Gemma4Config> cfg = ParseGemma4Config(test::ReadText(TinyConfig()));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  std::vector<PlannedTensor> plan = PlanTextTensors(cfg.value());
  ASSERT_EQ(g.tensors.size(), plan.size());
  for (const PlannedTensor& p : plan) {
    const test::MiniTensor* t = g.Find(p.gguf_name);
    ASSERT_NE(t, nullptr) << p.gguf_name;
    EXPECT_EQ(t->ne, std::vector<uint64_t>(p.shape.rbegin(), p.shape.rend()))
        << p.gguf_name;
    if (p.role == TensorRole::kRopeFreqs) continue;
    const int64_t cols = p.shape.back();
    int64_t numel = 1;
    for (int64_t d : p.shape) numel *= d;
    std::vector<float> v(numel);
    Result<size_t> rb = RowBytes(static_cast<DType>(t->type), cols);
    ASSERT_TRUE(rb.ok());
    for (int64_t row = 0; row < numel / cols; ++row) {
      ASSERT_TRUE(DequantizeRow(static_cast<DType>(t->type),
                                g.Data(*t) + row * rb.value(), cols,
                                v.data() + row * cols)
                      .ok());
    }
    double sum = 0, sq = 0;
    for (float x : v) {
      ASSERT_TRUE(std::isfinite(x)) << p.gguf_name;
      sum += x;
      sq += double(x) * x;
    }
    const double mean = sum / numel,
                 sd = std::sqrt(std::max(0.0, sq / numel - mean * mean));
    if (p.role == TensorRole::kNorm) {
      EXPECT_NEAR(mean, 1.0, 0.05) << p.gguf_name;
    } else if (p.role == TensorRole::kScalar) {
      EXPECT_EQ(v[0], 1.0f);
    } else if (p.role == TensorRole::kLinear && numel >= 1024) {
      EXPECT_NEAR(sd * std::sqrt(double(cols)), 1.0, 0.1)
          << p.gguf_name;  // N(0, 1/fan_in)
    }
  }
}

TEST(Synth, BadArguments) {
  TempDir dir;
  test::CliResult r =
      RunCli("synth --config nope.json " + dir.path() + "/m.gguf");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("nope.json"), std::string::npos) << r.output;
  r = RunCli("synth --config e2b --seed x " + dir.path() + "/m.gguf");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(test::ListDir(dir.path()).empty());
}

// Tokenizer keys for the real tokenizer, metadata only (no tensors: fast).
TEST(TokenizerKeys, WrittenAsLlamaCppDoes) {
  const std::string path = std::string(EDGEMMA_SHARED_DIR) +
                           "/testdata/tokenizer/gemma4/tokenizer.json";
  auto tok = Tokenizer::FromJsonFile(path);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  Gemma4Config cfg;
  cfg.text.vocab = 262144;
  cfg.text.bos_id = 2;
  cfg.text.eos_id = 1;
  cfg.text.pad_id = 0;
  GgufWriter w;
  ASSERT_TRUE(
      WriteTokenizerMetadata(*tok.value(), cfg, "{{ bos_token }}", w).ok());
  TempDir dir;
  ASSERT_TRUE(w.WriteFile(dir.path() + "/t.gguf", false).ok());
  MiniGguf g = MiniReader::ReadFile(dir.path() + "/t.gguf");
  EXPECT_EQ(g.kv["tokenizer.ggml.model"].s, "gemma4");
  ASSERT_EQ(g.kv["tokenizer.ggml.tokens"].arr.size(), 262144u);
  EXPECT_EQ(g.kv["tokenizer.ggml.tokens"].arr[2].s, "<bos>");
  EXPECT_EQ(g.kv["tokenizer.ggml.tokens"].arr[106].s, "<turn|>");
  EXPECT_EQ(g.kv["tokenizer.ggml.scores"].arr.size(), 262144u);
  ASSERT_EQ(g.kv["tokenizer.ggml.token_type"].arr.size(), 262144u);
  EXPECT_EQ(g.kv["tokenizer.ggml.token_type"].arr[106].i, 3);  // control
  EXPECT_EQ(g.kv["tokenizer.ggml.token_type"].arr[300].i, 6);  // <0x..> byte
  EXPECT_EQ(g.kv["tokenizer.ggml.merges"].arr.size(),
            tok.value()->num_merges());
  EXPECT_EQ(g.kv["tokenizer.ggml.bos_token_id"].u, 2u);
  EXPECT_EQ(g.kv["tokenizer.ggml.eos_token_id"].u, 1u);
  EXPECT_EQ(g.kv["tokenizer.ggml.padding_token_id"].u, 0u);
  EXPECT_EQ(g.kv["tokenizer.ggml.add_bos_token"].u, 1u);
  EXPECT_EQ(g.kv["tokenizer.ggml.add_space_prefix"].u, 0u);
  EXPECT_EQ(g.kv["tokenizer.chat_template"].s, "{{ bos_token }}");
  // A tokenizer larger than the model's vocabulary is refused.
  cfg.text.vocab = 512;
  GgufWriter small;
  EXPECT_EQ(WriteTokenizerMetadata(*tok.value(), cfg, "", small).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgemma
