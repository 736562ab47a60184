// `edgemma chat -m MODEL`: interactive multi-turn chat on stdin/stdout. Each
// turn re-renders the whole conversation with the chat template (which strips
// earlier thoughts) and edgemma_generate re-prefills only from the first token
// that differs from the KV cache. Ctrl-C stops the current answer; Ctrl-C at
// the prompt or EOF exits. --save appends every completed turn to a JSON-lines
// file as it happens.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgemma.h"
#include "examples/cli/answer_printer.h"
#include "examples/cli/cli_generate.h"
#include "examples/cli/command.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma chat -m MODEL [options]\n"
    "  Interactive chat: type a message and press Enter. Ctrl-C stops the "
    "current answer;\n"
    "  Ctrl-C at the prompt or EOF (Ctrl-D) exits.\n"
    "options:\n"
    "      --save FILE      append each turn to FILE as JSON lines "
    "({\"role\",\"content\"})\n"
    "  The thought channel (--think) goes to stderr between [thinking] and\n"
    "  [/thinking]; the answer to stdout; tool calls as [tool call] lines.\n";

struct Turn {
  std::string role, content;
};

struct ChatState {
  const edgemma_model* model;
  std::string answer;  // raw text incl. control tokens (thoughts are stripped
                       // by the template)
  AnswerPrinter* printer;  // this turn's display
};

bool IsStop(const edgemma_model* m, int32_t token) {
  for (int32_t i = 0; i < edgemma_model_n_eos(m); ++i) {
    if (token == edgemma_model_eos(m, i)) return true;
  }
  return false;
}

int32_t OnToken(int32_t token, const char* piece, size_t len, void* user) {
  auto* st = static_cast<ChatState*>(user);
  if (IsStop(st->model, token)) return 1;
  st->answer.append(piece, len);
  st->printer->Piece(piece, len);
  return 1;
}

int32_t ShouldAbort(void*) { return InterruptRequested() ? 1 : 0; }

edgemma_status Render(const edgemma_model* model,
                      const std::vector<Turn>& turns, bool think,
                      std::string* out) {
  std::vector<edgemma_message> msgs;
  for (const Turn& t : turns)
    msgs.push_back({t.role.c_str(), t.content.c_str()});
  size_t len = 0;
  const int32_t n = static_cast<int32_t>(msgs.size());
  edgemma_status st =
      edgemma_chat_prompt(model, msgs.data(), n, 1, think, nullptr, 0, &len);
  if (st != EDGEMMA_OK) return st;
  out->resize(len + 1);
  st = edgemma_chat_prompt(model, msgs.data(), n, 1, think, &(*out)[0],
                           out->size(), &len);
  out->resize(len);
  return st;
}

// Appends one JSON line and flushes, so a crash or kill loses at most the
// current turn.
bool SaveTurn(FILE* f, const Turn& t) {
  if (f == nullptr) return true;
  nlohmann::json j = {{"role", t.role}, {"content", t.content}};
  const std::string line =
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return std::fprintf(f, "%s\n", line.c_str()) > 0 && std::fflush(f) == 0;
}

// Reads one line; false on EOF or Ctrl-C.
bool ReadLine(std::string* line) {
  line->clear();
  char buf[4096];
  while (std::fgets(buf, sizeof(buf), stdin) != nullptr) {
    *line += buf;
    if (!line->empty() && line->back() == '\n') {
      line->pop_back();
      return true;
    }
  }
  return !line->empty() && !InterruptRequested();
}

int Chat(int argc, char** argv) {
  std::string usage = std::string(kUsage) + kGenFlagsHelp;
  GenFlags f;
  const int parsed =
      ParseGenFlags(argc, argv, "chat", usage.c_str(), /*is_chat=*/true, &f);
  if (parsed >= 0) return parsed;
  FILE* save = nullptr;
  if (!f.save.empty() && (save = std::fopen(f.save.c_str(), "a")) == nullptr) {
    std::fprintf(stderr, "edgemma chat: cannot open --save file %s\n",
                 f.save.c_str());
    return 1;
  }
  // The next turn may re-tokenize the last answer differently from the sampled
  // ids (or strip its thoughts): keep enough sliding-window history to rewind
  // over one answer.
  f.rewind = f.max_tokens + 64;
  Loaded l;
  if (!LoadModel(f, "chat", &l)) return 1;
  InstallInterruptHandler();
  std::vector<Turn> turns;
  if (!f.system.empty()) turns.push_back({"system", f.system});
  ChatState state{l.model, {}, nullptr};
  edgemma_generate_params gp = MakeGenerateParams(f, l.model);
  gp.on_token = OnToken;
  gp.should_abort = ShouldAbort;
  gp.user_data = &state;
  gp.stream_special = 1;  // keep thought markers: the printer shows them apart
                          // and the template strips them from the history
  int rc = 0;
  std::string line, prompt;
  for (;;) {
    std::fprintf(stdout, "> ");
    std::fflush(stdout);
    ClearInterrupt();
    if (!ReadLine(&line)) break;
    if (line.empty()) continue;
    turns.push_back({"user", line});
    if (!SaveTurn(save, turns.back()))
      std::fprintf(stderr, "edgemma chat: --save write failed\n");
    edgemma_status st = Render(l.model, turns, f.think, &prompt);
    edgemma_generate_stats stats;
    state.answer.clear();
    AnswerPrinter printer;
    state.printer = &printer;
    if (st == EDGEMMA_OK)
      st = edgemma_generate(l.session, prompt.c_str(), &gp, &stats);
    printer.Finish();
    // The (possibly interrupted) answer stays in the conversation.
    turns.push_back({"assistant", state.answer});
    if (!SaveTurn(save, turns.back()))
      std::fprintf(stderr, "edgemma chat: --save write failed\n");
    if (st != EDGEMMA_OK) {
      std::fprintf(stderr, "edgemma chat: %s: %s\n", edgemma_status_name(st),
                   edgemma_last_error());
      rc = 1;
      break;
    }
    if (!f.quiet) PrintStats(l, stats, f.seed);
    gp.sampling.seed += 1;  // a fresh but reproducible stream per turn
  }
  std::printf("\n");
  if (save != nullptr) std::fclose(save);
  return rc;
}

}  // namespace

EDGEMMA_COMMAND("chat",
                "interactive multi-turn chat (KV cache reused across turns)",
                Chat);

}  // namespace edgemma::cli
