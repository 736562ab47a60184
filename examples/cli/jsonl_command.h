// Shared plumbing for the small JSON-lines commands (tokenize, detokenize,
// chat-format, parse-response): flag parsing with --help, and the stdin loop
// that turns each non-empty input line into one output line.
#ifndef EDGEMMA_EXAMPLES_CLI_JSONL_COMMAND_H_
#define EDGEMMA_EXAMPLES_CLI_JSONL_COMMAND_H_

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

namespace edgemma::cli {

// Prints "edgemma <cmd>: <msg>" on stderr; returns exit code 1.
int FailCommand(const char* cmd, const std::string& msg);

// A command-line flag: a boolean switch (`value` null) or an option taking
// one argument stored into `*value`.
struct Flag {
  const char* name;
  bool* set = nullptr;
  std::string* value = nullptr;
};

// Parses argv[1..argc) against `flags`. --help/-h prints `usage` on stdout.
// Returns the exit code when the command should stop now (help: 0; unknown
// or incomplete option: usage on stderr, then 1), nullopt to go on.
std::optional<int> ParseFlags(const char* cmd, const char* usage, int argc,
                              char** argv, std::initializer_list<Flag> flags);

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
