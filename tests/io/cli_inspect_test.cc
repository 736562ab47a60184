// Runs build/bin/edgemma inspect / info as a user would.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace edgemma {
namespace {

struct CliRun {
  int rc;
  std::string out;  // stdout + stderr
};

CliRun Edgemma(const std::string& args) {
  // EDGEMMA_EMULATOR runs the cross-compiled CLI under qemu (empty natively).
  const std::string cmd = std::string(EDGEMMA_EMULATOR) + " " +
                          EDGEMMA_BIN_DIR + "/edgemma " + args + " 2>&1";
  CliRun r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;)
    r.out.append(buf, n);
  const int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kTiny =
    std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e4b";

TEST(CliInspect, HfDirectory) {
  CliRun r = Edgemma("inspect " + kTiny);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("layers=24 d_model=64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 17 full"), std::string::npos);
  EXPECT_NE(r.out.find("kv_source=10 shared"), std::string::npos);
  EXPECT_NE(r.out.find("model.language_model.embed_tokens.weight"),
            std::string::npos);
  EXPECT_NE(r.out.find("[512, 64]"), std::string::npos);
}

TEST(CliInspect, BadArgumentsAndPaths) {
  EXPECT_EQ(Edgemma("inspect").rc, 2);
  EXPECT_EQ(Edgemma("inspect a b").rc, 2);
  EXPECT_EQ(Edgemma("inspect --frobnicate " + kTiny).rc, 2);
  CliRun missing = Edgemma("inspect /nonexistent/model");
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.out.find("/nonexistent/model"), std::string::npos)
      << missing.out;
  CliRun help = Edgemma("inspect --help");
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("usage: edgemma inspect"), std::string::npos);
}

TEST(CliInfo, PrintsCpuAndKernels) {
  CliRun r = Edgemma("info");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("arch:"), std::string::npos);
  EXPECT_NE(r.out.find("scalar"), std::string::npos)
      << r.out;  // always available
  EXPECT_NE(r.out.find("selected:"), std::string::npos);
  EXPECT_EQ(Edgemma("info extra").rc, 2);
  EXPECT_EQ(Edgemma("info --help").rc, 0);
}

}  // namespace
}  // namespace edgemma
