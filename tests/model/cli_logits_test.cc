// `edgemma logits` end to end on tiny-e2b: the .npy equals the golden logits
// (whole and chunked), and bad inputs fail with a message and a non-zero exit
// code.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/model/model_test_util.h"

namespace edgemma::test {
namespace {

const std::string kBin = std::string(EDGEMMA_BIN_DIR) + "/edgemma";

// Runs the CLI; returns the exit code, stderr in *err.
int RunCli(const std::string& args, std::string* err) {
  const std::string log = BuildScratchDir("cli-logits") + "/stderr.txt";
  const int rc = std::system(
      (kBin + " logits " + args + " 2> '" + log + "' > /dev/null").c_str());
  std::ifstream f(log);
  std::stringstream ss;
  ss << f.rdbuf();
  *err = ss.str();
  return rc;
}

std::string Join(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i)
    s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

TEST(CliLogitsTest, MatchesGolden) {
  const std::string golden =
      TestdataDir("tiny-e2b-golden") + "/text_cross_window";
  Result<std::vector<int32_t>> ids = ReadIds(golden + "/input_ids.npy");
  ASSERT_TRUE(ids.ok());
  std::vector<int64_t> shape;
  Result<std::vector<float>> want = ReadFloats(golden + "/logits.npy", &shape);
  ASSERT_TRUE(want.ok());
  const std::string out = BuildScratchDir("cli-logits") + "/logits.npy";
  for (const std::string extra : {"", "--chunk 1", "--chunk 7 --threads 2"}) {
    SCOPED_TRACE(extra);
    std::remove(out.c_str());
    std::string err;
    ASSERT_EQ(RunCli("--model '" + TestdataDir("tiny-e2b") + "' --tokens " +
                         Join(*ids) + " --out '" + out + "' " + extra,
                     &err),
              0)
        << err;
    std::vector<int64_t> got_shape;
    Result<std::vector<float>> got = ReadFloats(out, &got_shape);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got_shape, shape);
    ASSERT_EQ(got->size(), want->size());
    EXPECT_LE(MaxAbsDiff(got->data(), want->data(), got->size()), 2e-3f);
  }
}

TEST(CliLogitsTest, BadInputsFailClearly) {
  const std::string model = "--model '" + TestdataDir("tiny-e2b") + "' ";
  const std::string out =
      "--out '" + BuildScratchDir("cli-logits") + "/bad.npy'";
  struct Case {
    std::string args, expect;
  };
  for (const Case& c :
       {Case{model + "--tokens 1,2,999999 " + out, "999999"},
        Case{model + "--tokens , " + out, "no token ids"},
        Case{model + "--tokens 1,x " + out, "'x'"},
        Case{model + "--tokens-file /nonexistent/ids.txt " + out, "ids.txt"},
        Case{"--model /nonexistent/model --tokens 1 " + out, "nonexistent"},
        Case{model + "--tokens 1 --kv f8 " + out, "--kv"}}) {
    SCOPED_TRACE(c.args);
    std::string err;
    EXPECT_NE(RunCli(c.args, &err), 0);
    EXPECT_NE(err.find(c.expect), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace edgemma::test
