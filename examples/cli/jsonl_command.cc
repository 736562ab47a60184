#include "examples/cli/jsonl_command.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

namespace edgemma::cli {

int FailCommand(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "edgemma %s: %s\n", cmd, msg.c_str());
  return 1;
}

std::optional<int> ParseFlags(const char* cmd, const char* usage, int argc,
                              char** argv, std::initializer_list<Flag> flags) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(usage, stdout);
      return 0;
    }
    const Flag* match = nullptr;
    for (const Flag& f : flags) {
      if (!std::strcmp(argv[i], f.name)) match = &f;
    }
    const bool incomplete = match && match->value && i + 1 >= argc;
    if (!match || incomplete) {
      std::fputs(usage, stderr);
      return FailCommand(
          cmd, std::string("unknown or incomplete option '") + argv[i] + "'");
    }
    if (match->value) {
      *match->value = argv[++i];
    } else {
      *match->set = true;
    }
  }
  return std::nullopt;
}

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
