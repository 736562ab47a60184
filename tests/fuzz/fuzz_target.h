// Shared harness of the libFuzzer targets (tests/fuzz/fuzz_<name>.cc).
//
// A target is written once as EDGEMMA_FUZZ_TARGET(name) { ... data, size ...}
// and compiled two ways:
//   - with EDGEMMA_FUZZ_LIBFUZZER (build/fuzz, clang -fsanitize=fuzzer): the
//     body becomes LLVMFuzzerTestOneInput of the executable fuzz_<name>;
//   - without it (every regular build): the body registers itself under
//     `name`, and fuzz_replay_test runs every file of tests/fuzz/corpus/<name>/
//     through it, so each seed and each crash ever found stays a regression
//     case under gcc, ASan and qemu too.
// A target returns 0; a broken property is reported with FUZZ_CHECK, which
// prints what failed and aborts (libFuzzer then saves the input as a crash).
#ifndef EDGEMMA_TESTS_FUZZ_FUZZ_TARGET_H_
#define EDGEMMA_TESTS_FUZZ_FUZZ_TARGET_H_

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace edgemma::fuzz {

using FuzzFn = int (*)(const uint8_t* data, size_t size);

struct Registered {
  const char* name;
  FuzzFn fn;
};

// The targets linked into this binary (replay mode only), at most 32.
inline Registered* Registry(int** count) {
  static Registered entries[32];
  static int n = 0;
  *count = &n;
  return entries;
}

inline bool Register(const char* name, FuzzFn fn) {
  int* n = nullptr;
  Registered* e = Registry(&n);
  if (*n >= 32) std::abort();
  e[(*n)++] = Registered{name, fn};
  return true;
}

[[noreturn]] inline void CheckFailed(const char* file, int line,
                                     const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", file, line, what);
  std::abort();
}

// A file whose contents are replaced per input, for readers that take a path
// (they map the file). An anonymous memory file (memfd) opened through
// /proc/self/fd: no disk traffic; a temporary file where memfd is missing.
class ScratchFile {
 public:
  explicit ScratchFile(const char* name) {
#if defined(MFD_CLOEXEC)
    fd_ = ::memfd_create(name, MFD_CLOEXEC);
#endif
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      if (::access(path_.c_str(), R_OK) == 0) return;
      ::close(fd_);
    }
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/edgemma-fuzz-XXXXXX";
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0)
      CheckFailed(__FILE__, __LINE__, "cannot create a scratch file");
    ::unlink(path_.c_str());  // reopened through /proc below
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the contents with [data, data + size); returns a path to open.
  const std::string& Write(const uint8_t* data, size_t size) {
    if (::ftruncate(fd_, 0) != 0) CheckFailed(__FILE__, __LINE__, "ftruncate");
    size_t done = 0;
    while (done < size) {
      const ssize_t n =
          ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) CheckFailed(__FILE__, __LINE__, "pwrite");
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace edgemma::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::edgemma::fuzz::CheckFailed(__FILE__, __LINE__, #cond))

#if defined(EDGEMMA_FUZZ_LIBFUZZER)
#define EDGEMMA_FUZZ_TARGET(name)                                           \
  static int EdgemmaFuzz_##name(const uint8_t* data, size_t size);          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return EdgemmaFuzz_##name(data, size);                                  \
  }                                                                         \
  static int EdgemmaFuzz_##name(const uint8_t* data, size_t size)
#else
#define EDGEMMA_FUZZ_TARGET(name)                                  \
  static int EdgemmaFuzz_##name(const uint8_t* data, size_t size); \
  static const bool em_fuzz_registered_##name =                    \
      ::edgemma::fuzz::Register(#name, EdgemmaFuzz_##name);        \
  static int EdgemmaFuzz_##name(const uint8_t* data, size_t size)
#endif

#endif  // EDGEMMA_TESTS_FUZZ_FUZZ_TARGET_H_
