// Helpers shared by the Gemma 4 model tests: paths of the tiny models and
// goldens, golden manifest access, and a "run these tokens, return every row of
// logits" driver.
#ifndef EDGEMMA_TESTS_GEMMA4_MODEL_TEST_UTIL_H_
#define EDGEMMA_TESTS_GEMMA4_MODEL_TEST_UTIL_H_

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
// shared/testdata/<name> loaded once per test binary (a failed load is a test
// failure; returns null then).
const Model* CachedTestModel(const std::string& name);
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

// Logits compared row by row against a reference ([rows, V] each).
struct LogitsStats {
  float max_abs = 0.f;
  int rows = 0, agree = 0;  // rows whose argmax equals the reference's
  int ties = 0;   // rows that disagree where the reference top-2 margin is
                  // below the tie margin
  int cases = 0;  // caller's count of compared inputs
};
// Adds the rows of `got` vs `ref` to `s`.
void AddLogitsComparison(const std::vector<float>& got,
                         const std::vector<float>& ref, int64_t V,
                         float tie_margin, LogitsStats* s);

// Runs the `edgemma` CLI built beside the tests with `args` (shell words);
// stdout is discarded, stderr is returned in *err. Returns the exit status
// (the shell's, i.e. the exit code for a normal exit).
int RunEdgemma(const std::string& args, std::string* err);
std::string JoinIds(const std::vector<int32_t>& ids);  // "1,2,3"

bool HavePythonNumpy();  // /usr/bin/python3 with numpy
// Generates, once per process, tiny models with configs unlike the shipped
// ones (tests/tools/make_model.py: odd widths and head dims, MQA/GQA,
// irregular layer patterns, no PLE, other softcaps and rope thetas, a sharded
// checkpoint without the shared layers' k/v, HF defaults) with the reference's
// logits for one prompt each, under the build tree. Returns the directory
// (one subdirectory per variant: model/, input_ids.npy, logits.npy,
// meta.json) or an error naming the generator's log.
Result<std::string> GeneratedVariants(const std::string& scratch_name);
struct VariantExpectation {
  std::string model_dir;
  std::vector<int32_t> ids;
  std::vector<float> logits;  // [ids, vocab]
  double atol = 0.0;          // f32 tolerance of the reference
  bool sqrt_d_model_is_bf16 = true, sqrt_d_ple_is_bf16 = true;
};
Result<VariantExpectation> LoadVariant(const std::string& dir,
                                       const std::string& name);

}  // namespace edgemma::test

#endif  // EDGEMMA_TESTS_GEMMA4_MODEL_TEST_UTIL_H_
