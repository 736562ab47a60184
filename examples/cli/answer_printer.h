// Prints a streamed Gemma 4 answer for `run` and `chat`: the thought channel
// on stderr (dimmed on a terminal, framed by "[thinking]"), the answer on
// stdout, completed tool calls as "[tool call] {...}" lines on stdout.
// Pieces must be decoded with control tokens kept (stream_special = 1).
#ifndef EDGEMMA_EXAMPLES_CLI_ANSWER_PRINTER_H_
#define EDGEMMA_EXAMPLES_CLI_ANSWER_PRINTER_H_

#include <cstddef>
#include <string>

#include "core/text/response_stream.h"

namespace edgemma::cli {

class AnswerPrinter {
 public:
  AnswerPrinter();
  // One decoded piece (control tokens included).
  void Piece(const char* text, size_t len);
  // End of the answer: prints what was held back and a final newline.
  void Finish();
  // The raw answer so far (what a conversation keeps; the chat template
  // strips its thought channel when re-rendering).
  const std::string& raw() const { return stream_.raw(); }

 private:
  void Print(const ResponseDelta& d);
  void EndThought();

  ResponseStream stream_;
  bool tty_ = false;
  bool in_thought_ = false;
};

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_ANSWER_PRINTER_H_
