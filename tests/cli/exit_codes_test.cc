// Exit codes of every `edgemma` subcommand: 0 for --help, 2 for a usage error
// (an unknown flag, a bad flag value), 1 for a runtime or data error (a
// missing file, a bad input line). The table must list every command that
// `edgemma --help` prints, so a new command cannot skip it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/test_dir.h"

namespace edgemma::test {
namespace {

struct CommandCase {
  std::string name;
  // A known flag with a bad value ("" if no flag takes a checked value).
  std::string bad_value;
  // Well-formed arguments that fail at run time, with NAME=VALUE set in the
  // environment meanwhile if failing_env is given.
  std::string failing;
  std::string failing_env = "";
};

std::vector<CommandCase> Cases(const TempDir& dir) {
  const std::string missing = "/nonexistent-exit-codes/model.gguf";
  const std::string bad_line = " < '" + dir.path() + "/bad.jsonl'";
  WriteText(dir.path() + "/bad.jsonl", "{broken\n");
  const std::string out = " '" + dir.path() + "/out'";
  return {
      {"run", "-m m -p hi --threads 0", "-m " + missing + " -p hi"},
      {"chat", "-m m --temp x", "-m " + missing + " < /dev/null"},
      {"logits", "--model m --tokens 1 --out o --chunk 0",
       "--model " + missing + " --tokens 1 --out" + out},
      {"inspect", "", missing},
      {"info", "", " ", "EDGEMMA_KERNELS=no-such-variant"},
      {"quantize", "a b --type q3_k", missing + out},
      {"synth", "--config e2b --seed -1" + out,
       "--config /nonexistent-exit-codes/config.json" + out},
      {"tokenize", "", "--tokenizer " + missing + " < /dev/null"},
      {"detokenize", "", "--tokenizer " + missing + " --jsonl < /dev/null"},
      {"chat-format", "", "--jsonl" + bad_line},
      {"parse-response", "", "--jsonl" + bad_line},
      {"bench", "-m m --ctx 1,x", "-m " + missing + " --quick"},
      {"image-embed", "--model m --image i --out o --budget 100",
       "--model " + missing + " --image i --out" + out},
      {"audio-embed", "--model m --wav a.wav --out o --stream-chunk-ms 0",
       "--model " + missing + " --wav a.wav --out" + out},
      {"audio-features", "", "--wav /nonexistent-exit-codes/a.wav --out" + out},
      {"transcribe", "-m m -n 0 a.wav", "-m " + missing + " a.wav"},
      {"assistant", "-m m --input a.wav --ctx 1",
       "-m " + missing + " --input a.wav"},
      {"listen", "-m m --input a.wav --out o --end-silence-ms 0",
       "-m " + missing + " --input a.wav --out" + out},
      {"image-preprocess", "--image i.png --budget 100 --out o --pos-out p",
       "--image /nonexistent-exit-codes/i.png --out" + out + " --pos-out" +
           out},
  };
}

// Command names from `edgemma --help` ("  <name>   <summary>" lines).
std::set<std::string> ListedCommands() {
  const CliResult r = RunCli("--help");
  std::set<std::string> names;
  std::istringstream in(r.output);
  std::string line;
  bool in_list = false;
  while (std::getline(in, line)) {
    if (line == "commands:") {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0) {
      std::istringstream words(line);
      std::string name;
      words >> name;
      names.insert(name);
    }
  }
  return names;
}

TEST(CliExitCodes, EveryCommand) {
  TempDir dir;
  const std::set<std::string> listed = ListedCommands();
  ASSERT_GE(listed.size(), 10u);
  std::set<std::string> tested;
  for (const CommandCase& c : Cases(dir)) {
    if (!listed.count(c.name)) continue;  // bench: only with the benchmarks
    SCOPED_TRACE(c.name);
    tested.insert(c.name);
    CliResult r = RunCli(c.name + " --help");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("usage: edgemma " + c.name), std::string::npos);
    r = RunCli(c.name + " --no-such-flag");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("edgemma " + c.name +
                            ": unknown option "
                            "'--no-such-flag'"),
              std::string::npos)
        << r.output;
    if (!c.bad_value.empty()) {
      r = RunCli(c.name + " " + c.bad_value);
      EXPECT_EQ(r.code, 2) << r.output;
    }
    if (!c.failing.empty()) {
      const size_t eq = c.failing_env.find('=');
      if (eq != std::string::npos) {
        setenv(c.failing_env.substr(0, eq).c_str(),
               c.failing_env.substr(eq + 1).c_str(), 1);
      }
      r = RunCli(c.name + " " + c.failing);
      if (eq != std::string::npos)
        unsetenv(c.failing_env.substr(0, eq).c_str());
      EXPECT_EQ(r.code, 1) << r.output;
      EXPECT_NE(r.output.find("edgemma " + c.name + ": "), std::string::npos)
          << r.output;
    }
  }
  EXPECT_EQ(tested, listed) << "a command without a row in Cases()";
}

TEST(CliExitCodes, TopLevel) {
  EXPECT_EQ(RunCli("").code, 2);
  EXPECT_EQ(RunCli("no-such-command").code, 2);
  EXPECT_EQ(RunCli("--help").code, 0);
}

}  // namespace
}  // namespace edgemma::test
