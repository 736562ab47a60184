// `edgemma parse-response --jsonl`: raw model output -> thinking/content/
// tool calls (core/text/response_parser.h).
#include <nlohmann/json.hpp>
#include <string>

#include "core/text/response_parser.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "examples/cli/jsonl_command.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "parse-response";
constexpr char kUsage[] =
    "usage: edgemma parse-response --jsonl\n"
    "  Reads lines {\"text\": RAW} (model output decoded with special tokens\n"
    "  kept, starting after the prompt) and writes lines\n"
    "  {\"thinking\": null|\"...\", \"content\": \"...\", \"tool_calls\": "
    "[...]}.\n";

int ParseResponse(int argc, char** argv) {
  bool jsonl = false;
  Flags flags(kCmd, kUsage);
  flags.Switch("--jsonl", &jsonl);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (!jsonl) return flags.UsageError("only --jsonl input is supported");
  return RunJsonLines(kCmd, [](const std::string& line, std::string* error) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") ||
        !j["text"].is_string()) {
      *error = "expected a JSON object with a string \"text\"";
      return std::string();
    }
    return ParsedResponseToJson(
        ParseGemma4Response(j["text"].get<std::string>()));
  });
}

}  // namespace

EDGEMMA_COMMAND(
    "parse-response",
    "raw Gemma 4 output -> thinking/content/tool calls (JSON lines)",
    ParseResponse);

}  // namespace edgemma::cli
