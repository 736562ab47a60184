// edgemma-bench-tokenizer --tokenizer PATH [--gguf FILE] [--text FILE]
//   [--mb N] [--runs R] [--tmp DIR] [--json OUT.json]
// Figures (never asserts):
// Every time is the best of R runs, as wall (<key>_s) and thread CPU
// (<key>_cpu_s) seconds: CPU time is less inflated on a loaded machine.
//   load_json_s            Tokenizer::FromJsonFile
//   gguf_open_s            GgufFile::Open of a tokenizer-only GGUF written to
//                          DIR (the model open pays this anyway)
//   load_gguf_tables_s     Tokenizer::FromGguf with edgemma.tokenizer.* tables
//   load_gguf_build_s      the same file without them (llama.cpp keys only)
//   load_gguf_path_s       FromGgufPath(FILE) when --gguf is given
// The text is --text FILE, else the golden texts (odd strings: many long
// words, scripts without spaces).
//   encode_cold_mb_s       line-by-line encode of the text once, the
//                          word cache cold (closest to fresh text)
//   encode_mb_s            line-by-line encode of the text repeated
//                          to N MB (word cache warm); encode_block_mb_s the
//                          whole text in one call
//   decode_mb_s            Decode of the line-by-line ids
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/gguf_writer.h"
#include "core/io/config.h"
#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"

namespace {

using edgemma::Tokenizer;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU time of this thread: less inflated than wall time on a loaded machine.
double CpuNow() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Wall and thread-CPU seconds of one call of fn.
struct Timing {
  double wall = 1e30, cpu = 1e30;
};
Timing Time(const std::function<void()>& fn) {
  const auto t0 = Clock::now();
  const double c0 = CpuNow();
  fn();
  return {Seconds(t0), CpuNow() - c0};
}

// Best wall and CPU times of `runs` calls of fn (which returns false on
// error: then a negative time), stored as <key>_s and <key>_cpu_s.
bool Best(nlohmann::json* r, const std::string& key, int runs,
          const std::function<bool()>& fn) {
  Timing best;
  bool ok = true;
  for (int i = 0; i < runs && ok; ++i) {
    const Timing t = Time([&] { ok = fn(); });
    best.wall = std::min(best.wall, t.wall);
    best.cpu = std::min(best.cpu, t.cpu);
  }
  (*r)[key + "_s"] = ok ? best.wall : -1;
  (*r)[key + "_cpu_s"] = ok ? best.cpu : -1;
  return ok;
}

// `text_file` (whole), or the golden texts, repeated to `bytes`.
std::string MixedText(size_t bytes, const std::string& text_file) {
  std::string all;
  std::string corpus;
  if (!text_file.empty()) {
    std::ifstream in(text_file, std::ios::binary);
    corpus.assign(std::istreambuf_iterator<char>(in), {});
  } else {
    std::ifstream in(std::string(EDGEMMA_SHARED_DIR) +
                     "/testdata/tokenizer/gemma4/golden.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) corpus += j["text"].get<std::string>() + "\n";
    }
  }
  if (corpus.empty()) corpus = "The quick brown fox jumps over the lazy dog.\n";
  while (all.size() < bytes) all += corpus;
  return all;
}

void EncodeLines(const Tokenizer& tok, const std::string& text,
                 std::vector<int32_t>* ids) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    tok.Encode(std::string_view(text).substr(start, end - start), false, ids);
    start = end;
  }
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
               "[--gguf FILE] [--text FILE] [--mb N] [--runs R] [--tmp DIR] "
               "[--json OUT.json]\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, gguf, json_out, text_file, tmp = "/tmp";
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
    } else if (!std::strcmp(argv[i], "--text") && has) {
      text_file = argv[++i];
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
  Best(&r, "load_json", runs, [&] {
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
  Best(&r, "gguf_open", runs, [&] {
    auto g = edgemma::GgufFile::Open(with);
    if (!g.ok()) return Fail(g.status()), false;
    g_with = std::move(g.value());
    return true;
  });
  auto g = edgemma::GgufFile::Open(without);
  if (g_with == nullptr || !g.ok()) return 1;
  g_without = std::move(g.value());
  std::unique_ptr<Tokenizer> mapped;
  auto time_load = [&](const char* key, const edgemma::GgufFile& file,
                       const std::string& name,
                       std::unique_ptr<Tokenizer>* keep) {
    Best(&r, key, runs, [&] {
      auto t = Tokenizer::FromGguf(file, name);
      if (!t.ok()) return Fail(t.status()), false;
      if (keep != nullptr) *keep = std::move(t.value());
      return true;
    });
  };
  time_load("load_gguf_tables", *g_with, with, &mapped);
  time_load("load_gguf_build", *g_without, without, nullptr);
  r["tables_mapped"] = mapped != nullptr && mapped->tables_mapped();
  std::remove(with.c_str());
  std::remove(without.c_str());
  if (!gguf.empty()) {
    Best(&r, "load_gguf_path", runs, [&] {
      auto t = Tokenizer::FromGgufPath(gguf);
      if (!t.ok()) return Fail(t.status()), false;
      return true;
    });
  }

  const std::string text = MixedText(static_cast<size_t>(mb * 1e6), text_file);
  // Encode line by line (prompt-sized pieces), then once as one block. The
  // first pass over the unique corpus runs with a cold word cache.
  std::vector<int32_t> ids;
  const std::string unique = MixedText(1, text_file);
  const Timing cold = Time([&] { EncodeLines(*tok, unique, &ids); });
  ids.clear();
  const Timing enc = Time([&] { EncodeLines(*tok, text, &ids); });
  std::vector<int32_t> block;
  const Timing blk = Time([&] { tok->Encode(text, false, &block); });
  if (mapped != nullptr) {
    std::vector<int32_t> again;
    mapped->Encode(text, false, &again);
    r["tables_encode_identical"] = again == block;
  }
  edgemma::Result<std::string> decoded = std::string();
  const Timing dec = Time([&] { decoded = tok->Decode(ids, false); });
  const double mb_text = text.size() / 1e6;
  r["text_bytes"] = text.size();
  r["unique_text_bytes"] = unique.size();
  r["tokens"] = ids.size();
  r["encode_cold_mb_s"] = unique.size() / 1e6 / cold.wall;
  r["encode_cold_cpu_mb_s"] = unique.size() / 1e6 / cold.cpu;
  r["encode_mb_s"] = mb_text / enc.wall;
  r["encode_cpu_mb_s"] = mb_text / enc.cpu;
  r["encode_tokens_s"] = ids.size() / enc.wall;
  r["encode_block_mb_s"] = mb_text / blk.wall;
  r["encode_block_cpu_mb_s"] = mb_text / blk.cpu;
  r["decode_mb_s"] = mb_text / dec.wall;
  r["decode_cpu_mb_s"] = mb_text / dec.cpu;
  const std::string s = r.dump(2);
  std::printf("%s\n", s.c_str());
  if (!json_out.empty()) {
    std::ofstream(json_out) << s << "\n";
  }
  return 0;
}
