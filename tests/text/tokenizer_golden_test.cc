// Golden tests: every line of shared/testdata/tokenizer/{gemma3,gemma4}/
// golden.jsonl (special parsing off), golden_special.jsonl (on) and
// decode.jsonl. One test per tokenizer file so the 33 MB file is loaded once
// per test process (ctest runs each test in its own process).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "tests/text/tokenizer_golden_check.h"

namespace edgemma {
namespace {

using testing::CheckGoldens;
using testing::Dir;

void RunAll(const std::string& model) {
  const auto t0 = std::chrono::steady_clock::now();
  auto tok = Tokenizer::FromJsonFile(Dir(model) + "/tokenizer.json");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("%s: loaded in %.3f s\n", model.c_str(), load_s);
  CheckGoldens(**tok, model);
}

TEST(TokenizerGolden, Gemma4) { RunAll("gemma4"); }
TEST(TokenizerGolden, Gemma3) { RunAll("gemma3"); }

}  // namespace
}  // namespace edgemma
