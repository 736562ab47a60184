// In-memory Q8_0 / Q4_0 quantization at load. Reference: our own f32 path run
// on the same weights quantized -> dequantized to f32, so the only difference
// left is the kernels' int8 quantization of the activations (Q8_0 blocks, as
// ggml does) and their integer accumulation. That alone is ~0.4% per element
// per MatMul, and the tiny random-weight models amplify it through 20-24
// layers: measured max |Δ| on logits (|logit| <= 30) over every text_logits /
// mm_text_logits golden input is 12.9 (e2b q8_0), 9.7 (e2b q4_0), 12.1 (e4b
// q8_0), 10.5 (e4b q4_0); argmax agrees on 202-208 of 245 rows and on every row
// whose reference top-1/top-2 margin exceeds kMargin. The amx kernels' prefill
// products round both operands to bf16 on top (about the size of the Q8_0
// rounding itself, Kernels::gemm_q8_bf16): 11.0, 13.4, 10.4, 14.8, top-1 on
// 195-214 rows, all decisive rows. Bounds: max |Δ| <= 16, >= 75% top-1
// agreement, all decisive rows.
//
// With f32 activations (ActType::kF32, the exact path) the kernels compute the
// f32 product with the dequantized weights, so only summation order differs.
// Measured over every text golden case (954 rows per model and type: 11 cases
// x chunks 1/3/whole): max |Δ| 2.2e-4 .. 4.4e-4 over the avx512, avx2 and
// scalar kernels (EDGEMMA_KERNELS), largest 4.4e-4 (e4b q4_0, scalar); top-1
// agrees on every row. Bounds: max |Δ| <= 1.6e-3 (~4x), top-1 on every row
// but those whose reference top-2 margin is below 1e-3 (counted; none).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/gemma4/golden_replay.h"

