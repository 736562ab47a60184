// The generated config variants (tests/tools/make_model.py, see
// config_variants_test.cc) through `edgemma quantize --type
// f16|q8_0|q4_0|default --no-tokenizer` and `edgemma logits --act f32`, whole
// and in chunks of 3 (default: the mix with a Q4_0 copy of the tied head and
// the Q8_0 embedding read row by row):
//   f16: every weight rounded bf16 -> f16 (exact for these random weights
//     unless tiny values flush), so within 3x the reference's f32 tolerance;
//   q8_0 / q4_0 / default: against our f32 path on the same GGUF's weights
//   dequantized
//     in memory (only summation order differs): max |diff| <= 1.6e-3 (as in
//     quantized_test.cc) and top-1 on every row but near-ties (reference
//     top-2 margin < 1e-3, counted, must be 0). `quantize` keeps a matrix
//     whose input width is not a multiple of the 32-wide block in f16, so
//     d56 stays all f16, d72/d80/d88 are partly quantized and d96 (every
//     width a multiple of 32) wholly: checked below.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tests/gemma4/model_test_util.h"

namespace edgemma::test {
namespace {

constexpr float kQuantMaxAbs = 1.6e-3f;
constexpr float kTieMargin = 1e-3f;

struct Param {
  const char* variant;
  const char* type;
};

std::string ParamName(const testing::TestParamInfo<Param>& i) {
  return std::string(i.param.variant) + "_" + i.param.type;
}

class CliVariantTest : public testing::TestWithParam<Param> {};

TEST_P(CliVariantTest, QuantizedLogitsMatch) {
  if (!HavePythonNumpy())
    GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const Param& p = GetParam();
  Result<std::string> dir = GeneratedVariants("model-variants-cli");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  Result<VariantExpectation> v = LoadVariant(*dir, p.variant);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const std::string base = *dir + "/" + p.variant + "/" + p.type;
  const std::string gguf = base + ".gguf", out = base + "-logits.npy";
  std::string err;
  ASSERT_EQ(RunEdgemma("quantize '" + v->model_dir + "' '" + gguf +
                           "' --type " + p.type + " --no-tokenizer --force",
                       &err),
            0)
      << err;
  std::vector<float> want = v->logits;
  float bound = 3.0f * static_cast<float>(v->atol);
  if (std::string(p.type) != "f16") {
    Result<std::unique_ptr<Model>> q = Model::Load(gguf);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    Result<std::unique_ptr<Model>> ref =
        Model::FromWeights((*q)->config(), DequantizedCopy((*q)->weights()));
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    if (std::string(p.variant) == "d96_no_ple_no_softcap") {
      EXPECT_TRUE(IsBlockQuantized((*q)->weights().layers[0].q.type));
      EXPECT_TRUE(IsBlockQuantized((*q)->weights().layers[0].down.type));
      if (std::string(p.type) == "default") {
        EXPECT_EQ((*q)->weights().lm_head.type, DType::kQ4_0);
        EXPECT_EQ((*q)->weights().embed.type, DType::kQ8_0);
        EXPECT_NE((*q)->weights().lm_head.data, (*q)->weights().embed.data);
      }
    }
    Result<std::vector<float>> r = RunLogits(**ref, v->ids, {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    want = *r;
    bound = kQuantMaxAbs;
  }
  const int64_t V = static_cast<int64_t>(want.size() / v->ids.size());
  for (const std::string extra : {"", "--chunk 3"}) {
    SCOPED_TRACE(extra);
    ASSERT_EQ(
        RunEdgemma("logits --model '" + gguf + "' --tokens " + JoinIds(v->ids) +
                       " --act f32 --out '" + out + "' " + extra,
                   &err),
        0)
        << err;
    Result<std::vector<float>> got = ReadFloats(out, nullptr);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want.size());
    LogitsStats s;
    AddLogitsComparison(*got, want, V, kTieMargin, &s);
    std::printf(
        "[cli variant] %-26s %-4s %-9s max_abs %.3g (bound %.3g), "
        "top-1 %d/%d\n",
        p.variant, p.type, extra.c_str(), s.max_abs, bound, s.agree, s.rows);
    EXPECT_LE(s.max_abs, bound);
    EXPECT_EQ(s.agree + s.ties, s.rows);
    EXPECT_EQ(s.ties, 0);
  }
}

std::vector<Param> AllParams() {
  std::vector<Param> out;
  for (const char* variant :
       {"d56_hf_defaults", "d72_gqa_irregular", "d80_mqa_softcap20_rope",
        "d88_sharded_no_shared_kv", "d96_no_ple_no_softcap"}) {
    for (const char* type : {"f16", "q8_0", "q4_0", "default"})
      out.push_back({variant, type});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Generated, CliVariantTest,
                         testing::ValuesIn(AllParams()), ParamName);

}  // namespace
}  // namespace edgemma::test
