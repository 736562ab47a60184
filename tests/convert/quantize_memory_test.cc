// `edgemma quantize` memory is bounded by its row-chunk buffers, not by the
// checkpoint (core/convert/quantize_model.h): the peak RSS of converting a ~110
// MiB checkpoint is within a small margin of converting a ~10 MiB one of the
// same architecture. The full-size figure (real E2B shapes, ~10 GB of BF16) is
// measured by hand and recorded in README ("Converting a checkpoint").
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::RunCli;
using test::TempDir;

// The tiny E2B config with a `vocab`-row token embedding and PLE table (the
// tensors that dominate a real checkpoint); returns the config path.
std::string WriteConfig(const std::string& dir, int vocab) {
  auto cfg = nlohmann::json::parse(test::ReadText(
      std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e2b/config.json"));
  cfg["text_config"]["vocab_size"] = vocab;
  cfg["text_config"]["vocab_size_per_layer_input"] = vocab;
  const std::string path = dir + "/config-" + std::to_string(vocab) + ".json";
  test::WriteText(path, cfg.dump());
  return path;
}

// Runs `edgemma quantize IN OUT --no-tokenizer --type q4_0` in a child process
// and returns its peak resident set in KiB (-1 if it did not succeed).
long QuantizePeakKib(const std::string& in, const std::string& out) {
  const std::string bin = std::string(EDGEMMA_BIN_DIR) + "/edgemma";
  const pid_t pid = fork();
  if (pid == 0) {
    // Under ASan, freed buffers would sit in the quarantine and count as RSS.
    std::string asan = "quarantine_size_mb=0";
    if (const char* prev = std::getenv("ASAN_OPTIONS"))
      asan = std::string(prev) + ":" + asan;
    setenv("ASAN_OPTIONS", asan.c_str(), 1);
    execl(bin.c_str(), bin.c_str(), "quantize", in.c_str(), out.c_str(),
          "--no-tokenizer", "--no-mmproj", "--type", "q4_0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid < 0) return -1;
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return usage.ru_maxrss;
}

TEST(QuantizeMemory, PeakDoesNotGrowWithTheCheckpoint) {
  TempDir dir;
  long peak[2] = {0, 0};
  const int vocabs[2] = {8192, 147456};
  for (int i = 0; i < 2; ++i) {
    const std::string ckpt = dir.path() + "/ckpt" + std::to_string(i);
    test::CliResult r = RunCli("synth --format hf --config " +
                               WriteConfig(dir.path(), vocabs[i]) + " " + ckpt);
    ASSERT_EQ(r.code, 0) << r.output;
    peak[i] = QuantizePeakKib(ckpt, ckpt + ".gguf");
    ASSERT_GT(peak[i], 0) << "quantize of " << ckpt << " failed";
  }
  // The large checkpoint holds ~100 MiB more BF16 data (embedding + PLE rows
  // of 384 values); the peak may grow by a few chunk buffers at most.
  EXPECT_LT(peak[1] - peak[0], 16 * 1024)
      << "peak RSS " << peak[0] << " KiB -> " << peak[1] << " KiB";
}

}  // namespace
}  // namespace edgemma
