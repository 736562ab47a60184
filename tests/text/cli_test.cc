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

// Every golden line, the expected-error one included: that line prints
// {"error": <the template's message>, "line": N}, the others still render,
// and the exit code is 1.
TEST(TextCli, ChatFormat) {
  const std::string golden = SharedPath("testdata/chat/golden.jsonl");
  const std::string out = TempPath("chat_out.jsonl");
  ASSERT_EQ(RunCli("chat-format --jsonl", golden, out), 1 << 8);
  const auto got = ReadJsonl(out);
  const auto want = ReadJsonl(golden);
  ASSERT_EQ(got.size(), want.size());
  int errors = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("golden.jsonl:" + std::to_string(want[i].first));
    const nlohmann::json& w = want[i].second;
    if (w.at("expected").is_null()) {
      ++errors;
      EXPECT_EQ(got[i].second.at("error"), w.at("expected_error"));
      EXPECT_EQ(got[i].second.at("line"), want[i].first);
    } else {
      EXPECT_EQ(got[i].second.at("rendered"), w.at("expected"));
    }
  }
  EXPECT_EQ(errors, 1);
  std::remove(out.c_str());
}

// Each JSON-lines command keeps going past a bad line: good, bad, good
// (after a blank line, which is skipped but counted) gives three output
// lines, the middle one {"error": ..., "line": 2}, and exit code 1.
TEST(TextCli, JsonLinesContinuePastABadLine) {
  const std::string tok = SharedPath("testdata/tokenizer/gemma4");
  struct Case {
    std::string args, good, bad;
  };
  for (const Case& c : {
           Case{"tokenize --tokenizer " + tok + " --jsonl",
                R"({"text": "hello"})", R"({"txt": "no text field"})"},
           Case{"detokenize --tokenizer " + tok + "/tokenizer.json --jsonl",
                R"({"ids": [2, 9259]})", R"({"ids": [2, -5]})"},
           Case{"parse-response --jsonl", R"({"text": "hi"})", "{broken"},
           Case{"chat-format --jsonl",
                R"({"messages": [{"role": "user", "content": "hi"}]})",
                R"({"messages": [{"content": "no role"}]})"},
       }) {
    SCOPED_TRACE(c.args);
    const std::string in = TempPath("continue_in.jsonl");
    const std::string out = TempPath("continue_out.jsonl");
    {
      std::ofstream f(in);
      f << c.good << "\n" << c.bad << "\n\n" << c.good << "\n";
    }
    EXPECT_EQ(RunCli(c.args, in, out), 1 << 8);
    const auto got = ReadJsonl(out);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_FALSE(got[0].second.contains("error")) << got[0].second.dump();
    ASSERT_TRUE(got[1].second.contains("error")) << got[1].second.dump();
    EXPECT_FALSE(got[1].second.at("error").get<std::string>().empty());
    EXPECT_EQ(got[1].second.at("line"), 2);
    EXPECT_EQ(got[2].second.dump(), got[0].second.dump());
    {
      std::ofstream f(in);
      f << c.good << "\n";
    }
    EXPECT_EQ(RunCli(c.args, in, out), 0);
    std::remove(in.c_str());
    std::remove(out.c_str());
  }
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
