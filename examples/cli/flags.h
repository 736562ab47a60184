// Command-line flags and numbers for every `edgemma` subcommand: one parser,
// one set of integer/float readers, one set of exit codes.
//
//   Flags flags("logits", kUsage);
//   flags.String("-m,--model", &a.model).Int("--chunk", &a.chunk, 1, 1 << 24)
//        .Choice("--kv", &a.kv, {"f32", "f16"}).Switch("--quick", &a.quick);
//   if (auto rc = flags.Parse(argc, argv)) return *rc;   // --help: 0, bad: 2
//   ...
//   if (!status.ok()) return flags.Fail(status);          // runtime/data: 1
#ifndef EDGEMMA_EXAMPLES_CLI_FLAGS_H_
#define EDGEMMA_EXAMPLES_CLI_FLAGS_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace edgemma::cli {

// Exit codes of every command.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // runtime or data error (bad file, bad input)
constexpr int kExitUsage = 2;    // bad command line (unknown flag, bad value)

// Whole-text number readers: false unless all of `s` is one number within
// [lo, hi] (no sign on ParseUint64; ParseFloat rejects nan and inf).
bool ParseInt(std::string_view s, int64_t lo, int64_t hi, int64_t* out);
bool ParseUint64(std::string_view s, uint64_t* out);
bool ParseFloat(std::string_view s, double lo, double hi, double* out);
// Integers within [lo, hi] separated by commas and/or white space; false if
// any item is not one, or there is none.
bool ParseIntList(std::string_view s, int64_t lo, int64_t hi,
                  std::vector<int64_t>* out);

// The flags of one command. `names` lists a flag's spellings separated by
// commas ("-m,--model"); a value follows as the next argument or after '='
// (--chunk=3). Arguments that do not start with '-' are positionals.
class Flags {
 public:
  Flags(const char* cmd, const char* usage) : cmd_(cmd), usage_(usage) {}

  Flags& Switch(const char* names, bool* out);  // no value: sets *out = true
  Flags& String(const char* names, std::string* out);
  Flags& Strings(const char* names, std::vector<std::string>* out);  // repeats
  Flags& Int(const char* names, int* out, int lo, int hi);
  Flags& Uint64(const char* names, uint64_t* out);
  Flags& Float(const char* names, float* out, double lo, double hi);
  Flags& Choice(const char* names, std::string* out,
                std::initializer_list<const char*> choices);
  // Any other value: `parse` returns "" when it took the value, else the
  // usage error's message ("--act must be q8 or f32").
  Flags& Custom(const char* names,
                std::function<std::string(const char* value)> parse);
  // A value read by a Result-returning parser (ParseQuantPreset, ...): its
  // error message becomes the usage error.
  template <typename T, typename Parse>
  Flags& Parsed(const char* names, T* out, Parse parse) {
    return Custom(names, [out, parse](const char* v) {
      Result<T> r = parse(v);
      if (!r.ok()) return r.status().message();
      *out = std::move(r).value();
      return std::string();
    });
  }
  // Set to true when the flag added last appears on the command line.
  Flags& Given(bool* given);
  // Positionals, in order; `count` (default: any number) is checked by Parse.
  Flags& Positionals(std::vector<std::string>* out, int min_count,
                     int max_count);

  // Parses argv[1..argc). nullopt: go on. Otherwise the exit code to return
  // now: kExitOk after --help/-h (usage on stdout), kExitUsage after an
  // unknown flag, a missing or bad value or a wrong positional count (the
  // message on stderr).
  std::optional<int> Parse(int argc, char** argv);

  // "edgemma <cmd>: <msg> (see --help)" on stderr; returns kExitUsage. For
  // checks Parse cannot make (flags that exclude each other, ...).
  int UsageError(const std::string& msg) const;
  // "edgemma <cmd>: <msg>" on stderr; returns kExitFailure.
  int Fail(const std::string& msg) const;
  int Fail(const Status& status) const { return Fail(status.ToString()); }

 private:
  struct Flag {
    std::string names;  // ",-m,--model,"
    bool takes_value = true;
    std::function<std::string(const char*)> parse;  // "" = ok
    bool* given = nullptr;
    bool custom = false;  // parse returns the whole message, not the need
  };
  Flags& Add(const char* names, bool takes_value,
             std::function<std::string(const char*)> parse);
  const Flag* Find(std::string_view name) const;

  const char* cmd_;
  const char* usage_;
  std::vector<Flag> flags_;
  std::vector<std::string>* positionals_ = nullptr;
  int min_positionals_ = 0, max_positionals_ = 0;
};

// Prints "edgemma <cmd>: <msg>" on stderr and returns kExitFailure.
int FailCommand(const char* cmd, const std::string& msg);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_FLAGS_H_
