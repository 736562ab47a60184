// `edgemma quantize` on the tiny checkpoints: every planned tensor present with
// the right type and shape, values within the type's bound of the safetensors
// source, the type mix, and bad inputs that must fail with a clear message and
// no output. Reads the result with the independent MiniReader.
#include "quant/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/io/config.h"
#include "core/io/safetensors.h"
#include "tests/support/mini_gguf.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::MiniGguf;
using test::MiniReader;
using test::RunCli;
using test::TempDir;

std::string Tiny(const std::string& name) {
  return std::string(EDGEMMA_SHARED_DIR) + "/testdata/" + name;
}

// Max |gguf - source| over a tensor, relative to the bound the type allows per
// 32-block: f16: 2^-11 |x|; q8_0: amax/127 / 2; q4_0: amax/8 (one step: the
// clamp at 15 costs up to d).
constexpr double kF16Eps = 1.0 / 2048;

double WorstBoundRatio(const test::MiniTensor& t, const char* data,
                       const TensorInfo& src, int64_t cols) {
  const int64_t rows = src.numel() / cols;
  Result<size_t> rb = RowBytes(static_cast<DType>(t.type), cols);
  EXPECT_TRUE(rb.ok());
  std::vector<float> got(cols), want(cols);
  const size_t src_row = cols * BlockBytes(src.dtype);
  double worst = 0;
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_TRUE(DequantizeRow(static_cast<DType>(t.type), data + r * rb.value(),
                              cols, got.data())
                    .ok());
    EXPECT_TRUE(
        DequantizeRow(src.dtype,
                      static_cast<const uint8_t*>(src.data) + r * src_row, cols,
                      want.data())
            .ok());
    // Byte-identical to the reference quantizer on the source row (the
    // in-memory quantized model h4's tests use is built with the same
    // QuantizeRow).
    std::vector<uint8_t> ref(rb.value());
    EXPECT_TRUE(
        QuantizeRow(static_cast<DType>(t.type), want.data(), cols, ref.data())
            .ok());
    EXPECT_EQ(0, std::memcmp(ref.data(), data + r * rb.value(), ref.size()))
        << "row " << r;
    for (int64_t b = 0; b < cols; b += 32) {
      int64_t e = std::min<int64_t>(cols, b + 32);
      double amax = 0;
      for (int64_t i = b; i < e; ++i)
        amax = std::max(amax, std::fabs(double(want[i])));
      for (int64_t i = b; i < e; ++i) {
        double err = std::fabs(double(got[i]) - want[i]);
        double bound = 0;  // f32: exact
        if (t.type == 1) bound = std::ldexp(std::fabs(want[i]), -11);
        if (t.type == 30) bound = std::ldexp(std::fabs(want[i]), -8);
        if (t.type == 8) bound = amax / 127 * (0.5 + 127 * kF16Eps);
        if (t.type == 2) bound = amax / 8 * (1 + 16 * kF16Eps);
        bound = bound * 1.01 + 1e-6 * amax + 1e-30;
        worst = std::max(worst, err / bound);
      }
    }
  }
  return worst;
}

struct Case {
  const char* model;
  const char* type;
};

class QuantizeTiny : public ::testing::TestWithParam<Case> {};

