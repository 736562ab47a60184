// edgemma-bench-tokenizer --tokenizer PATH [--gguf FILE] [--mb N] [--runs R]
//   [--tmp DIR] [--json OUT.json]
// Figures (never asserts):
//   load_json_s            Tokenizer::FromJsonFile (best of R)
//   gguf_open_s            GgufFile::Open of a tokenizer-only GGUF written to
//                          DIR (the model open pays this anyway)
//   load_gguf_tables_s     Tokenizer::FromGguf with edgemma.tokenizer.* tables
//   load_gguf_build_s      the same file without them (llama.cpp keys only)
//   load_gguf_path_s       FromGgufPath(FILE) when --gguf is given
//   encode_mb_s            line-by-line encode of a deterministic mixed text
//                          (golden texts repeated to N MB); encode_block_mb_s
//                          the whole text in one call
//   decode_mb_s            Decode of the line-by-line ids
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/io/config.h"
#include "core/io/gguf.h"
#include "core/io/gguf_gemma4.h"
#include "core/io/gguf_keys.h"
#include "core/io/gguf_writer.h"
#include "core/text/tokenizer.h"

namespace {

using edgemma::Tokenizer;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Best wall time of `runs` calls of fn (which returns false on error).
double Best(int runs, const std::function<bool()>& fn) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    if (!fn()) return -1;
    best = std::min(best, Seconds(t0));
  }
  return best;
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

// A GGUF holding only the tokenizer keys (with or without our tables).
bool WriteTokenizerGguf(const Tokenizer& tok, bool tables,
                        const std::string& path) {
  edgemma::Gemma4Config cfg;
  cfg.text.vocab = tok.vocab_size();
  cfg.text.bos_id = std::max(tok.bos_id(), 0);
  cfg.text.eos_id = std::max(tok.eos_id(), 0);
  cfg.text.pad_id = std::max(tok.pad_id(), 0);
  edgemma::GgufWriter w;
  w.AddString(edgemma::kGgufArchitecture, "gemma4");
  edgemma::Status st = edgemma::WriteTokenizerMetadata(tok, cfg, "", w, tables);
  if (st.ok()) st = w.WriteFile(path, /*force=*/true);
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return st.ok();
}

void Fail(const edgemma::Status& st) {
  std::fprintf(stderr, "%s\n", st.ToString().c_str());
}

int Usage(const char* msg) {
  std::fprintf(stderr,
               "%s\nusage: edgemma-bench-tokenizer --tokenizer PATH "
               "[--gguf FILE] [--mb N] [--runs R] [--tmp DIR] "
               "[--json OUT.json]\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, gguf, json_out, tmp = "/tmp";
  double mb = 4;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const bool has = i + 1 < argc;
    if (!std::strcmp(argv[i], "--tokenizer") && has) {
      path = argv[++i];
    } else if (!std::strcmp(argv[i], "--gguf") && has) {
      gguf = argv[++i];
    } else if (!std::strcmp(argv[i], "--json") && has) {
      json_out = argv[++i];
    } else if (!std::strcmp(argv[i], "--tmp") && has) {
      tmp = argv[++i];
    } else if (!std::strcmp(argv[i], "--runs") && has) {
      runs = std::atoi(argv[++i]);
      if (runs < 1 || runs > 100) return Usage("--runs must be in [1, 100]");
    } else if (!std::strcmp(argv[i], "--mb") && has) {
      mb = std::atof(argv[++i]);
      if (!(mb > 0 && mb < 1024)) return Usage("--mb must be in (0, 1024)");
    } else {
      return Usage("unknown or incomplete option");
    }
  }
  if (path.empty()) return Usage("--tokenizer is required");
  nlohmann::json r;
  std::unique_ptr<Tokenizer> tok;
  r["load_json_s"] = Best(runs, [&] {
    auto t = Tokenizer::FromJsonFile(path);
    if (!t.ok()) return Fail(t.status()), false;
    tok = std::move(t.value());
    return true;
  });
  if (tok == nullptr) return 1;

  const std::string with = tmp + "/edgemma_bench_tok_tables.gguf";
  const std::string without = tmp + "/edgemma_bench_tok_llama.gguf";
  if (!WriteTokenizerGguf(*tok, true, with) ||
      !WriteTokenizerGguf(*tok, false, without)) {
    return 1;
  }
  std::unique_ptr<edgemma::GgufFile> g_with, g_without;
  r["gguf_open_s"] = Best(runs, [&] {
    auto g = edgemma::GgufFile::Open(with);
    if (!g.ok()) return Fail(g.status()), false;
    g_with = std::move(g.value());
    return true;
  });
  auto g = edgemma::GgufFile::Open(without);
  if (g_with == nullptr || !g.ok()) return 1;
  g_without = std::move(g.value());
  std::unique_ptr<Tokenizer> mapped;
  auto time_load = [&](const edgemma::GgufFile& file, const std::string& name,
                       std::unique_ptr<Tokenizer>* keep) {
    return Best(runs, [&] {
      auto t = Tokenizer::FromGguf(file, name);
      if (!t.ok()) return Fail(t.status()), false;
      if (keep != nullptr) *keep = std::move(t.value());
      return true;
    });
  };
  r["load_gguf_tables_s"] = time_load(*g_with, with, &mapped);
  r["load_gguf_build_s"] = time_load(*g_without, without, nullptr);
  r["tables_mapped"] = mapped != nullptr && mapped->tables_mapped();
  std::remove(with.c_str());
  std::remove(without.c_str());
  if (!gguf.empty()) {
    r["load_gguf_path_s"] = Best(runs, [&] {
      auto t = Tokenizer::FromGgufPath(gguf);
      if (!t.ok()) return Fail(t.status()), false;
      return true;
    });
  }

  const std::string text = MixedText(static_cast<size_t>(mb * 1e6));
  // Encode line by line (prompt-sized pieces), then once as one block.
  std::vector<int32_t> ids;
  auto t0 = Clock::now();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    tok->Encode(std::string_view(text).substr(start, end - start), false, &ids);
    start = end;
  }
  const double enc_s = Seconds(t0);
  std::vector<int32_t> block;
  t0 = Clock::now();
  tok->Encode(text, false, &block);
  const double block_s = Seconds(t0);
  if (mapped != nullptr) {
    std::vector<int32_t> again;
    mapped->Encode(text, false, &again);
    r["tables_encode_identical"] = again == block;
  }
  t0 = Clock::now();
  auto decoded = tok->Decode(ids, false);
  const double dec_s = Seconds(t0);
  r["text_bytes"] = text.size();
  r["tokens"] = ids.size();
  r["encode_mb_s"] = text.size() / 1e6 / enc_s;
  r["encode_tokens_s"] = ids.size() / enc_s;
  r["encode_block_mb_s"] = text.size() / 1e6 / block_s;
  r["decode_mb_s"] = text.size() / 1e6 / dec_s;
  const std::string s = r.dump(2);
  std::printf("%s\n", s.c_str());
  if (!json_out.empty()) {
    std::ofstream(json_out) << s << "\n";
  }
  return 0;
}
