// `edgemma chat-format --jsonl`: chat requests -> rendered Gemma 4 prompts
// (core/text/chat_format.h).
#include <nlohmann/json.hpp>
#include <string>

#include "core/text/chat_format.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "examples/cli/jsonl_command.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "chat-format";
constexpr char kUsage[] =
    "usage: edgemma chat-format --jsonl\n"
    "  Reads lines {\"messages\": [...], \"tools\": [...]|null,\n"
    "  \"enable_thinking\": bool, \"add_generation_prompt\": bool,\n"
    "  \"preserve_thinking\": bool} and writes lines {\"rendered\": \"...\"}\n"
    "  (the Gemma 4 E2B/E4B chat template, rendered natively).\n";

int ChatFormat(int argc, char** argv) {
  bool jsonl = false;
  Flags flags(kCmd, kUsage);
  flags.Switch("--jsonl", &jsonl);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (!jsonl) return flags.UsageError("only --jsonl input is supported");
  return RunJsonLines(kCmd, [](const std::string& line, std::string* error) {
    auto rendered = RenderGemma4Chat(line);
    if (!rendered.ok()) {
      *error = rendered.status().message();
      return std::string();
    }
    nlohmann::json out;
    out["rendered"] = rendered.value();
    return out.dump();
  });
}

}  // namespace

EDGEMMA_COMMAND("chat-format", "chat messages -> Gemma 4 prompt (JSON lines)",
                ChatFormat);

}  // namespace edgemma::cli
