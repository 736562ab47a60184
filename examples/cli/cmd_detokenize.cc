// `edgemma detokenize --tokenizer PATH --jsonl [--skip-special]`.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "examples/cli/jsonl_command.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "detokenize";
constexpr char kUsage[] =
    "usage: edgemma detokenize --tokenizer PATH --jsonl [--skip-special]\n"
    "  PATH: tokenizer.json, a Hugging Face model directory, or a .gguf.\n"
    "  Reads lines {\"ids\": [...]} and writes lines {\"text\": ...}.\n"
    "  --skip-special  drop special tokens (<bos>, <|turn>, ...)\n";

// The "ids" array of one input line; false if the line is not of that shape.
bool ParseIds(const std::string& line, std::vector<int32_t>* ids) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ids") ||
      !j["ids"].is_array()) {
    return false;
  }
  for (const auto& id : j["ids"]) {
    if (!id.is_number_integer()) return false;
    ids->push_back(id.get<int32_t>());
  }
  return true;
}

int Detokenize(int argc, char** argv) {
  std::string path;
  bool skip = false, jsonl = false;
  Flags flags(kCmd, kUsage);
  flags.String("--tokenizer", &path)
      .Switch("--skip-special", &skip)
      .Switch("--jsonl", &jsonl);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (path.empty()) return flags.UsageError("--tokenizer PATH is required");
  if (!jsonl) return flags.UsageError("only --jsonl input is supported");
  auto tok = Tokenizer::FromPath(path);
  if (!tok.ok()) return flags.Fail(tok.status());
  const Tokenizer& t = *tok.value();
  return RunJsonLines(kCmd, [&](const std::string& line, std::string* error) {
    std::vector<int32_t> ids;
    if (!ParseIds(line, &ids)) {
      *error = "expected a JSON object with an integer array \"ids\"";
      return std::string();
    }
    auto text = t.Decode(ids, skip);
    if (!text.ok()) {
      *error = text.status().message();
      return std::string();
    }
    nlohmann::json out;
    out["text"] = text.value();
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  });
}

}  // namespace

EDGEMMA_COMMAND("detokenize", "token ids -> text (JSON lines)", Detokenize);

}  // namespace edgemma::cli
