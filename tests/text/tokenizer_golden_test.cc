// Golden tests: every line of shared/testdata/tokenizer/{gemma3,gemma4}/
// golden.jsonl (special parsing off), golden_special.jsonl (on) and
// decode.jsonl. One test per tokenizer file so the 33 MB file is loaded once
// per test process (ctest runs each test in its own process).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"
#include "tests/text/jsonl.h"

namespace edgemma {
namespace {

using testing::ReadJsonl;
using testing::SharedPath;

std::string Dir(const std::string& model) {
  return SharedPath("testdata/tokenizer/" + model);
}

void CheckEncodeFile(const Tokenizer& tok, const std::string& path,
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

void CheckDecodeFile(const Tokenizer& tok, const std::string& path) {
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

void RunAll(const std::string& model) {
  const auto t0 = std::chrono::steady_clock::now();
  auto tok = Tokenizer::FromJsonFile(Dir(model) + "/tokenizer.json");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("%s: loaded in %.3f s\n", model.c_str(), load_s);
  CheckEncodeFile(**tok, Dir(model) + "/golden.jsonl", false);
  CheckEncodeFile(**tok, Dir(model) + "/golden_special.jsonl", true);
  CheckDecodeFile(**tok, Dir(model) + "/decode.jsonl");
}

TEST(TokenizerGolden, Gemma4) { RunAll("gemma4"); }
TEST(TokenizerGolden, Gemma3) { RunAll("gemma3"); }

}  // namespace
}  // namespace edgemma
