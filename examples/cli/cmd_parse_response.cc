// `edgemma parse-response --jsonl`: raw model output -> thinking/content/
// tool calls (core/text/response_parser.h).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text/response_parser.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma parse-response --jsonl\n"
    "  Reads lines {\"text\": RAW} (model output decoded with special tokens\n"
    "  kept, starting after the prompt) and writes lines\n"
    "  {\"thinking\": null|\"...\", \"content\": \"...\", \"tool_calls\": "
    "[...]}.\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma parse-response: %s\n", msg.c_str());
  return 1;
}

int ParseResponse(int argc, char** argv) {
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
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") ||
        !j["text"].is_string()) {
      return Fail("stdin line " + std::to_string(n) +
                  ": expected a JSON object with a string \"text\"");
    }
    const auto parsed = ParseGemma4Response(j["text"].get<std::string>());
    std::printf("%s\n", ParsedResponseToJson(parsed).c_str());
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND(
    "parse-response",
    "raw Gemma 4 output -> thinking/content/tool calls (JSON lines)",
    ParseResponse);

}  // namespace edgemma::cli
