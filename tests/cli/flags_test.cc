// examples/cli/flags.h: the flag parser and number readers every command uses.
#include "examples/cli/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace edgemma::cli {
namespace {

// Parses `args` (argv[0] = "cmd" is prepended).
std::optional<int> Parse(Flags& flags, std::vector<std::string> args) {
  args.insert(args.begin(), "cmd");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return flags.Parse(static_cast<int>(argv.size()), argv.data());
}

TEST(CliNumbers, WholeTextInRange) {
  int64_t i = 0;
  EXPECT_TRUE(ParseInt("42", 0, 100, &i));
  EXPECT_EQ(i, 42);
  EXPECT_TRUE(ParseInt("-3", -5, 5, &i));
  EXPECT_EQ(i, -3);
  for (const char* bad : {"", " 4", "4 ", "4x", "0x10", "101", "-6", "1e2",
                          "99999999999999999999"}) {
    EXPECT_FALSE(ParseInt(bad, -5, 100, &i)) << bad;
  }
  uint64_t u = 0;
  EXPECT_TRUE(ParseUint64("18446744073709551615", &u));
  EXPECT_EQ(u, 18446744073709551615ull);
  for (const char* bad : {"", "-1", "+1", "18446744073709551616", "1.0"})
    EXPECT_FALSE(ParseUint64(bad, &u)) << bad;
  double d = 0;
  EXPECT_TRUE(ParseFloat("0.5", 0, 1, &d));
  EXPECT_EQ(d, 0.5);
  for (const char* bad : {"", "nan", "inf", "1.5", "0.5x", " 0.5"})
    EXPECT_FALSE(ParseFloat(bad, 0, 1, &d)) << bad;
  std::vector<int64_t> list;
  EXPECT_TRUE(ParseIntList("1024, 4096 8", 1, 1 << 20, &list));
  EXPECT_EQ(list, (std::vector<int64_t>{1024, 4096, 8}));
  EXPECT_FALSE(ParseIntList("", 1, 10, &list));
  EXPECT_FALSE(ParseIntList(",", 1, 10, &list));
  EXPECT_FALSE(ParseIntList("1,x", 1, 10, &list));
  EXPECT_FALSE(ParseIntList("1,0", 1, 10, &list));
}

TEST(CliFlags, ValuesSpellingsAndPositionals) {
  std::string model, kv = "f32";
  int chunk = 0;
  float temp = 0;
  bool quiet = false, temp_given = false;
  std::vector<std::string> keep, pos;
  Flags flags("cmd", "usage\n");
  flags.String("-m,--model", &model)
      .Int("--chunk", &chunk, 1, 8)
      .Float("--temp", &temp, 0, 2)
      .Given(&temp_given)
      .Choice("--kv", &kv, {"f32", "f16"})
      .Switch("-q,--quiet", &quiet)
      .Strings("--keep", &keep)
      .Positionals(&pos, 1, 2);
  EXPECT_EQ(Parse(flags, {"-m", "a.gguf", "--chunk=3", "in", "--kv", "f16",
                          "-q", "--keep", "x", "--keep=y", "out"}),
            std::nullopt);
  EXPECT_EQ(model, "a.gguf");
  EXPECT_EQ(chunk, 3);
  EXPECT_EQ(kv, "f16");
  EXPECT_TRUE(quiet);
  EXPECT_FALSE(temp_given);
  EXPECT_EQ(keep, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(pos, (std::vector<std::string>{"in", "out"}));
}

TEST(CliFlags, ExitCodes) {
  std::string model, kv;
  int chunk = 0;
  bool quiet = false;
  std::vector<std::string> pos;
  auto make = [&] {
    pos.clear();
    Flags f("cmd", "usage\n");
    f.String("--model", &model)
        .Int("--chunk", &chunk, 1, 8)
        .Choice("--kv", &kv, {"f32", "f16"})
        .Switch("--quiet", &quiet)
        .Custom("--act",
                [](const char* v) {
                  return std::string(v) == "q8" ? "" : "--act must be q8";
                })
        .Positionals(&pos, 1, 1);
    return f;
  };
  Flags f = make();
  EXPECT_EQ(Parse(f, {"--help", "--bogus"}), kExitOk);
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"p", "--bogus"},
                                             {"p", "--model"},
                                             {"p", "--chunk", "9"},
                                             {"p", "--chunk", "x"},
                                             {"p", "--kv", "f8"},
                                             {"p", "--quiet=1"},
                                             {"p", "--act", "f32"},
                                             {},
                                             {"p", "q"}}) {
    Flags g = make();
    EXPECT_EQ(Parse(g, bad), kExitUsage) << ::testing::PrintToString(bad);
  }
  EXPECT_EQ(f.UsageError("x"), kExitUsage);
  EXPECT_EQ(f.Fail("x"), kExitFailure);
  EXPECT_EQ(f.Fail(NotFound("x")), kExitFailure);
}

}  // namespace
}  // namespace edgemma::cli
