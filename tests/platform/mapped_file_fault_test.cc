// A mapped file truncated underneath: with InstallMappedFileFaultHandler, the
// SIGBUS of the next access past the new end becomes a message naming the
// file and exit status 1; a SIGBUS elsewhere still kills the process. Each
// case runs in a forked child (the handler is process-wide and ends it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "platform/mapped_file.h"

namespace edgemma {
namespace {

struct ChildResult {
  int status = 0;
  std::string err;  // the child's stderr
};

// Runs `body` in a forked child with stderr captured; the child exits 0 if
// body returns.
template <typename F>
ChildResult RunInChild(F body) {
  int pipefd[2];
  EXPECT_EQ(::pipe(pipefd), 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], STDERR_FILENO);
    ::close(pipefd[0]);
    // The disposition a plain program starts with (sanitizers install their
    // own SIGBUS handler, which would report and exit instead).
    ::signal(SIGBUS, SIG_DFL);
    body();
    ::_exit(0);
  }
  ::close(pipefd[1]);
  ChildResult r;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) r.err.append(buf, n);
  ::close(pipefd[0]);
  EXPECT_EQ(::waitpid(pid, &r.status, 0), pid);
  return r;
}

std::string MakeFile(const std::string& name, size_t size) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/edgemma_fault_" +
                           std::to_string(::getpid()) + "_" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  for (size_t i = 0; i < size; ++i) std::fputc(static_cast<int>(i & 0x7F), f);
  std::fclose(f);
  return path;
}

bool UnderEmulator() { return std::string(EDGEMMA_EMULATOR).size() > 0; }

// In a child: maps `path`, installs the handler, truncates the file to
// `keep` bytes and reads the mapping at `offset` (past the new end: faults).
[[noreturn]] void MapTruncateRead(const std::string& path, size_t keep,
                                  size_t offset) {
  auto f = MappedFile::Open(path);
  if (!f.ok()) ::_exit(3);
  InstallMappedFileFaultHandler("fault_test");
  if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) ::_exit(4);
  volatile uint8_t sink = (*f)->data()[offset];
  (void)sink;
  ::_exit(5);  // not reached: the access faults
}

TEST(MappedFileFault, TruncatedWhileMappedGivesMessageAndExit1) {
  if (UnderEmulator())
    GTEST_SKIP() << "qemu-user's SIGBUS delivery is not ours to test";
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const std::string path = MakeFile("truncated.bin", 4 * page);
  const ChildResult r =
      RunInChild([&] { MapTruncateRead(path, page, 3 * page); });
  ::unlink(path.c_str());
  ASSERT_TRUE(WIFEXITED(r.status))
      << "child died of signal " << WTERMSIG(r.status) << "; stderr: " << r.err;
  EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.err;
  EXPECT_NE(r.err.find("fault_test: model file " + path +
                       " changed or was truncated while in use"),
            std::string::npos)
      << r.err;
}

TEST(MappedFileFault, SigbusOutsideMappedFilesStillKills) {
  if (UnderEmulator()) {
    GTEST_SKIP() << "qemu-user's SIGBUS delivery is not ours to test";
  }
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const std::string path = MakeFile("foreign.bin", 2 * page);
  // A file mapped by someone else (not a MappedFile), then a signal sent.
  for (bool sent : {false, true}) {
    const ChildResult r = RunInChild([&] {
      auto ours = MappedFile::Open(path);  // registered, but not the one hit
      if (!ours.ok()) ::_exit(3);
      const int fd = ::open(path.c_str(), O_RDONLY);
      void* p = ::mmap(nullptr, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);
      if (fd < 0 || p == MAP_FAILED) ::_exit(3);
      InstallMappedFileFaultHandler("fault_test");
      if (sent) {
        ::raise(SIGBUS);
      } else {
        if (::ftruncate(::open(path.c_str(), O_WRONLY), 0) != 0) ::_exit(4);
        volatile uint8_t sink = static_cast<const uint8_t*>(p)[page];
        (void)sink;
      }
      ::_exit(5);
    });
    ASSERT_TRUE(WIFSIGNALED(r.status))
        << (sent ? "raise" : "fault") << ": exit " << WEXITSTATUS(r.status)
        << "; stderr: " << r.err;
    EXPECT_EQ(WTERMSIG(r.status), SIGBUS);
    EXPECT_EQ(r.err.find("changed or was truncated"), std::string::npos);
  }
  ::unlink(path.c_str());
}

TEST(MappedFileFault, ClosedFilesLeaveTheRegistry) {
  // More open/close cycles than the registry has slots: slots are reused, and
  // a file mapped after them is still named.
  if (UnderEmulator())
    GTEST_SKIP() << "qemu-user's SIGBUS delivery is not ours to test";
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const std::string path = MakeFile("reuse.bin", 2 * page);
  const ChildResult r = RunInChild([&] {
    for (int i = 0; i < 1000; ++i) {
      if (!MappedFile::Open(path).ok()) ::_exit(3);
    }
    MapTruncateRead(path, 0, page);
  });
  ::unlink(path.c_str());
  ASSERT_TRUE(WIFEXITED(r.status)) << "signal " << WTERMSIG(r.status);
  EXPECT_EQ(WEXITSTATUS(r.status), 1) << r.err;
  EXPECT_NE(r.err.find("model file " + path), std::string::npos) << r.err;
}

}  // namespace
}  // namespace edgemma
