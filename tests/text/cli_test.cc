// Runs build/bin/edgemma tokenize/detokenize/parse-response/chat-format
// --jsonl on the golden files and compares with the expected fields.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/text/jsonl.h"

namespace edgemma {
namespace {

using testing::ReadJsonl;
using testing::SharedPath;

const std::string kBin = std::string(EDGEMMA_BIN_DIR) + "/edgemma";

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/edgemma_text_cli_" +
         std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + name;
}

// Writes one JSON object per input row holding row[from] under key `to`.
std::string WriteInput(const std::string& golden, const char* from,
                       const char* to) {
  const std::string path = TempPath(std::string(to) + ".jsonl");
  std::ofstream out(path);
  for (const auto& [line, row] : ReadJsonl(golden)) {
    nlohmann::json j;
    j[to] = row.at(from);
    out << j.dump() << "\n";
  }
  return path;
}

int RunCli(const std::string& args, const std::string& in,
           const std::string& out) {
  const std::string cmd = kBin + " " + args + " < " + in + " > " + out;
  return std::system(cmd.c_str());
}

void CompareField(const std::string& golden, const std::string& output,
                  const char* want_key, const char* got_key) {
  const auto want = ReadJsonl(golden);
  const auto got = ReadJsonl(output);
  ASSERT_EQ(got.size(), want.size()) << output;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].second.at(got_key).dump(),
              want[i].second.at(want_key).dump())
        << golden << ":" << want[i].first;
  }
}

TEST(TextCli, TokenizeAndDetokenizeGemma4) {
  const std::string dir = SharedPath("testdata/tokenizer/gemma4");
  const std::string golden = dir + "/golden_special.jsonl";
  const std::string in = WriteInput(golden, "text", "text");
  const std::string out = TempPath("ids.jsonl");
  ASSERT_EQ(
      RunCli("tokenize --tokenizer " + dir + " --special --jsonl", in, out), 0);
  CompareField(golden, out, "ids", "ids");
  const std::string text_out = TempPath("text.jsonl");
  ASSERT_EQ(RunCli("detokenize --tokenizer " + dir + "/tokenizer.json --jsonl",
                   out, text_out),
            0);
  CompareField(golden, text_out, "decoded", "text");
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(text_out.c_str());
}

TEST(TextCli, ParseResponse) {
  const std::string golden = SharedPath("testdata/chat/parse_golden.jsonl");
  const std::string out = TempPath("parsed.jsonl");
  ASSERT_EQ(RunCli("parse-response --jsonl", golden, out), 0);
  const auto want = ReadJsonl(golden);
  const auto got = ReadJsonl(out);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].second.dump(), want[i].second.at("expected").dump())
        << "parse_golden.jsonl:" << want[i].first;
  }
  std::remove(out.c_str());
}

TEST(TextCli, ChatFormat) {
  // All lines except the expected-error one (which makes the command fail).
  const std::string golden = SharedPath("testdata/chat/golden.jsonl");
  const std::string in = TempPath("chat_in.jsonl");
  {
    std::ofstream f(in);
    for (const auto& [line, raw] : testing::ReadLines(golden)) {
      if (nlohmann::json::parse(raw).at("expected").is_string())
        f << raw << "\n";
    }
  }
  const std::string out = TempPath("chat_out.jsonl");
  ASSERT_EQ(RunCli("chat-format --jsonl", in, out), 0);
  const auto got = ReadJsonl(out);
  const auto want = ReadJsonl(in);
  ASSERT_EQ(got.size(), want.size());
  int same = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    same += got[i].second.at("rendered") == want[i].second.at("expected");
  }
  // One line has a known data defect (see chat_golden_test.cc).
  EXPECT_GE(same, static_cast<int>(want.size()) - 1);
  std::remove(in.c_str());
  std::remove(out.c_str());
}

TEST(TextCli, BadInputFails) {
  const std::string in = TempPath("bad.jsonl");
  {
    std::ofstream f(in);
    f << "{\"text\": \"ok\"}\n{broken\n";
  }
  const std::string out = TempPath("bad_out.jsonl");
  EXPECT_NE(RunCli("parse-response --jsonl", in, out), 0);
  EXPECT_NE(RunCli("tokenize --tokenizer /nonexistent/tokenizer.json --jsonl",
                   in, out),
            0);
  EXPECT_NE(RunCli("tokenize --no-such-flag", in, out), 0);
  EXPECT_NE(RunCli("chat-format --jsonl", in, out), 0);
  std::remove(in.c_str());
  std::remove(out.c_str());
}

}  // namespace
}  // namespace edgemma
