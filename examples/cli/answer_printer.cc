#include "examples/cli/answer_printer.h"

#include <unistd.h>

#include <cstdio>

namespace edgemma::cli {

AnswerPrinter::AnswerPrinter() : tty_(isatty(fileno(stderr)) == 1) {
  if (edgemma_response_stream_create(&stream_) != EDGEMMA_OK) {
    std::fprintf(stderr, "edgemma: response stream: %s\n",
                 edgemma_last_error());
    stream_ = nullptr;
  }
}

AnswerPrinter::~AnswerPrinter() { edgemma_response_stream_free(stream_); }

void AnswerPrinter::Piece(const char* text, size_t len) {
  if (stream_ != nullptr)
    edgemma_response_stream_feed(stream_, text, len, OnPart, this);
}

void AnswerPrinter::Finish() {
  if (stream_ != nullptr) edgemma_response_stream_finish(stream_, OnPart, this);
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

void AnswerPrinter::OnPart(edgemma_part_kind kind, const char* text, size_t len,
                           void* user) {
  auto* p = static_cast<AnswerPrinter*>(user);
  if (kind == EDGEMMA_PART_THINKING) {
    if (!p->in_thought_) {
      std::fflush(stdout);
      std::fprintf(stderr, "[thinking]\n%s", p->tty_ ? "\x1b[2m" : "");
      p->in_thought_ = true;
    }
    std::fwrite(text, 1, len, stderr);
    std::fflush(stderr);
    return;
  }
  p->EndThought();
  if (kind == EDGEMMA_PART_TOOL_CALL) std::printf("\n[tool call] ");
  std::fwrite(text, 1, len, stdout);
  if (kind == EDGEMMA_PART_TOOL_CALL) std::printf("\n");
  std::fflush(stdout);
}

}  // namespace edgemma::cli
