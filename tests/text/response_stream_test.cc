// ResponseStream: whatever the piece boundaries, the concatenated deltas
// equal the whole-text parse (the parse goldens, split one character at a
// time and at random, and random marker soup).
#include "core/text/response_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/text/response_parser.h"
#include "tests/text/jsonl.h"

namespace edgemma {
namespace {

using testing::ReadJsonl;
using testing::SharedPath;

// The deltas of one streamed run, accumulated.
struct Streamed {
  bool has_thinking = false;
  std::string thinking, content;
  std::vector<ParsedToolCall> calls;
  bool stopped = false;

  void Add(const ResponseDelta& d) {
    has_thinking = has_thinking || d.thinking_started;
    thinking += d.thinking;
    content += d.content;
    calls.insert(calls.end(), d.tool_calls.begin(), d.tool_calls.end());
  }
};

Streamed StreamInPieces(const std::string& text,
                        const std::vector<size_t>& cuts) {
  ResponseStream s;
  Streamed out;
  size_t pos = 0;
  for (size_t cut : cuts) {
    out.Add(s.Feed(std::string_view(text).substr(pos, cut - pos)));
    pos = cut;
  }
  out.Add(s.Feed(std::string_view(text).substr(pos)));
  out.Add(s.Finish());
  out.stopped = s.stopped();
  return out;
}

void ExpectSameAsWhole(const std::string& text, const std::vector<size_t>& cuts,
                       const std::string& label) {
  const ParsedResponse want = ParseGemma4Response(text);
  const Streamed got = StreamInPieces(text, cuts);
  SCOPED_TRACE(label + " text: " + text);
  EXPECT_EQ(got.has_thinking, want.has_thinking);
  EXPECT_EQ(got.thinking, want.thinking);
  EXPECT_EQ(got.content, want.content);
  EXPECT_EQ(got.stopped, want.stopped);
  ASSERT_EQ(got.calls.size(), want.tool_calls.size());
  for (size_t i = 0; i < got.calls.size(); ++i) {
    EXPECT_EQ(got.calls[i].name, want.tool_calls[i].name);
    EXPECT_EQ(got.calls[i].arguments_json, want.tool_calls[i].arguments_json);
  }
}

std::vector<size_t> EveryChar(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

std::vector<size_t> RandomCuts(size_t n, std::mt19937* rng) {
  std::vector<size_t> cuts;
  std::uniform_int_distribution<size_t> step(1, 7);
  for (size_t i = step(*rng); i < n; i += step(*rng)) cuts.push_back(i);
  return cuts;
}

TEST(ResponseStream, ParseGoldensStreamLikeTheWholeText) {
  const auto rows = ReadJsonl(SharedPath("testdata/chat/parse_golden.jsonl"));
  ASSERT_FALSE(rows.empty());
  std::mt19937 rng(7);
  for (const auto& [line, row] : rows) {
    const std::string text = row.at("text").get<std::string>();
    const std::string label = "parse_golden.jsonl:" + std::to_string(line);
    ExpectSameAsWhole(text, {}, label + " whole");
    ExpectSameAsWhole(text, EveryChar(text.size()), label + " by char");
    ExpectSameAsWhole(text, RandomCuts(text.size(), &rng), label + " random");
  }
}

TEST(ResponseStream, RandomMarkerSoupStreamsLikeTheWholeText) {
  const std::vector<std::string> parts = {
      "<|channel>",   "thought\n",
      "thought",      "<channel|>",
      "<|tool_call>", "call:f{a:1}<tool_call|>",
      "call:g{",      "<|\"|>",
      "<tool_call|>", " ",
      "\n",           "x",
      "Hello",        "<",
      "<|",           "a < b",
      "<turn|>",      "<eos>",
      "thou",         "\xe2\x80\x84",  // U+2004, whitespace to the trimming
      "\xc3\xa9",     "\xe2"};
  std::mt19937 rng(1234);
  std::uniform_int_distribution<size_t> pick(0, parts.size() - 1);
  std::uniform_int_distribution<int> len(1, 12);
  for (int round = 0; round < 400; ++round) {
    std::string text;
    for (int i = len(rng); i > 0; --i) text += parts[pick(rng)];
    const std::string label = "soup " + std::to_string(round);
    ExpectSameAsWhole(text, EveryChar(text.size()), label + " by char");
    ExpectSameAsWhole(text, RandomCuts(text.size(), &rng), label + " random");
  }
}

TEST(ResponseStream, ThoughtIsShownApartWhileItStreams) {
  ResponseStream s;
  EXPECT_TRUE(s.Feed("<|chan").empty());
  ResponseDelta d = s.Feed("nel>thou");
  EXPECT_TRUE(d.empty());  // "thou" may still become the channel name
  d = s.Feed("ght\nLet me");
  EXPECT_TRUE(d.thinking_started);
  EXPECT_EQ(d.thinking, "Let me");
  EXPECT_EQ(s.Feed(" think.\n<chan").thinking, " think.");
  d = s.Feed("nel|>The answer");
  EXPECT_EQ(d.thinking, "");
  EXPECT_EQ(d.content, "The answer");
  d = s.Feed(" is 4.<turn|>ignored");
  EXPECT_EQ(d.content, " is 4.");
  EXPECT_TRUE(s.stopped());
  EXPECT_TRUE(s.Feed("more").empty());
  EXPECT_TRUE(s.Finish().empty());
}

TEST(ResponseStream, SafePrefixHoldsBackOnlyWhatMayChange) {
  EXPECT_EQ(ResponseSafePrefix("plain text"), 10u);
  EXPECT_EQ(ResponseSafePrefix("a < b"), 5u);
  EXPECT_EQ(ResponseSafePrefix("ab<|tool"), 2u);
  EXPECT_EQ(ResponseSafePrefix("ab<|tool_call>call:f{a:"), 2u);
  EXPECT_EQ(ResponseSafePrefix("ab<|channel>thought"), 2u);
  EXPECT_EQ(ResponseSafePrefix("ab<|channel>thought\nx"), 21u);
  EXPECT_EQ(ResponseSafePrefix("ab<|channel>other"), 17u);
  // A character cut short waits for its last bytes; invalid bytes do not.
  EXPECT_EQ(ResponseSafePrefix("ab\xe2\x80"), 2u);
  EXPECT_EQ(ResponseSafePrefix("ab\xe2"), 2u);
  EXPECT_EQ(ResponseSafePrefix("ab\xe2\x80\x84"), 5u);
  EXPECT_EQ(ResponseSafePrefix("ab\xe2x"), 4u);
  EXPECT_EQ(ResponseSafePrefix("ab\x80"), 3u);
}

// U+2004 is whitespace to the trimming; its bytes arriving one by one at the
// end of the thinking or the answer must not be emitted before it is whole
// (found by fuzz_response).
TEST(ResponseStream, WhitespaceCharacterSplitAcrossPieces) {
  const std::string space = "\xe2\x80\x84";
  const std::vector<std::string> texts = {
      "<|channel>" + space + "response>", "answer" + space + "more",
      "<|channel>thought\nx" + space + "<channel|>a" + space};
  for (const std::string& text : texts) {
    ExpectSameAsWhole(text, EveryChar(text.size()), "bytes of " + text);
  }
}

}  // namespace
}  // namespace edgemma
