// A tiny model generated at test time by shared/reference/make_tiny.py with a
// seed of our own and the save_pretrained layout (--omit-shared-kv: no k/v on
// KV-shared layers), with goldens from golden.py (/usr/bin/python3 + numpy),
// into the build tree. Nothing about the tiny models is hard-coded in the
// runtime, so it must pass like the shipped ones.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/gemma4/golden_replay.h"

namespace edgemma::test {
namespace {

TEST(GeneratedModelTest, FreshSeedSavePretrainedLayout) {
  if (!HavePythonNumpy())
    GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const std::string ref = SharedDir() + "/reference";
  const std::string dir = BuildScratchDir("tiny-e2b-seed7") + "/model";
  const std::string golden = dir + "-golden";
  const std::string cmd =
      "cd '" + ref + "' && /usr/bin/python3 make_tiny.py tiny-e2b --seed 7 " +
      "--omit-shared-kv --out '" + dir + "' > '" + dir + ".log' 2>&1 && " +
      "/usr/bin/python3 golden.py '" + dir + "' --out '" + golden +
      "' --text-only >> '" + dir + ".log' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << "generation failed, see " << dir << ".log";
  Result<std::unique_ptr<Model>> model = Model::Load(dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  Result<std::vector<GoldenCase>> cases = LoadManifest(golden);
  ASSERT_TRUE(cases.ok());
  for (int chunk : {0, 1}) {
    RunOptions o;
    o.chunk = chunk;
    int ran = 0;
    for (const CaseResult& r : ReplayGolden(**model, golden, o)) {
      if (!r.ran) continue;
      ++ran;
      SCOPED_TRACE(r.name + " chunk " + std::to_string(chunk));
      ASSERT_TRUE(r.error.empty()) << r.error;
      double atol = 2e-3;
      for (const GoldenCase& c : cases.value()) {
        if (c.name == r.name && c.atol > 0) atol = c.atol;
      }
      std::printf("[generated] chunk %d %-26s max_abs %.3g (atol %.3g)\n",
                  chunk, r.name.c_str(), r.max_abs, atol);
      EXPECT_LE(r.max_abs, atol);
      EXPECT_TRUE(r.ids_match);
    }
    EXPECT_GE(ran, 9);
  }
}

}  // namespace
}  // namespace edgemma::test
