// `edgemma logits`: runs token ids through the model and writes the logits of
// every position (after the final softcap) as a float32 .npy [n_tokens, vocab].
// A developer tool for comparing against reference implementations.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/gemma4/model.h"
#include "core/gemma4/session.h"
#include "examples/cli/cli_image.h"
#include "examples/cli/cli_media.h"
#include "examples/cli/cli_vision.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "quant/ops.h"
#include "tools/npy.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma logits --model PATH (--tokens 4,17,99 | --tokens-file F) "
    "--out FILE.npy\n"
    "                      [--chunk K] [--threads N] [--kv f32|f16] "
    "[--quantize q8_0|q4_0]\n"
    "                      [--act q8|f32] [--audio F.wav ...] [--image F.png "
    "...]\n"
    "                      [--budget B]\n"
    "  PATH: an HF checkpoint directory or a GGUF file. --chunk K feeds K "
    "tokens per forward\n"
    "  call (1 = token by token; default: all at once). --tokens-file: ids "
    "separated by commas\n"
    "  or white space. Writes float32 [n_tokens, vocab], logits after the "
    "final softcap.\n"
    "  --act: activations of Q4_0/Q8_0 weight products, q8 (default, int8 "
    "kernels) or f32\n"
    "  (exact: the f32 result on the dequantized weights).\n"
    "  --audio F: a sound file whose soft tokens fill the next block of audio "
    "placeholders\n"
    "  (<|audio|> ids) in the order the blocks appear; repeat for several "
    "blocks. The\n"
    "  number of placeholders must equal the file's soft tokens (25 per "
    "second).\n"
    "  --image F: an image file whose soft tokens fill the next block of "
    "image\n"
    "  placeholders (<|image|> ids), likewise; --budget B (70, 140, 280 "
    "(default),\n"
    "  560, 1120) sets its soft-token count N <= B (image-embed prints N). "
    "Audio and\n"
    "  image blocks may be mixed; each kind is filled in its own order.\n";

struct Args {
  std::string model, tokens, tokens_file, out, kv = "f32", quantize;
  std::vector<std::string> audio, image;
  int budget = 280;
  int chunk = 0, threads = 1;
  ActType act = ActType::kQ8_0;
};

constexpr char kCmd[] = "logits";

// Returns nullopt to go on, else the exit code (help, usage error).
std::optional<int> ParseArgs(int argc, char** argv, Args* a, Flags* flags) {
  flags->String("-m,--model", &a->model)
      .String("--tokens", &a->tokens)
      .String("--tokens-file", &a->tokens_file)
      .String("--out", &a->out)
      .Choice("--kv", &a->kv, {"f32", "f16"})
      .Choice("--quantize", &a->quantize, {"q8_0", "q4_0"})
      .Custom("--act",
              [a](const char* v) {
                return ParseActType(v, &a->act) ? ""
                                                : "--act must be q8 or f32";
              })
      .Strings("--audio", &a->audio)
      .Int("--chunk", &a->chunk, 1, 1 << 24)
      .Int("--threads", &a->threads, 1, 1024)
      .Strings("--audio", &a->audio)
      .Strings("--image", &a->image)
      .Custom("--budget", [a](const char* v) {
        Result<int> b = ParseImageBudget(v);
        if (!b.ok()) return b.status().message();
        a->budget = b.value();
        return std::string();
      });
  if (auto rc = flags->Parse(argc, argv)) return rc;
  if (a->model.empty()) return flags->UsageError("--model is required");
  if (a->out.empty()) return flags->UsageError("--out is required");
  if (a->tokens.empty() == a->tokens_file.empty())
    return flags->UsageError("give exactly one of --tokens, --tokens-file");
  return std::nullopt;
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
    int64_t v = 0;
    if (!ParseInt(word, 0, INT32_MAX, &v))
      return InvalidArgument(what + ": '" + word + "' is not a token id");
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
  // Media soft tokens at their placeholder blocks (empty: ids only).
  std::vector<float> emb;
  std::vector<uint8_t> use;
  if (!a.audio.empty() || !a.image.empty()) {
    std::vector<MediaSource> sources;
    if (!a.audio.empty()) {
      EM_ASSIGN_OR_RETURN(
          MediaSource audio,
          AudioSource(a.model, model->config(), a.threads, a.act, a.audio));
      sources.push_back(std::move(audio));
    }
    if (!a.image.empty()) {
      EM_ASSIGN_OR_RETURN(MediaSource image,
                          ImageSource(a.model, model->config(), a.threads,
                                      a.act, a.budget, a.image));
      sources.push_back(std::move(image));
    }
    EM_RETURN_IF_ERROR(FillMediaBlocks(
        ids, static_cast<int>(model->text().d_model), sources, &emb, &use));
  }
  NpyF32Writer out;
  EM_RETURN_IF_ERROR(out.Open(a.out, {n, vocab}));
  for (int start = 0; start < n; start += so.max_batch) {
    Batch b;
    b.tokens = ids.data() + start;
    b.n = std::min(so.max_batch, n - start);
    if (!use.empty()) {
      b.embeddings =
          emb.data() + static_cast<size_t>(start) * model->text().d_model;
      b.use_embedding = use.data() + start;
    }
    EM_RETURN_IF_ERROR(session->Prefill(b));
    for (int r = 0; r < b.n; ++r)
      EM_RETURN_IF_ERROR(out.Append(session->logits_row(r), vocab));
  }
  return out.Finish();
}

int LogitsMain(int argc, char** argv) {
  Args a;
  Flags flags(kCmd, kUsage);
  if (auto rc = ParseArgs(argc, argv, &a, &flags)) return *rc;
  const Status st = Run(a);
  return st.ok() ? kExitOk : flags.Fail(st);
}

}  // namespace

EDGEMMA_COMMAND(
    "logits",
    "logits of every position of a token list, as .npy (developer tool)",
    LogitsMain);

}  // namespace edgemma::cli