TEST_P(QuantizeTiny, TensorsTypesAndValues) {
  const Case c = GetParam();
  TempDir dir;
  std::string out = dir.path() + "/m.gguf";
  test::CliResult r = RunCli("quantize " + Tiny(c.model) + " " + out +
                             " --no-tokenizer --type " + c.type);
  ASSERT_EQ(r.code, 0) << r.output;
  MiniGguf g = MiniReader::ReadFile(out);
  Result<Gemma4Config> cfg = LoadGemma4Config(Tiny(c.model));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto st = SafetensorsModel::OpenDir(Tiny(c.model));
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  Result<QuantPreset> preset = ParseQuantPreset(c.type);
  ASSERT_TRUE(preset.ok());

  std::vector<PlannedTensor> plan =
      PlanTextTensors(cfg.value(), StoresTiedHeadCopy(preset.value()));
  ASSERT_EQ(g.tensors.size(), plan.size());
  // The default mix stores a tied head as its own 4-bit output.weight (the
  // tiny models tie theirs), read from the embedding; other presets do not.
  const test::MiniTensor* head = g.Find("output.weight");
  EXPECT_EQ(head != nullptr, preset.value() == QuantPreset::kDefault);
  if (head) {
    EXPECT_EQ(head->type, uint32_t(kDefaultLmHeadType));
  }
  EXPECT_EQ(g.kv["edgemma.tokenizer"].s, "none");
  EXPECT_EQ(g.kv["general.architecture"].s, "gemma4");
  for (const PlannedTensor& p : plan) {
    const test::MiniTensor* t = g.Find(p.gguf_name);
    ASSERT_NE(t, nullptr) << p.gguf_name;
    std::vector<uint64_t> ne(p.shape.rbegin(), p.shape.rend());
    EXPECT_EQ(t->ne, ne) << p.gguf_name;
    DType want_type = ChooseTensorType(p, preset.value(), {});
    EXPECT_EQ(t->type, static_cast<uint32_t>(want_type)) << p.gguf_name;
    if (p.shape.size() < 2) {
      EXPECT_EQ(t->type, 0u) << p.gguf_name;  // 1-D: F32
    }
    if (p.role == TensorRole::kRopeFreqs) {
      const float* f = reinterpret_cast<const float*>(g.Data(*t));
      int ones = 0;
      for (uint64_t i = 0; i < ne[0]; ++i) ones += f[i] == 1.0f;
      EXPECT_EQ(ones, cfg->text.layers.back().rope_pairs);
      continue;
    }
    const TensorInfo* src =
        st.value()->Find("model.language_model." + p.hf_name);
    ASSERT_NE(src, nullptr) << p.hf_name;
    double ratio =
        WorstBoundRatio(*t, g.Data(*t), *src, static_cast<int64_t>(ne[0]));
    EXPECT_LE(ratio, 1.0) << p.gguf_name << " type " << t->type;
  }
  // KV-shared layers own no K/V.
  for (int i = 0; i < cfg->text.n_layers; ++i) {
    bool shared = cfg->text.layers[i].kv_shared;
    EXPECT_EQ(g.Find("blk." + std::to_string(i) + ".attn_k.weight") == nullptr,
              shared)
        << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, QuantizeTiny,
    ::testing::Values(Case{"tiny-e2b", "f16"}, Case{"tiny-e2b", "q8_0"},
                      Case{"tiny-e2b", "q4_0"}, Case{"tiny-e2b", "default"},
                      Case{"tiny-e2b", "bf16"}, Case{"tiny-e4b", "f16"},
                      Case{"tiny-e4b", "q4_0"}, Case{"tiny-e4b", "default"}));

TEST(Quantize, DefaultMixAndKeepF16) {
  TempDir dir;
  std::string out = dir.path() + "/m.gguf";
  test::CliResult r = RunCli("quantize " + Tiny("tiny-e2b") + " " + out +
                             " --no-tokenizer --keep-f16 'blk.1.*' --keep-f16 "
                             "'layers.2.mlp.up_proj.weight'");
  ASSERT_EQ(r.code, 0) << r.output;
  MiniGguf g = MiniReader::ReadFile(out);
  EXPECT_EQ(g.Find("token_embd.weight")->type, uint32_t(kDefaultEmbeddingType));
  EXPECT_EQ(g.Find("output.weight")->type, uint32_t(kDefaultLmHeadType));
  EXPECT_EQ(g.Find("per_layer_token_embd.weight")->type,
            uint32_t(kDefaultPleType));
  EXPECT_EQ(g.Find("blk.0.attn_q.weight")->type, 2u);  // q4_0
  EXPECT_EQ(g.Find("blk.0.proj.weight")->type, 1u);    // cols 16: f16 fallback
  EXPECT_EQ(g.Find("blk.0.attn_norm.weight")->type, 0u);  // f32
  EXPECT_EQ(g.Find("blk.1.ffn_down.weight")->type, 1u);  // --keep-f16 GGUF glob
  EXPECT_EQ(g.Find("blk.1.attn_norm.weight")->type, 0u);  // 1-D stays f32
  EXPECT_EQ(g.Find("blk.2.ffn_up.weight")->type, 1u);     // --keep-f16 HF name
  EXPECT_EQ(g.Find("blk.2.ffn_gate.weight")->type, 2u);
  EXPECT_EQ(g.Find("blk.0.layer_output_scale.weight")->type, 0u);
}

// Copies tiny-e2b's config and a safetensors file whose header `edit` changes
// (data kept).
std::string MakeEditedCheckpoint(const std::string& dir,
                                 void (*edit)(nlohmann::json& header)) {
  std::string src = Tiny("tiny-e2b");
  std::string bytes = test::ReadText(src + "/model.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  nlohmann::json h = nlohmann::json::parse(bytes.substr(8, n));
  edit(h);
  std::string hs = h.dump();
  hs.append((8 - hs.size() % 8) % 8, ' ');
  uint64_t m = hs.size();
  std::string outb(reinterpret_cast<const char*>(&m), 8);
  outb += hs;
  outb += bytes.substr(8 + n);
  test::WriteText(dir + "/model.safetensors", outb);
  test::WriteText(dir + "/config.json", test::ReadText(src + "/config.json"));
  return dir;
}

void ExpectFailsCleanly(const std::string& in, const std::string& out_dir,
                        const std::string& needle,
                        const std::string& extra = "") {
  std::string out = out_dir + "/out.gguf";
  test::CliResult r =
      RunCli("quantize " + in + " " + out + " --no-tokenizer " + extra);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  EXPECT_TRUE(test::ListDir(out_dir).empty())
      << "output left behind for: " << needle;
}

TEST(Quantize, BadInputsFailWithoutOutput) {
  TempDir outd, work;
  ExpectFailsCleanly(work.path() + "/missing", outd.path(), "not a directory");
  ExpectFailsCleanly(work.path(), outd.path(), "no config.json");
  test::WriteText(work.path() + "/config.json",
                  test::ReadText(Tiny("tiny-e2b") + "/config.json"));
  ExpectFailsCleanly(work.path(), outd.path(), "model.safetensors");
  // Tokenizer required unless --no-tokenizer.
  test::CliResult r =
      RunCli("quantize " + Tiny("tiny-e2b") + " " + outd.path() + "/o.gguf");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--no-tokenizer"), std::string::npos) << r.output;
  EXPECT_TRUE(test::ListDir(outd.path()).empty());
}

TEST(Quantize, BadTensorsFailWithoutOutput) {
  TempDir outd;
  {
    TempDir w;
    MakeEditedCheckpoint(w.path(), [](nlohmann::json& h) {
      h.erase("model.language_model.layers.3.mlp.up_proj.weight");
    });
    ExpectFailsCleanly(w.path(), outd.path(),
                       "layers.3.mlp.up_proj.weight' is missing");
  }
  {
    TempDir w;
    MakeEditedCheckpoint(w.path(), [](nlohmann::json& h) {
      h["model.language_model.layers.0.mlp.gate_proj.weight"]["shape"] = {64,
                                                                          128};
    });
    ExpectFailsCleanly(w.path(), outd.path(), "has shape [64, 128]");
  }
  {
    TempDir w;
    MakeEditedCheckpoint(w.path(), [](nlohmann::json& h) {
      h["model.language_model.norm.weight"]["dtype"] = "I16";
    });
    ExpectFailsCleanly(w.path(), outd.path(), "norm.weight");
  }
}

TEST(Quantize, OutputChecks) {
  TempDir outd;
  std::string out = outd.path() + "/m.gguf";
  test::WriteText(out, "old");
  test::CliResult r =
      RunCli("quantize " + Tiny("tiny-e2b") + " " + out + " --no-tokenizer");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  EXPECT_EQ(test::ReadText(out), "old");
  r = RunCli("quantize " + Tiny("tiny-e2b") + " " + out +
             " --no-tokenizer --force");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(MiniReader::ReadFile(out).kv["general.architecture"].s, "gemma4");
  r = RunCli("quantize " + Tiny("tiny-e2b") +
             " /nonexistent-h5/m.gguf --no-tokenizer");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("/nonexistent-h5"), std::string::npos) << r.output;
  r = RunCli("quantize " + Tiny("tiny-e2b") + " " + out + " --type q3_k");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("unknown --type"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgemma
