// `edgemma run -m MODEL -p TEXT`: one answer, streamed to stdout as it is
// generated, with load/prompt/generation speed and peak memory on stderr. Built
// on the public C API only.
#include <cstdio>
#include <string>
#include <vector>

#include "edgemma.h"
#include "examples/cli/answer_printer.h"
#include "examples/cli/cli_generate.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma run -m MODEL -p TEXT [options]\n"
    "  Generates one answer to TEXT (with the Gemma 4 chat template unless "
    "--raw) and\n"
    "  streams it to stdout; statistics go to stderr. Ctrl-C stops the "
    "answer.\n"
    "options:\n"
    "  -p, --prompt TEXT    the user message (required)\n"
    "      --raw            feed TEXT as is (after BOS), no chat template, "
    "and\n"
    "                       print the output as is\n"
    "  The thought channel (--think) goes to stderr between [thinking] and\n"
    "  [/thinking]; the answer to stdout; tool calls as [tool call] lines.\n";

struct RunState {
  const edgemma_model* model;
  AnswerPrinter* printer;  // null with --raw: pieces are printed as they come
};

int32_t OnToken(int32_t token, const char* piece, size_t len, void* user) {
  const auto* st = static_cast<RunState*>(user);
  for (int32_t i = 0; i < edgemma_model_n_eos(st->model); ++i) {
    if (token == edgemma_model_eos(st->model, i))
      return 1;  // stop ids are not printed
  }
  if (st->printer != nullptr) {
    st->printer->Piece(piece, len);
  } else {
    std::fwrite(piece, 1, len, stdout);
    std::fflush(stdout);
  }
  return 1;
}

int32_t ShouldAbort(void*) { return InterruptRequested() ? 1 : 0; }

int Fail(const char* what, edgemma_status st) {
  std::fprintf(stderr, "edgemma run: %s: %s: %s\n", what,
               edgemma_status_name(st), edgemma_last_error());
  return 1;
}

// The rendered chat prompt, or for --raw "<bos>" + TEXT as ids.
edgemma_status BuildPrompt(const GenFlags& f, const edgemma_model* model,
                           std::vector<int32_t>* ids) {
  std::string text;
  if (f.raw) {
    ids->push_back(edgemma_model_bos(model));
    text = f.prompt;
  } else {
    std::vector<edgemma_message> msgs;
    if (!f.system.empty()) msgs.push_back({"system", f.system.c_str()});
    msgs.push_back({"user", f.prompt.c_str()});
    size_t len = 0;
    edgemma_status st = edgemma_chat_prompt(
        model, msgs.data(), static_cast<int32_t>(msgs.size()), 1,
        f.think ? 1 : 0, nullptr, 0, &len);
    if (st != EDGEMMA_OK) return st;
    text.resize(len + 1);
    st = edgemma_chat_prompt(model, msgs.data(),
                             static_cast<int32_t>(msgs.size()), 1,
                             f.think ? 1 : 0, &text[0], text.size(), &len);
    if (st != EDGEMMA_OK) return st;
    text.resize(len);
  }
  int32_t n = 0;
  edgemma_status st =
      edgemma_tokenize(model, text.c_str(), f.raw ? 0 : 1, nullptr, 0, &n);
  if (st != EDGEMMA_OK) return st;
  const size_t base = ids->size();
  ids->resize(base + static_cast<size_t>(n));
  return edgemma_tokenize(model, text.c_str(), f.raw ? 0 : 1,
                          ids->data() + base, n, &n);
}

int Run(int argc, char** argv) {
  std::string usage = std::string(kUsage) + kGenFlagsHelp;
  GenFlags f;
  const int parsed =
      ParseGenFlags(argc, argv, "run", usage.c_str(), /*is_chat=*/false, &f);
  if (parsed >= 0) return parsed;
  Loaded l;
  if (!LoadModel(f, "run", &l)) return 1;
  std::vector<int32_t> ids;
  edgemma_status st = BuildPrompt(f, l.model, &ids);
  if (st != EDGEMMA_OK) return Fail("prompt", st);
  InstallInterruptHandler();
  AnswerPrinter printer;
  RunState state{l.model, f.raw ? nullptr : &printer};
  edgemma_generate_params gp = MakeGenerateParams(f, l.model);
  gp.stream_special = f.raw ? 0 : 1;  // the printer needs the channel markers
  gp.on_token = OnToken;
  gp.should_abort = ShouldAbort;
  gp.user_data = &state;
  edgemma_generate_stats stats;
  st = edgemma_generate_tokens(l.session, ids.data(),
                               static_cast<int32_t>(ids.size()), &gp, &stats);
  if (f.raw) {
    std::printf("\n");
    std::fflush(stdout);
  } else {
    printer.Finish();
  }
  // The context filling up during the answer ends it like max_tokens; a
  // prompt that does not fit at all is an error.
  const bool truncated =
      st == EDGEMMA_ERR_CONTEXT_FULL && stats.generated_tokens > 0;
  if (!f.quiet && (st == EDGEMMA_OK || truncated)) {
    PrintStats(l, stats, f.seed);
  }
  if (truncated) {
    std::fprintf(stderr, "edgemma run: %s\n", edgemma_last_error());
    return 0;
  }
  return st == EDGEMMA_OK ? 0 : Fail("generate", st);
}

}  // namespace

EDGEMMA_COMMAND("run",
                "generate one answer to a prompt (streams text, prints speed)",
                Run);

}  // namespace edgemma::cli
