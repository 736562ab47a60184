// Replays the text cases of a golden manifest (text_logits, mm_text_logits,
// text_incremental, greedy_generate) through a Model and reports the largest
// deviation per case.
#ifndef EDGEMMA_TESTS_GEMMA4_GOLDEN_REPLAY_H_
#define EDGEMMA_TESTS_GEMMA4_GOLDEN_REPLAY_H_

#include <string>
#include <vector>

#include "tests/gemma4/model_test_util.h"

namespace edgemma::test {

struct CaseResult {
  std::string name;
  bool ran = false;  // false: not a text case (tower cases)
  float max_abs =
      0.f;  // largest |ours - expected| over every logits array of the case
  bool ids_match = true;  // greedy_generate: generated ids equal
  std::string error;      // non-empty on a runtime error
};

// Expected logits come from the golden files. `chunk`: prefill chunk size (0 =
// whole).
std::vector<CaseResult> ReplayGolden(const Model& model,
                                     const std::string& golden_dir,
                                     const RunOptions& options);

// Same inputs, but compares `model` against `reference` (another model) instead
// of the golden files: max |Δ| and the share of rows whose argmax agrees, over
// the text_logits / mm_text_logits cases.
struct CompareResult {
  float max_abs = 0.f;
  int rows = 0, top1_agree = 0;
  int decisive_rows = 0,
      decisive_agree = 0;  // rows whose reference top-2 margin > margin
};
Result<CompareResult> CompareOnGoldenInputs(const Model& model,
                                            const Model& reference,
                                            const std::string& golden_dir,
                                            float margin);

}  // namespace edgemma::test

#endif  // EDGEMMA_TESTS_GEMMA4_GOLDEN_REPLAY_H_
