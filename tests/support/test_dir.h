// Test helpers: a self-removing temporary directory, small file utilities and a
// CLI runner.
#ifndef EDGEMMA_TESTS_SUPPORT_TEST_DIR_H_
#define EDGEMMA_TESTS_SUPPORT_TEST_DIR_H_

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace edgemma::test {

inline std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* d = opendir(path.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base ? base : "/tmp") + "/edgemma-gguf-XXXXXX";
    path_ = mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CliResult {
  int code = -1;
  std::string output;  // stdout + stderr
};

// Whether build/bin/edgemma exists: cross builds without examples
// (EDGEMMA_BUILD_EXAMPLES=OFF, the aarch64 stage) have no CLI to run.
inline bool CliBuilt() {
  return access((std::string(EDGEMMA_BIN_DIR) + "/edgemma").c_str(), X_OK) == 0;
}

// Runs build/bin/edgemma with `args` (already shell-quoted).
inline CliResult RunCli(const std::string& args) {
  CliResult r;
  std::string cmd = std::string(EDGEMMA_BIN_DIR) + "/edgemma " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    r.output.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace edgemma::test

#endif  // EDGEMMA_TESTS_SUPPORT_TEST_DIR_H_
