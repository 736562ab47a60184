// Subcommand registry for the `edgemma` CLI. Each cmd_<name>.cc registers
// itself with EDGEMMA_COMMAND; main.cc dispatches on argv[1]. Commands return
// the process exit code and print errors as "edgemma <cmd>: <message>" on
// stderr.
#ifndef EDGEMMA_EXAMPLES_CLI_COMMAND_H_
#define EDGEMMA_EXAMPLES_CLI_COMMAND_H_

namespace edgemma::cli {

// argv[0] is the subcommand name; argc counts it.
using CommandFn = int (*)(int argc, char** argv);

struct Command {
  const char* name;
  const char* summary;  // one line for `edgemma --help`
  CommandFn fn;
};

// Called from static initializers; keeps at most 64 commands in a fixed table.
bool RegisterCommand(const char* name, const char* summary, CommandFn fn);

}  // namespace edgemma::cli

#define EDGEMMA_COMMAND(name, summary, fn)   \
  static const bool em_cmd_registered_##fn = \
      ::edgemma::cli::RegisterCommand(name, summary, fn)

#endif  // EDGEMMA_EXAMPLES_CLI_COMMAND_H_
