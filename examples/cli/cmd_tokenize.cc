// `edgemma tokenize --tokenizer PATH [--special] [--jsonl]`: text -> ids.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text/tokenizer.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma tokenize --tokenizer PATH [--special] [--jsonl]\n"
    "  PATH: tokenizer.json, a Hugging Face model directory, or a .gguf.\n"
    "  Without --jsonl: reads all of stdin and prints the ids as a JSON "
    "array.\n"
    "  --jsonl    read lines {\"text\": ...}, write lines {\"ids\": [...]}\n"
    "  --special  parse special tokens (<bos>, <|turn>, ...) in the text\n"
    "  No BOS is added.\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma tokenize: %s\n", msg.c_str());
  return 1;
}

int Tokenize(int argc, char** argv) {
  std::string path;
  bool special = false, jsonl = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!std::strcmp(argv[i], "--tokenizer") && i + 1 < argc) {
      path = argv[++i];
    } else if (!std::strcmp(argv[i], "--special")) {
      special = true;
    } else if (!std::strcmp(argv[i], "--jsonl")) {
      jsonl = true;
    } else {
      std::fputs(kUsage, stderr);
      return Fail(std::string("unknown or incomplete option '") + argv[i] +
                  "'");
    }
  }
  if (path.empty()) return Fail("--tokenizer PATH is required");
  auto tok = Tokenizer::FromPath(path);
  if (!tok.ok()) return Fail(tok.status().ToString());
  if (!jsonl) {
    const std::string text((std::istreambuf_iterator<char>(std::cin)),
                           std::istreambuf_iterator<char>());
    std::printf("%s\n",
                nlohmann::json((*tok)->Encode(text, special)).dump().c_str());
    return 0;
  }
  std::string line;
  for (long n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") ||
        !j["text"].is_string()) {
      return Fail("stdin line " + std::to_string(n) +
                  ": expected a JSON object with a string \"text\"");
    }
    nlohmann::json out;
    out["ids"] = (*tok)->Encode(j["text"].get<std::string>(), special);
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("tokenize",
                "text -> token ids (tokenizer.json, HF dir or GGUF)", Tokenize);

}  // namespace edgemma::cli
