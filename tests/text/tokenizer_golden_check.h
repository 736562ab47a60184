// Test helper: checks a tokenizer against the golden files in
// shared/testdata/tokenizer/<model>/ (encode, decode, streaming).
#ifndef EDGEMMA_TESTS_TEXT_TOKENIZER_GOLDEN_CHECK_H_
#define EDGEMMA_TESTS_TEXT_TOKENIZER_GOLDEN_CHECK_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "tests/text/jsonl.h"

namespace edgemma::testing {

inline std::string Dir(const std::string& model) {
  return SharedPath("testdata/tokenizer/" + model);
}

inline void CheckEncodeFile(const Tokenizer& tok, const std::string& path,
                            bool parse_special) {
  const auto rows = ReadJsonl(path);
  ASSERT_FALSE(rows.empty()) << path;
  int failures = 0;
  for (const auto& [line, row] : rows) {
    const std::string text = row.at("text").get<std::string>();
    const auto want = row.at("ids").get<std::vector<int32_t>>();
    const auto got = tok.Encode(text, parse_special);
    if (got != want && ++failures <= 10) {
      ADD_FAILURE() << path << ":" << line << " encode mismatch for "
                    << nlohmann::json(text).dump() << "\n got  "
                    << nlohmann::json(got).dump() << "\n want "
                    << nlohmann::json(want).dump();
    }
    auto decoded = tok.Decode(want, false);
    ASSERT_TRUE(decoded.ok()) << path << ":" << line;
    if (decoded.value() != row.at("decoded").get<std::string>() &&
        ++failures <= 10) {
      ADD_FAILURE() << path << ":" << line << " decode mismatch: "
                    << nlohmann::json(decoded.value()).dump();
    }
    // Streaming gives the same text (every run here is valid UTF-8).
    StreamingDetokenizer stream(tok, false);
    std::string streamed;
    for (int32_t id : want) ASSERT_TRUE(stream.Push(id, &streamed).ok());
    stream.Finish(&streamed);
    if (streamed != decoded.value() && ++failures <= 10) {
      ADD_FAILURE() << path << ":" << line << " streaming mismatch";
    }
  }
  EXPECT_EQ(failures, 0) << path << ": " << failures << " mismatches";
}

inline void CheckDecodeFile(const Tokenizer& tok, const std::string& path) {
  const auto rows = ReadJsonl(path);
  ASSERT_FALSE(rows.empty()) << path;
  for (const auto& [line, row] : rows) {
    const auto ids = row.at("ids").get<std::vector<int32_t>>();
    auto plain = tok.Decode(ids, false);
    auto skip = tok.Decode(ids, true);
    ASSERT_TRUE(plain.ok() && skip.ok()) << path << ":" << line;
    EXPECT_EQ(plain.value(), row.at("decoded").get<std::string>())
        << path << ":" << line << " (" << row.value("note", "") << ")";
    EXPECT_EQ(skip.value(), row.at("decoded_skip_special").get<std::string>())
        << path << ":" << line << " skip_special (" << row.value("note", "")
        << ")";
  }
}

// All three golden files of `model`.
inline void CheckGoldens(const Tokenizer& tok, const std::string& model) {
  CheckEncodeFile(tok, Dir(model) + "/golden.jsonl", false);
  CheckEncodeFile(tok, Dir(model) + "/golden_special.jsonl", true);
  CheckDecodeFile(tok, Dir(model) + "/decode.jsonl");
}

}  // namespace edgemma::testing

#endif  // EDGEMMA_TESTS_TEXT_TOKENIZER_GOLDEN_CHECK_H_
