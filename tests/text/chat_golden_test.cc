// Every line of shared/testdata/chat/golden.jsonl (rendering) and
// parse_golden.jsonl (response parsing).
#include <gtest/gtest.h>

#include <string>

#include "core/text/chat_format.h"
#include "core/text/response_parser.h"
#include "tests/text/jsonl.h"

namespace edgemma {
namespace {

using testing::ReadJsonl;
using testing::ReadLines;
using testing::SharedPath;

TEST(ChatFormatGolden, EveryLine) {
  const auto rows = ReadLines(SharedPath("testdata/chat/golden.jsonl"));
  ASSERT_FALSE(rows.empty());
  for (const auto& [line, raw] : rows) {
    // The raw line keeps key order and number spelling.
    auto got = RenderGemma4Chat(raw);
    const auto row = nlohmann::json::parse(raw);
    if (row.at("expected").is_null()) {
      ASSERT_FALSE(got.ok()) << "golden.jsonl:" << line;
      EXPECT_EQ(got.status().message(),
                row.at("expected_error").get<std::string>())
          << "golden.jsonl:" << line;
      continue;
    }
    ASSERT_TRUE(got.ok()) << "golden.jsonl:" << line << " "
                          << got.status().ToString();
    const std::string want = row.at("expected").get<std::string>();
    if (got.value() != want) {
      ADD_FAILURE() << "golden.jsonl:" << line << " ("
                    << row.at("name").get<std::string>() << ")\n got  "
                    << nlohmann::json(got.value()).dump() << "\n want "
                    << nlohmann::json(want).dump();
    }
  }
}

// Values that are not strings wherever the template prints or filters them
// (tests/text/testdata/chat_jinja_values.jsonl, one case per code path: a
// JSON-schema type that is a list, in a property, in array items and at the
// top of the parameters; numbers and containers as descriptions, enum values,
// required names, item constraints, tool-call arguments, tool responses and
// system text parts; floats in Python's repr; integers beyond 64 bits; repr()
// quoting and escapes of strings inside containers). `expected` is Jinja2
// 3.1.6's rendering with transformers' settings, checked by
// tests/tools/jinja_render.py.
TEST(ChatFormat, JinjaValueSemantics) {
  const auto rows = ReadLines(std::string(EDGEMMA_SOURCE_DIR) +
                              "/tests/text/testdata/chat_jinja_values.jsonl");
  ASSERT_GE(rows.size(), 15u);
  for (const auto& [line, raw] : rows) {
    const auto row = nlohmann::json::parse(raw);
    SCOPED_TRACE("chat_jinja_values.jsonl:" + std::to_string(line) + " (" +
                 row.at("name").get<std::string>() + ")");
    auto got = RenderGemma4Chat(raw);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(nlohmann::json(got.value()).dump(), row.at("expected").dump());
  }
}

TEST(ChatFormat, BadInput) {
  EXPECT_FALSE(RenderGemma4Chat("{not json").ok());
  EXPECT_FALSE(RenderGemma4Chat("[]").ok());
  EXPECT_FALSE(RenderGemma4Chat(R"({"messages": {}})").ok());
  auto r = RenderGemma4Chat(R"({"messages": [{"content": "x"}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("messages[0]"), std::string::npos);
}

TEST(ResponseParserGolden, EveryLine) {
  const auto rows = ReadJsonl(SharedPath("testdata/chat/parse_golden.jsonl"));
  ASSERT_FALSE(rows.empty());
  for (const auto& [line, row] : rows) {
    const auto parsed = ParseGemma4Response(row.at("text").get<std::string>());
    // Compare dumps (sorted keys), so 0 vs 0.0 and key types are checked.
    const auto got = nlohmann::json::parse(ParsedResponseToJson(parsed));
    EXPECT_EQ(got.dump(), row.at("expected").dump())
        << "parse_golden.jsonl:" << line;
  }
}

TEST(ResponseParser, RoundTripsRenderedToolCalls) {
  // Every tool call in the chat goldens parses back to its arguments.
  const auto rows = ReadJsonl(SharedPath("testdata/chat/golden.jsonl"));
  int checked = 0;
  for (const auto& [line, row] : rows) {
    for (const auto& m : row.at("messages")) {
      if (!m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
      for (const auto& tc : m["tool_calls"]) {
        const auto& args = tc["function"]["arguments"];
        if (!args.is_object()) continue;
        const std::string one =
            nlohmann::json::array(
                {{{"role", "assistant"},
                  {"tool_calls", nlohmann::json::array({tc})}}})
                .dump();
        auto text = RenderGemma4Chat(R"({"add_generation_prompt": false,
            "messages": )" + one + "}");
        ASSERT_TRUE(text.ok()) << line;
        const size_t at = text.value().find("<|tool_call>");
        const auto parsed = ParseGemma4Response(text.value().substr(at));
        ASSERT_EQ(parsed.tool_calls.size(), 1u) << "golden.jsonl:" << line;
        const auto got =
            nlohmann::json::parse(parsed.tool_calls[0].arguments_json);
        // Integers compare exactly, and 0.0 stays a float.
        EXPECT_EQ(got.dump(), args.dump()) << "golden.jsonl:" << line;
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 10);
}

TEST(ResponseParser, MalformedCallIsContent) {
  const auto r = ParseGemma4Response("<|tool_call>call:f{a:<turn|>");
  EXPECT_TRUE(r.tool_calls.empty());
  EXPECT_EQ(r.content, "<|tool_call>call:f{a:");
}

}  // namespace
}  // namespace edgemma
