// `edgemma tokenize --tokenizer PATH [--special] [--jsonl]`: text -> ids.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text/tokenizer.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "examples/cli/jsonl_command.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "tokenize";
constexpr char kUsage[] =
    "usage: edgemma tokenize --tokenizer PATH [--special] [--jsonl]\n"
    "  PATH: tokenizer.json, a Hugging Face model directory, or a .gguf.\n"
    "  Without --jsonl: reads all of stdin and prints the ids as a JSON "
    "array.\n"
    "  --jsonl    read lines {\"text\": ...}, write lines {\"ids\": [...]}\n"
    "  --special  parse special tokens (<bos>, <|turn>, ...) in the text\n"
    "  No BOS is added.\n";

int Tokenize(int argc, char** argv) {
  std::string path;
  bool special = false, jsonl = false;
  Flags flags(kCmd, kUsage);
  flags.String("--tokenizer", &path)
      .Switch("--special", &special)
      .Switch("--jsonl", &jsonl);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (path.empty()) return flags.UsageError("--tokenizer PATH is required");
  auto tok = Tokenizer::FromPath(path);
  if (!tok.ok()) return flags.Fail(tok.status());
  const Tokenizer& t = *tok.value();
  if (!jsonl) {
    const std::string text((std::istreambuf_iterator<char>(std::cin)),
                           std::istreambuf_iterator<char>());
    std::printf("%s\n", nlohmann::json(t.Encode(text, special)).dump().c_str());
    return 0;
  }
  return RunJsonLines(kCmd, [&](const std::string& line, std::string* error) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") ||
        !j["text"].is_string()) {
      *error = "expected a JSON object with a string \"text\"";
      return std::string();
    }
    nlohmann::json out;
    out["ids"] = t.Encode(j["text"].get<std::string>(), special);
    return out.dump();
  });
}

}  // namespace

EDGEMMA_COMMAND("tokenize",
                "text -> token ids (tokenizer.json, HF dir or GGUF)", Tokenize);

}  // namespace edgemma::cli
