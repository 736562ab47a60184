// Helpers shared by the Gemma 4 model tests: paths of the tiny models and
// goldens, golden manifest access, and a "run these tokens, return every row of
// logits" driver.
#ifndef EDGEMMA_TESTS_MODEL_MODEL_TEST_UTIL_H_
#define EDGEMMA_TESTS_MODEL_MODEL_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/gemma4/model.h"
#include "core/gemma4/session.h"
#include "platform/status.h"
#include "tools/npy.h"

namespace edgemma::test {

std::string SharedDir();
std::string TestdataDir(const std::string& name);  // shared/testdata/<name>
// A scratch directory under the build tree for files generated at test time.
std::string BuildScratchDir(const std::string& name);

// One case of a golden manifest (fields used by the text tests).
struct GoldenCase {
  std::string name, kind;
  std::string dir;    // the golden directory
  double atol = 0.0;  // tolerance.f32.atol (0 if absent)
  std::string input(
      const std::string& key) const;  // path of inputs[key] ("" if absent)
  std::string expected(const std::string& key) const;  // path of expected[key]
  int64_t param_int(const std::string& key, int64_t fallback) const;
  std::string json;  // the case object, serialized
};
Result<std::vector<GoldenCase>> LoadManifest(const std::string& golden_dir);

Result<std::vector<int32_t>> ReadIds(const std::string& path);
Result<std::vector<float>> ReadFloats(const std::string& path,
                                      std::vector<int64_t>* shape);

struct RunOptions {
  int chunk = 0;  // tokens per call; 0 = all at once
  KvType kv = KvType::kF32;
  int threads = 1;
  ActType act = ActType::kQ8_0;  // MatMul activations for quantized weights
  // SessionOptions::attn_parallel_min_work; -1 keeps the session default.
  int64_t attn_parallel_min_work = -1;
};

// Feeds `tokens` from position 0 and returns the logits of every position [T,
// vocab]. soft_tokens [n_mm, d_model] (may be empty) replace, in order, the
// positions in mm_positions (empty: the multimodal placeholder ids).
Result<std::vector<float>> RunLogits(const Model& model,
                                     const std::vector<int32_t>& tokens,
                                     const RunOptions& options,
                                     const std::vector<float>& soft_tokens = {},
                                     std::vector<int32_t> mm_positions = {});

float MaxAbsDiff(const float* a, const float* b, int64_t n);
// Views of `w` with every block-quantized matrix replaced by an f32 copy (owned
// by the result; norm vectors still point into `w`, which must outlive the
// result): the reference for quantized models.
Weights DequantizedCopy(const Weights& w);
int ArgMax(const float* x, int64_t n);

}  // namespace edgemma::test

#endif  // EDGEMMA_TESTS_MODEL_MODEL_TEST_UTIL_H_
