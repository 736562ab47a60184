#include "examples/cli/jsonl_command.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "examples/cli/flags.h"

namespace edgemma::cli {

int RunJsonLines(const char* cmd, const JsonLineFn& fn) {
  std::string line;
  long failed = 0, total = 0;
  for (long n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    ++total;
    std::string error;
    std::string out = fn(line, &error);
    if (!error.empty()) {
      ++failed;
      out = nlohmann::json{{"error", error}, {"line", n}}.dump();
    }
    std::printf("%s\n", out.c_str());
  }
  if (failed == 0) return 0;
  return FailCommand(cmd, std::to_string(failed) + " of " +
                              std::to_string(total) +
                              " input lines failed (see the \"error\" lines)");
}

}  // namespace edgemma::cli
