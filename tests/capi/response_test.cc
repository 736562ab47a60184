// edgemma_parse_response and the streaming edgemma_response_stream_*: the
// parse goldens through the C API, whole and fed one byte at a time.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "edgemma.h"

namespace {

struct Parts {
  std::string thinking, content;
  nlohmann::json calls = nlohmann::json::array();
};

void OnPart(edgemma_part_kind kind, const char* text, size_t len, void* user) {
  auto* p = static_cast<Parts*>(user);
  const std::string s(text, len);
  if (kind == EDGEMMA_PART_THINKING) p->thinking += s;
  if (kind == EDGEMMA_PART_CONTENT) p->content += s;
  if (kind == EDGEMMA_PART_TOOL_CALL)
    p->calls.push_back(nlohmann::json::parse(s));
}

nlohmann::json Parse(const std::string& raw) {
  size_t len = 0;
  EXPECT_EQ(edgemma_parse_response(raw.c_str(), nullptr, 0, &len), EDGEMMA_OK);
  std::string out(len + 1, '\0');
  EXPECT_EQ(edgemma_parse_response(raw.c_str(), &out[0], out.size(), &len),
            EDGEMMA_OK);
  out.resize(len);
  return nlohmann::json::parse(out);
}

TEST(CapiResponse, ParseGoldensWholeAndStreamed) {
  std::ifstream in(std::string(EDGEMMA_SHARED_DIR) +
                   "/testdata/chat/parse_golden.jsonl");
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++rows;
    const auto row = nlohmann::json::parse(line);
    const std::string raw = row.at("text").get<std::string>();
    const nlohmann::json& want = row.at("expected");
    SCOPED_TRACE(row.at("name").get<std::string>());
    EXPECT_EQ(Parse(raw), want);

    edgemma_response_stream* s = nullptr;
    ASSERT_EQ(edgemma_response_stream_create(&s), EDGEMMA_OK);
    Parts parts;
    for (char c : raw) {
      ASSERT_EQ(edgemma_response_stream_feed(s, &c, 1, OnPart, &parts),
                EDGEMMA_OK);
    }
    ASSERT_EQ(edgemma_response_stream_finish(s, OnPart, &parts), EDGEMMA_OK);
    edgemma_response_stream_free(s);
    if (want["thinking"].is_string()) {
      EXPECT_EQ(parts.thinking, want["thinking"].get<std::string>());
    } else {
      EXPECT_EQ(parts.thinking, "");
    }
    EXPECT_EQ(parts.content, want["content"].get<std::string>());
    ASSERT_EQ(parts.calls.size(), want["tool_calls"].size());
    for (size_t i = 0; i < parts.calls.size(); ++i) {
      EXPECT_EQ(parts.calls[i], want["tool_calls"][i]["function"]);
    }
  }
  EXPECT_EQ(rows, 13);
}

TEST(CapiResponse, BadArgumentsAreClearErrors) {
  size_t len = 0;
  EXPECT_EQ(edgemma_parse_response(nullptr, nullptr, 0, &len),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(edgemma_last_error()).find("raw"), std::string::npos);
  char small[4];
  EXPECT_EQ(edgemma_parse_response("hello there", small, sizeof small, &len),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_response_stream_create(nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(edgemma_response_stream_feed(nullptr, "x", 1, OnPart, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  edgemma_response_stream* s = nullptr;
  ASSERT_EQ(edgemma_response_stream_create(&s), EDGEMMA_OK);
  EXPECT_EQ(edgemma_response_stream_feed(s, nullptr, 3, OnPart, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  // A null callback just drops the parts.
  EXPECT_EQ(edgemma_response_stream_feed(s, "hi", 2, nullptr, nullptr),
            EDGEMMA_OK);
  EXPECT_EQ(edgemma_response_stream_finish(nullptr, OnPart, nullptr),
            EDGEMMA_ERR_INVALID_ARGUMENT);
  edgemma_response_stream_free(s);
  edgemma_response_stream_free(nullptr);
}

}  // namespace
