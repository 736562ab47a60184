// In-memory Q8_0 / Q4_0 quantization at load. Reference: our own f32 path run
// on the same weights quantized -> dequantized to f32, so the only difference
// left is the kernels' int8 quantization of the activations (Q8_0 blocks, as
// ggml does) and their integer accumulation. That alone is ~0.4% per element
// per MatMul, and the tiny random-weight models amplify it through 20-24
// layers: measured max |Δ| on logits (|logit| <= 30) over every text_logits /
// mm_text_logits golden input is 12.9 (e2b q8_0), 9.7 (e2b q4_0), 12.1 (e4b
// q8_0), 10.5 (e4b q4_0); argmax agrees on 202-208 of 245 rows and on every row
// whose reference top-1/top-2 margin exceeds kMargin. Bounds: max |Δ| <= 16, >=
// 75% top-1 agreement, all decisive rows.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "tests/model/golden_replay.h"

namespace edgemma::test {
namespace {

constexpr float kMargin = 4.0f;

struct Param {
  std::string model;
  DType type;
  float max_abs;
};

// Views of `w` with every block-quantized matrix replaced by an f32 copy (owned
// by the result; norm vectors still point into `w`, which must outlive the
// result).
Weights DequantizedCopy(const Weights& w) {
  Weights out;
  auto deq = [&out](WeightMatrix m) {
    if (!IsBlockQuantized(m.type) || !m.data) return m;
    float* data = static_cast<float*>(out.Own(sizeof(float) * m.rows * m.cols));
    for (int64_t r = 0; r < m.rows; ++r) DequantizeRow(m, r, data + r * m.cols);
    return WeightMatrix{DType::kF32, m.rows, m.cols, data,
                        sizeof(float) * m.cols};
  };
  out.embed = deq(w.embed);
  out.lm_head = w.lm_head.data == w.embed.data ? out.embed : deq(w.lm_head);
  out.ple_table = deq(w.ple_table);
  out.ple_model_proj = deq(w.ple_model_proj);
  out.ple_proj_norm = w.ple_proj_norm;
  out.final_norm = w.final_norm;
  out.layers = w.layers;
  for (LayerWeights& l : out.layers) {
    for (WeightMatrix* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down,
                            &l.ple_gate, &l.ple_proj}) {
      *m = deq(*m);
    }
  }
  return out;
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

INSTANTIATE_TEST_SUITE_P(Tiny, QuantizedTest,
                         testing::Values(Param{"tiny-e2b", DType::kQ8_0, 16.0f},
                                         Param{"tiny-e2b", DType::kQ4_0, 16.0f},
                                         Param{"tiny-e4b", DType::kQ8_0, 16.0f},
                                         Param{"tiny-e4b", DType::kQ4_0,
                                               16.0f}),
                         [](const testing::TestParamInfo<Param>& i) {
                           std::string n =
                               i.param.model + "_" + DTypeName(i.param.type);
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace edgemma::test
