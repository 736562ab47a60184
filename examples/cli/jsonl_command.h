// Shared plumbing for the small JSON-lines commands (tokenize, detokenize,
// chat-format, parse-response): the stdin loop that turns each non-empty
// input line into one output line. Flags: examples/cli/flags.h.
#ifndef EDGEMMA_EXAMPLES_CLI_JSONL_COMMAND_H_
#define EDGEMMA_EXAMPLES_CLI_JSONL_COMMAND_H_

#include <functional>
#include <string>

namespace edgemma::cli {

// Handles one input line: returns the output line, or an error message
// (without the line number) in `*error`.
using JsonLineFn =
    std::function<std::string(const std::string& line, std::string* error)>;

// Runs `fn` over every non-empty line of stdin, printing each result on its
// own line. A line that fails prints {"error": "<message>", "line": N} (N
// counts every stdin line from 1) in its place and the run goes on; returns
// 0, or 1 (with a count on stderr) if any line failed.
int RunJsonLines(const char* cmd, const JsonLineFn& fn);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_JSONL_COMMAND_H_
