// `edgemma chat-format --jsonl`: chat requests -> rendered Gemma 4 prompts
// (core/text/chat_format.h).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text/chat_format.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma chat-format --jsonl\n"
    "  Reads lines {\"messages\": [...], \"tools\": [...]|null,\n"
    "  \"enable_thinking\": bool, \"add_generation_prompt\": bool,\n"
    "  \"preserve_thinking\": bool} and writes lines {\"rendered\": \"...\"}\n"
    "  (the Gemma 4 E2B/E4B chat template, rendered natively).\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma chat-format: %s\n", msg.c_str());
  return 1;
}

int ChatFormat(int argc, char** argv) {
  bool jsonl = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!std::strcmp(argv[i], "--jsonl")) {
      jsonl = true;
    } else {
      std::fputs(kUsage, stderr);
      return Fail(std::string("unknown option '") + argv[i] + "'");
    }
  }
  if (!jsonl) return Fail("only --jsonl input is supported (see --help)");
  std::string line;
  for (long n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    auto rendered = RenderGemma4Chat(line);
    if (!rendered.ok()) {
      return Fail("stdin line " + std::to_string(n) + ": " +
                  rendered.status().message());
    }
    nlohmann::json out;
    out["rendered"] = rendered.value();
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("chat-format", "chat messages -> Gemma 4 prompt (JSON lines)",
                ChatFormat);

}  // namespace edgemma::cli
