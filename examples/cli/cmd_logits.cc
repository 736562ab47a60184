// `edgemma logits`: runs token ids through the model and writes the logits of
// every position (after the final softcap) as a float32 .npy [n_tokens, vocab].
// A developer tool for comparing against reference implementations.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/gemma4/model.h"
#include "core/gemma4/session.h"
#include "examples/cli/command.h"
#include "quant/ops.h"
#include "tools/npy.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma logits --model PATH (--tokens 4,17,99 | --tokens-file F) "
    "--out FILE.npy\n"
    "                      [--chunk K] [--threads N] [--kv f32|f16] "
    "[--quantize q8_0|q4_0]\n"
    "                      [--act q8|f32]\n"
    "  PATH: an HF checkpoint directory or a GGUF file. --chunk K feeds K "
    "tokens per forward\n"
    "  call (1 = token by token; default: all at once). --tokens-file: ids "
    "separated by commas\n"
    "  or white space. Writes float32 [n_tokens, vocab], logits after the "
    "final softcap.\n"
    "  --act: activations of Q4_0/Q8_0 weight products, q8 (default, int8 "
    "kernels) or f32\n"
    "  (exact: the f32 result on the dequantized weights).\n";

struct Args {
  std::string model, tokens, tokens_file, out, kv = "f32", quantize;
  int chunk = 0, threads = 1;
  ActType act = ActType::kQ8_0;
};

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma logits: %s\n", msg.c_str());
  return 1;
}

bool ParseInt(const char* s, int* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > (1 << 24)) return false;
  *out = static_cast<int>(v);
  return true;
}

// Returns "" on success, else the error.
std::string ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) return "option " + k + " needs a value (or is unknown)";
    const char* v = argv[++i];
    if (k == "--model") {
      a->model = v;
    } else if (k == "--tokens") {
      a->tokens = v;
    } else if (k == "--tokens-file") {
      a->tokens_file = v;
    } else if (k == "--out") {
      a->out = v;
    } else if (k == "--kv") {
      a->kv = v;
    } else if (k == "--act") {
      if (!ParseActType(v, &a->act)) return "--act must be q8 or f32";
    } else if (k == "--quantize") {
      a->quantize = v;
    } else if (k == "--chunk") {
      if (!ParseInt(v, &a->chunk)) return "--chunk must be a positive integer";
    } else if (k == "--threads") {
      if (!ParseInt(v, &a->threads))
        return "--threads must be a positive integer";
    } else {
      return "unknown option " + k;
    }
  }
  if (a->model.empty()) return "--model is required";
  if (a->out.empty()) return "--out is required";
  if (a->tokens.empty() == a->tokens_file.empty())
    return "give exactly one of --tokens, --tokens-file";
  if (a->kv != "f32" && a->kv != "f16") return "--kv must be f32 or f16";
  if (!a->quantize.empty() && a->quantize != "q8_0" && a->quantize != "q4_0") {
    return "--quantize must be q8_0 or q4_0";
  }
  return "";
}

// Ids separated by commas and/or white space.
Result<std::vector<int32_t>> ParseIds(std::string text,
                                      const std::string& what) {
  for (char& c : text) {
    if (c == ',') c = ' ';
  }
  std::istringstream in(text);
  std::vector<int32_t> ids;
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(word.c_str(), &end, 10);
    if (errno || *end || v < 0 || v > INT32_MAX) {
      return InvalidArgument(what + ": '" + word + "' is not a token id");
    }
    ids.push_back(static_cast<int32_t>(v));
  }
  if (ids.empty()) return InvalidArgument(what + ": no token ids");
  return ids;
}

Result<std::vector<int32_t>> ReadIds(const Args& a) {
  if (!a.tokens.empty()) return ParseIds(a.tokens, "--tokens");
  std::ifstream f(a.tokens_file);
  if (!f) return NotFound(a.tokens_file + ": cannot read");
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseIds(ss.str(), a.tokens_file);
}

Status Run(const Args& a) {
  EM_ASSIGN_OR_RETURN(std::vector<int32_t> ids, ReadIds(a));
  LoadOptions lo;
  if (a.quantize == "q8_0") lo.quantize = DType::kQ8_0;
  if (a.quantize == "q4_0") lo.quantize = DType::kQ4_0;
  EM_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::Load(a.model, lo));
  const int n = static_cast<int>(ids.size());
  const int64_t vocab = model->text().vocab;
  for (int t = 0; t < n; ++t) {
    if (ids[t] >= vocab) {
      return InvalidArgument("token id " + std::to_string(ids[t]) +
                             " at index " + std::to_string(t) +
                             " is >= the vocabulary size " +
                             std::to_string(vocab));
    }
  }
  SessionOptions so;
  so.ctx = n;
  so.max_batch = a.chunk > 0 ? std::min(a.chunk, n) : n;
  so.n_threads = a.threads;
  so.kv_type = a.kv == "f16" ? KvType::kF16 : KvType::kF32;
  so.act_type = a.act;
  so.all_logits = true;
  EM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                      Session::Create(*model, so));
  NpyF32Writer out;
  EM_RETURN_IF_ERROR(out.Open(a.out, {n, vocab}));
  for (int start = 0; start < n; start += so.max_batch) {
    Batch b;
    b.tokens = ids.data() + start;
    b.n = std::min(so.max_batch, n - start);
    EM_RETURN_IF_ERROR(session->Prefill(b));
    for (int r = 0; r < b.n; ++r)
      EM_RETURN_IF_ERROR(out.Append(session->logits_row(r), vocab));
  }
  return out.Finish();
}

int LogitsMain(int argc, char** argv) {
  if (argc >= 2 &&
      (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Args a;
  const std::string err = ParseArgs(argc, argv, &a);
  if (!err.empty()) {
    std::fputs(kUsage, stderr);
    return Fail(err) + 1;
  }
  Status st = Run(a);
  if (!st.ok()) return Fail(st.ToString());
  return 0;
}

}  // namespace

EDGEMMA_COMMAND(
    "logits",
    "logits of every position of a token list, as .npy (developer tool)",
    LogitsMain);

}  // namespace edgemma::cli
