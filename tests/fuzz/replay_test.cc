// Replays every committed fuzz input (tests/fuzz/corpus/<target>/*: the seeds
// and each crash or hang ever found, kept as regression cases) through the
// fuzz target bodies compiled into this binary (fuzz_target.h), so the
// regular, ASan and cross builds check them too. A broken property aborts.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace edgemma::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<Registered> Targets() {
  int* n = nullptr;
  Registered* e = Registry(&n);
  return std::vector<Registered>(e, e + *n);
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class FuzzReplay : public ::testing::TestWithParam<Registered> {};

TEST_P(FuzzReplay, EveryCorpusFileRunsClean) {
  const fs::path dir =
      fs::path(EDGEMMA_SOURCE_DIR) / "tests/fuzz/corpus" / GetParam().name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir << ": no corpus for the target";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << dir << ": empty corpus";
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const std::string bytes = ReadAll(f);
    EXPECT_EQ(GetParam().fn(reinterpret_cast<const uint8_t*>(bytes.data()),
                            bytes.size()),
              0);
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, FuzzReplay, ::testing::ValuesIn(Targets()),
                         [](const ::testing::TestParamInfo<Registered>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace edgemma::fuzz