namespace edgemma::test {
namespace {

constexpr float kMargin = 4.0f;

struct Param {
  std::string model;
  DType type;
  float max_abs;
};

std::string ParamName(const testing::TestParamInfo<Param>& i) {
  std::string n = i.param.model + "_" + DTypeName(i.param.type);
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

class QuantizedTest : public testing::TestWithParam<Param> {};

TEST_P(QuantizedTest, MatchesDequantizedReference) {
  const Param& p = GetParam();
  LoadOptions lo;
  lo.quantize = p.type;
  Result<std::unique_ptr<Model>> q = Model::Load(TestdataDir(p.model), lo);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->weights().layers[0].q.type, p.type);
  EXPECT_EQ((*q)->weights().lm_head.type, p.type);
  Result<std::unique_ptr<Model>> ref =
      Model::FromWeights((*q)->config(), DequantizedCopy((*q)->weights()));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  Result<CompareResult> r = CompareOnGoldenInputs(
      **q, **ref, TestdataDir(p.model + "-golden"), kMargin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::printf("[quant] %s %s max_abs %.3g, top-1 %d/%d rows, decisive %d/%d\n",
              p.model.c_str(), DTypeName(p.type), r->max_abs, r->top1_agree,
              r->rows, r->decisive_agree, r->decisive_rows);
  EXPECT_LE(r->max_abs, p.max_abs);
  EXPECT_EQ(r->decisive_agree, r->decisive_rows);
  EXPECT_GE(r->top1_agree * 4, r->rows * 3);
  EXPECT_GE(r->decisive_rows, 5);
}

// The exact path (ActType::kF32): every text golden case (text_logits,
// mm_text_logits with their soft tokens, text_incremental's ids,
// greedy_generate's prompt + generated ids), prefilled in chunks of 1, 3 and
// whole, against the f32 model on the dequantized weights run whole. Only
// summation order differs, so top-1 must agree on every row except rows whose
// reference top-2 margin is below kTieMargin (counted; 0 on the tiny models),
// and max |diff| stays small.
constexpr float kTieMargin = 1e-3f;

struct ExactRun {
  std::vector<int32_t> ids;
  std::vector<float> soft;
  std::vector<int32_t> mm_positions;
};

// The token sequence a text case feeds (empty for non-text cases).
Result<ExactRun> TextCaseInputs(const GoldenCase& c) {
  ExactRun in;
  if (c.kind == "text_logits" || c.kind == "mm_text_logits" ||
      c.kind == "text_incremental") {
    EM_ASSIGN_OR_RETURN(in.ids, ReadIds(c.input("input_ids")));
  } else if (c.kind == "greedy_generate") {
    EM_ASSIGN_OR_RETURN(in.ids, ReadIds(c.input("prompt_ids")));
    EM_ASSIGN_OR_RETURN(std::vector<int32_t> gen,
                        ReadIds(c.expected("generated_ids")));
    in.ids.insert(in.ids.end(), gen.begin(), gen.end() - 1);
  }
  if (!in.ids.empty() && !c.input("soft_tokens").empty()) {
    EM_ASSIGN_OR_RETURN(in.soft, ReadFloats(c.input("soft_tokens"), nullptr));
  }
  if (!in.ids.empty() && !c.input("mm_positions").empty()) {
    EM_ASSIGN_OR_RETURN(in.mm_positions, ReadIds(c.input("mm_positions")));
  }
  return in;
}

Result<LogitsStats> CompareExactOnGoldenInputs(const Model& q, const Model& ref,
                                               const std::string& golden_dir) {
  EM_ASSIGN_OR_RETURN(std::vector<GoldenCase> cases, LoadManifest(golden_dir));
  LogitsStats s;
  const int64_t V = q.text().vocab;
  for (const GoldenCase& c : cases) {
    EM_ASSIGN_OR_RETURN(ExactRun in, TextCaseInputs(c));
    if (in.ids.empty()) continue;
    ++s.cases;
    EM_ASSIGN_OR_RETURN(std::vector<float> want,
                        RunLogits(ref, in.ids, {}, in.soft, in.mm_positions));
    // Under qemu (EDGEMMA_EMULATOR non-empty) whole prompts only: the chunked
    // runs cost minutes there and chunking is proven by the golden tests; the
    // NEON kernels themselves are checked against scalar in quant_test.
    const bool emulated = std::string(EDGEMMA_EMULATOR).size() > 0;
    for (int chunk :
         emulated ? std::vector<int>{0} : std::vector<int>{1, 3, 0}) {
      RunOptions o;
      o.chunk = chunk;
      o.act = ActType::kF32;
      EM_ASSIGN_OR_RETURN(std::vector<float> got,
                          RunLogits(q, in.ids, o, in.soft, in.mm_positions));
      AddLogitsComparison(got, want, V, kTieMargin, &s);
    }
  }
  return s;
}

class QuantizedExactTest : public testing::TestWithParam<Param> {};

TEST_P(QuantizedExactTest, F32ActivationsMatchDequantizedReference) {
  const Param& p = GetParam();
  LoadOptions lo;
  lo.quantize = p.type;
  Result<std::unique_ptr<Model>> q = Model::Load(TestdataDir(p.model), lo);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  Result<std::unique_ptr<Model>> ref =
      Model::FromWeights((*q)->config(), DequantizedCopy((*q)->weights()));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  Result<LogitsStats> r =
      CompareExactOnGoldenInputs(**q, **ref, TestdataDir(p.model + "-golden"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::printf(
      "[quant f32-act] %s %s max_abs %.3g, top-1 %d/%d rows (%d near-"
      "ties), %d cases (chunks 1/3/whole; whole only under qemu)\n",
      p.model.c_str(), DTypeName(p.type), r->max_abs, r->agree, r->rows,
      r->ties, r->cases);
  EXPECT_GE(r->cases, 8);
  EXPECT_LE(r->max_abs, p.max_abs);
  EXPECT_EQ(r->agree + r->ties, r->rows);
  EXPECT_EQ(r->ties, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Tiny, QuantizedExactTest,
    testing::Values(Param{"tiny-e2b", DType::kQ8_0, 1.6e-3f},
                    Param{"tiny-e2b", DType::kQ4_0, 1.6e-3f},
                    Param{"tiny-e4b", DType::kQ8_0, 1.6e-3f},
                    Param{"tiny-e4b", DType::kQ4_0, 1.6e-3f}),
    ParamName);

INSTANTIATE_TEST_SUITE_P(Tiny, QuantizedTest,
                         testing::Values(Param{"tiny-e2b", DType::kQ8_0, 16.0f},
                                         Param{"tiny-e2b", DType::kQ4_0, 16.0f},
                                         Param{"tiny-e4b", DType::kQ8_0, 16.0f},
                                         Param{"tiny-e4b", DType::kQ4_0,
                                               16.0f}),
                         ParamName);

}  // namespace
}  // namespace edgemma::test
