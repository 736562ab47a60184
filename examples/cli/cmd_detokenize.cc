// `edgemma detokenize --tokenizer PATH --jsonl [--skip-special]`.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma detokenize --tokenizer PATH --jsonl [--skip-special]\n"
    "  PATH: tokenizer.json, a Hugging Face model directory, or a .gguf.\n"
    "  Reads lines {\"ids\": [...]} and writes lines {\"text\": ...}.\n"
    "  --skip-special  drop special tokens (<bos>, <|turn>, ...)\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma detokenize: %s\n", msg.c_str());
  return 1;
}

int Detokenize(int argc, char** argv) {
  std::string path;
  bool skip = false, jsonl = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!std::strcmp(argv[i], "--tokenizer") && i + 1 < argc) {
      path = argv[++i];
    } else if (!std::strcmp(argv[i], "--skip-special")) {
      skip = true;
    } else if (!std::strcmp(argv[i], "--jsonl")) {
      jsonl = true;
    } else {
      std::fputs(kUsage, stderr);
      return Fail(std::string("unknown or incomplete option '") + argv[i] +
                  "'");
    }
  }
  if (path.empty()) return Fail("--tokenizer PATH is required");
  if (!jsonl) return Fail("only --jsonl input is supported (see --help)");
  auto tok = Tokenizer::FromPath(path);
  if (!tok.ok()) return Fail(tok.status().ToString());
  std::string line;
  for (long n = 1; std::getline(std::cin, line); ++n) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    std::vector<int32_t> ids;
    bool ok = !j.is_discarded() && j.is_object() && j.contains("ids") &&
              j["ids"].is_array();
    for (size_t k = 0; ok && k < j["ids"].size(); ++k) {
      ok = j["ids"][k].is_number_integer();
      if (ok) ids.push_back(j["ids"][k].get<int32_t>());
    }
    if (!ok) {
      return Fail("stdin line " + std::to_string(n) +
                  ": expected a JSON object with an integer array \"ids\"");
    }
    auto text = (*tok)->Decode(ids, skip);
    if (!text.ok()) {
      return Fail("stdin line " + std::to_string(n) + ": " +
                  text.status().message());
    }
    nlohmann::json out;
    out["text"] = text.value();
    std::printf("%s\n", out.dump(-1, ' ', false,
                                 nlohmann::json::error_handler_t::replace)
                            .c_str());
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("detokenize", "token ids -> text (JSON lines)", Detokenize);

}  // namespace edgemma::cli
