// edgemma-bench-tokenizer --tokenizer PATH [--gguf FILE] [--mb N]
//   [--json OUT.json]: load time (JSON, and GGUF when given), encode and
// decode throughput on a deterministic mixed text built from the golden
// texts (shared/testdata/tokenizer/gemma4/golden.jsonl) repeated to N MB.
// Figures only; never asserts.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"

namespace {

using edgemma::Tokenizer;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string MixedText(size_t bytes) {
  std::string all;
  std::ifstream in(std::string(EDGEMMA_SHARED_DIR) +
                   "/testdata/tokenizer/gemma4/golden.jsonl");
  std::string line;
  std::string corpus;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) corpus += j["text"].get<std::string>() + "\n";
  }
  if (corpus.empty()) corpus = "The quick brown fox jumps over the lazy dog.\n";
  while (all.size() < bytes) all += corpus;
  return all;
}

int Usage(const char* msg) {
  std::fprintf(stderr,
               "%s\nusage: edgemma-bench-tokenizer --tokenizer PATH "
               "[--gguf FILE] [--mb N] [--json OUT.json]\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, gguf, json_out;
  double mb = 4;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--tokenizer") && i + 1 < argc) {
      path = argv[++i];
    } else if (!std::strcmp(argv[i], "--gguf") && i + 1 < argc) {
      gguf = argv[++i];
    } else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json_out = argv[++i];
    } else if (!std::strcmp(argv[i], "--mb") && i + 1 < argc) {
      mb = std::atof(argv[++i]);
      if (!(mb > 0 && mb < 1024)) return Usage("--mb must be in (0, 1024)");
    } else {
      return Usage("unknown or incomplete option");
    }
  }
  if (path.empty()) return Usage("--tokenizer is required");
  nlohmann::json r;
  auto t0 = Clock::now();
  auto tok = Tokenizer::FromJsonFile(path);
  r["load_json_s"] = Seconds(t0);
  if (!tok.ok()) {
    std::fprintf(stderr, "%s\n", tok.status().ToString().c_str());
    return 1;
  }
  if (!gguf.empty()) {
    t0 = Clock::now();
    auto g = Tokenizer::FromGgufPath(gguf);
    r["load_gguf_s"] = Seconds(t0);
    if (!g.ok()) std::fprintf(stderr, "%s\n", g.status().ToString().c_str());
  }
  const std::string text = MixedText(static_cast<size_t>(mb * 1e6));
  // Encode line by line (prompt-sized pieces), then once as one block.
  std::vector<int32_t> ids;
  t0 = Clock::now();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    (*tok)->Encode(std::string_view(text).substr(start, end - start), false,
                   &ids);
    start = end;
  }
  const double enc_s = Seconds(t0);
  t0 = Clock::now();
  auto decoded = (*tok)->Decode(ids, false);
  const double dec_s = Seconds(t0);
  r["text_bytes"] = text.size();
  r["tokens"] = ids.size();
  r["encode_mb_s"] = text.size() / 1e6 / enc_s;
  r["encode_tokens_s"] = ids.size() / enc_s;
  r["decode_mb_s"] = text.size() / 1e6 / dec_s;
  const std::string s = r.dump(2);
  std::printf("%s\n", s.c_str());
  if (!json_out.empty()) {
    std::ofstream(json_out) << s << "\n";
  }
  return 0;
}
