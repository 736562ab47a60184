// `edgemma`: one executable with subcommands (run, chat, logits, inspect, info,
// quantize, ...).
#include <cstdio>
#include <cstring>

#include "examples/cli/command.h"
#include "platform/mapped_file.h"

namespace edgemma::cli {
namespace {

Command g_commands[64];
int g_n_commands = 0;

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "usage: edgemma <command> [options]\n"
               "       edgemma <command> --help\n\ncommands:\n");
  for (int i = 0; i < g_n_commands; ++i) {
    std::fprintf(out, "  %-16s %s\n", g_commands[i].name,
                 g_commands[i].summary);
  }
}

}  // namespace

bool RegisterCommand(const char* name, const char* summary, CommandFn fn) {
  if (g_n_commands >= 64) return false;
  g_commands[g_n_commands++] = Command{name, summary, fn};
  return true;
}

int Main(int argc, char** argv) {
  // A model file truncated while mapped: a clear message and exit 1, not a
  // bare "Bus error" (platform/mapped_file.h).
  InstallMappedFileFaultHandler("edgemma");
  if (argc < 2 || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (int i = 0; i < g_n_commands; ++i) {
    if (!std::strcmp(argv[1], g_commands[i].name))
      return g_commands[i].fn(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "edgemma: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}

}  // namespace edgemma::cli

int main(int argc, char** argv) { return edgemma::cli::Main(argc, argv); }
