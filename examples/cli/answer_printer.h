// Prints a streamed Gemma 4 answer for `run` and `chat`: the thought channel
// on stderr (dimmed on a terminal, framed by "[thinking]"), the answer on
// stdout, completed tool calls as "[tool call] {...}" lines on stdout. Built
// on the C API's response stream (edgemma_response_stream_*); pieces must be
// decoded with control tokens kept (stream_special = 1).
#ifndef EDGEMMA_EXAMPLES_CLI_ANSWER_PRINTER_H_
#define EDGEMMA_EXAMPLES_CLI_ANSWER_PRINTER_H_

#include <cstddef>

#include "edgemma.h"

namespace edgemma::cli {

class AnswerPrinter {
 public:
  AnswerPrinter();
  ~AnswerPrinter();
  AnswerPrinter(const AnswerPrinter&) = delete;
  AnswerPrinter& operator=(const AnswerPrinter&) = delete;

  // One decoded piece (control tokens included).
  void Piece(const char* text, size_t len);
  // End of the answer: prints what was held back and a final newline.
  void Finish();

 private:
  static void OnPart(edgemma_part_kind kind, const char* text, size_t len,
                     void* user);
  void EndThought();

  edgemma_response_stream* stream_ = nullptr;  // null if creation failed
  bool tty_ = false;
  bool in_thought_ = false;
};

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_ANSWER_PRINTER_H_
