#include "examples/cli/jsonl_command.h"

#include <cstdio>
#include <cstring>
#include <iostream>

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
  for (long n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    std::string error;
    const std::string out = fn(line, &error);
    if (!error.empty()) {
      return FailCommand(cmd, "stdin line " + std::to_string(n) + ": " + error);
    }
    std::printf("%s\n", out.c_str());
  }
  return 0;
}

}  // namespace edgemma::cli
