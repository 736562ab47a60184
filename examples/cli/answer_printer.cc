#include "examples/cli/answer_printer.h"

#include <unistd.h>

#include <cstdio>

namespace edgemma::cli {

AnswerPrinter::AnswerPrinter() : tty_(isatty(fileno(stderr)) == 1) {}

void AnswerPrinter::Piece(const char* text, size_t len) {
  Print(stream_.Feed(std::string_view(text, len)));
}

void AnswerPrinter::Finish() {
  Print(stream_.Finish());
  EndThought();
  std::printf("\n");
  std::fflush(stdout);
}

void AnswerPrinter::EndThought() {
  if (!in_thought_) return;
  std::fprintf(stderr, "%s\n[/thinking]\n", tty_ ? "\x1b[0m" : "");
  std::fflush(stderr);
  in_thought_ = false;
}

void AnswerPrinter::Print(const ResponseDelta& d) {
  if (d.thinking_started || (!d.thinking.empty() && !in_thought_)) {
    std::fflush(stdout);
    std::fprintf(stderr, "[thinking]\n%s", tty_ ? "\x1b[2m" : "");
    in_thought_ = true;
  }
  if (!d.thinking.empty()) {
    std::fwrite(d.thinking.data(), 1, d.thinking.size(), stderr);
    std::fflush(stderr);
  }
  if (!d.content.empty() || !d.tool_calls.empty()) EndThought();
  if (!d.content.empty())
    std::fwrite(d.content.data(), 1, d.content.size(), stdout);
  for (const ParsedToolCall& c : d.tool_calls) {
    std::printf("\n[tool call] {\"name\": \"%s\", \"arguments\": %s}\n",
                c.name.c_str(), c.arguments_json.c_str());
  }
  std::fflush(stdout);
}

}  // namespace edgemma::cli
