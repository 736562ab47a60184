// A model file truncated under a running `edgemma logits`: the CLI's SIGBUS
// handler (platform/mapped_file.h) turns the fault into "edgemma: model file
// X changed or was truncated while in use" and exit status 1, not a bare
// "Bus error". --out is a FIFO, which the CLI opens only after loading the
// model and creating the session, so the test truncates the weights the
// moment that open returns. The forward pass then runs 256 tokens one at a
// time (--chunk 1): it still has most of its weight reads ahead of it when
// the truncation lands (with 12 tokens in one chunk the tiny model could
// finish first, and the test failed about 1 run in 6).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/gemma4/model_test_util.h"

namespace edgemma::test {
namespace {

void OnAlarm(int) {}

TEST(CliTruncatedModel, LogitsReportsTheFileAndExits1) {
  namespace fs = std::filesystem;
  const std::string scratch = BuildScratchDir("cli-truncated");
  const std::string model = scratch + "/model";
  const std::string weights = model + "/model.safetensors";
  const std::string fifo = scratch + "/logits.npy";
  const std::string err_path = scratch + "/stderr.txt";
  fs::remove_all(model);
  fs::remove(fifo);
  fs::create_directories(model);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(TestdataDir("tiny-e2b") + "/" + f, model + "/" + f);
  }
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);

  std::string tokens;  // 256 ids, all within the tiny vocabulary
  for (int i = 0; i < 256; ++i) {
    tokens += (i ? "," : "") + std::to_string(1 + i % 200);
  }
  const std::string bin = std::string(EDGEMMA_BIN_DIR) + "/edgemma";
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err =
        ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, STDERR_FILENO);
    ::execl(bin.c_str(), "edgemma", "logits", "--model", model.c_str(),
            "--tokens", tokens.c_str(), "--chunk", "1", "--out", fifo.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);

  // Blocks until the CLI opens --out (model loaded); SIGALRM ends the wait
  // if it never does (it failed before).
  struct sigaction sa {};
  sa.sa_handler = OnAlarm;
  ::sigaction(SIGALRM, &sa, nullptr);
  ::alarm(120);
  const int fd = ::open(fifo.c_str(), O_RDONLY);
  ::alarm(0);
  if (fd >= 0) {
    EXPECT_EQ(::truncate(weights.c_str(), 0), 0) << std::strerror(errno);
    char buf[4096];
    while (::read(fd, buf, sizeof(buf)) > 0) {
    }
    ::close(fd);
  } else {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::ifstream f(err_path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string err = ss.str();
  ASSERT_GE(fd, 0) << "the CLI never opened --out; stderr: " << err;
  ASSERT_TRUE(WIFEXITED(status))
      << "killed by signal " << WTERMSIG(status) << "; stderr: " << err;
  EXPECT_EQ(WEXITSTATUS(status), 1) << err;
  EXPECT_NE(err.find("edgemma: model file " + weights +
                     " changed or was truncated while in use"),
            std::string::npos)
      << err;
  fs::remove_all(model);
  fs::remove(fifo);
}

}  // namespace
}  // namespace edgemma::test
