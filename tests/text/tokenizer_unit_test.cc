// Tokenizer behaviour without the big files: streaming detokenizer, bad
// input, and a GGUF round trip through the writer/reader.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/convert/gguf_writer.h"
#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"
#include "core/text/utf8.h"
#include "tests/text/tiny_tokenizer.h"

namespace edgemma {
namespace {

using testing::TinyJson;

TEST(Tokenizer, TinyEncodeDecode) {
  auto tok = Tokenizer::FromJsonText(TinyJson(), "tiny");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ((*tok)->Encode(" ab<s>", true), (std::vector<int32_t>{260, 261}));
  // "<s>" as text when special parsing is off; "<" is byte 0x3C.
  EXPECT_EQ((*tok)->Encode("<s>", false).front(), 0x3C);
  auto text = (*tok)->Decode({260, 261, 0xE4, 0xB8, 0xAD}, true);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text.value(), " ab\xE4\xB8\xAD");
  EXPECT_FALSE((*tok)->Decode({9999}, false).ok());
}

TEST(Tokenizer, StreamingNeverSplitsCharacters) {
  auto tok = Tokenizer::FromJsonText(TinyJson(), "tiny");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  // U+1F600 as four byte tokens, then "ab", then a lone lead byte.
  const std::vector<int32_t> ids = {0xF0, 0x9F, 0x98, 0x80, 258, 0xE4};
  StreamingDetokenizer stream(**tok, false);
  std::string all;
  for (int32_t id : ids) {
    std::string piece;
    ASSERT_TRUE(stream.Push(id, &piece).ok());
    EXPECT_TRUE(IsValidUtf8(piece)) << "half a character emitted";
    all += piece;
  }
  std::string tail;
  stream.Finish(&tail);
  all += tail;
  EXPECT_EQ(all,
            "\xF0\x9F\x98\x80"
            "ab\xEF\xBF\xBD");
  EXPECT_EQ(all, (*tok)->Decode(ids, false).value());
}

TEST(Tokenizer, BadFiles) {
  EXPECT_EQ(
      Tokenizer::FromJsonFile("/nonexistent/tokenizer.json").status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(Tokenizer::FromJsonText("{\"model\": {", "x").status().code(),
            StatusCode::kCorrupt);
  EXPECT_EQ(Tokenizer::FromJsonText("{\"model\": {\"type\": \"Unigram\", "
                                    "\"vocab\": []}}",
                                    "x")
                .status()
                .code(),
            StatusCode::kUnsupported);
  // A merge naming a missing piece.
  auto bad = nlohmann::json::parse(TinyJson());
  bad["model"]["merges"].push_back(nlohmann::json::array({"zz", "q"}));
  EXPECT_EQ(Tokenizer::FromJsonText(bad.dump(), "x").status().code(),
            StatusCode::kCorrupt);
}

TEST(Tokenizer, GgufRoundTrip) {
  auto tok = Tokenizer::FromJsonText(TinyJson(), "tiny");
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  const Tokenizer& t = **tok;
  GgufWriter w;
  std::vector<std::string> tokens, merges;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (int32_t id = 0; id < t.vocab_size(); ++id) {
    tokens.emplace_back(t.Piece(id));
    scores.push_back(t.Score(id));
    types.push_back(static_cast<int32_t>(t.Type(id)));
  }
  for (size_t r = 0; r < t.num_merges(); ++r)
    merges.push_back(t.MergeString(r));
  w.AddString(kGgufTokModel, "gemma4");
  w.AddStringArray(kGgufTokTokens, tokens);
  w.AddF32Array(kGgufTokScores, scores);
  w.AddI32Array(kGgufTokTypes, types);
  w.AddStringArray(kGgufTokMerges, merges);
  const std::string path = ::testing::TempDir() + "/edgemma_tok_test.gguf";
  ASSERT_TRUE(w.WriteFile(path, true).ok());
  auto back = Tokenizer::FromGgufPath(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (const char* text : {" ab<s>ab", "<s>", "x\xE4\xB8\xAD"}) {
    EXPECT_EQ((*back)->Encode(text, true), t.Encode(text, true)) << text;
    EXPECT_EQ((*back)->Encode(text, false), t.Encode(text, false)) << text;
  }
  EXPECT_TRUE((*back)->IsSpecial(261));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace edgemma
