// GGUF tokenizer tables (edgemma.tokenizer.*): a file with them loads the
// same tokenizer as one without (llama.cpp keys only, tables built at load)
// and as tokenizer.json, on every golden line; corrupt tables are refused
// with an error naming the table; an unknown layout falls back to building;
// the tokenizer owns its mapping. Also: the per-thread word cache never
// mixes two tokenizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/gguf_writer.h"
#include "core/io/config.h"
#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"
#include "tests/support/vm_flags.h"
#include "tests/text/tiny_tokenizer.h"
#include "tests/text/tokenizer_golden_check.h"

namespace edgemma {
namespace {

using testing::CheckGoldens;
using testing::Dir;
using testing::TinyJson;

// A tokenizer-only GGUF; `extra` adds keys before writing.
void WriteGguf(const Tokenizer& tok, bool tables, const std::string& path,
               const std::function<void(GgufWriter&)>& extra = nullptr) {
  Gemma4Config cfg;
  cfg.text.vocab = tok.vocab_size();
  cfg.text.bos_id = std::max(tok.bos_id(), 0);
  cfg.text.eos_id = std::max(tok.eos_id(), 0);
  cfg.text.pad_id = std::max(tok.pad_id(), 0);
  GgufWriter w;
  ASSERT_TRUE(WriteTokenizerMetadata(tok, cfg, "", w, tables).ok());
  if (extra) extra(w);
  const Status st = w.WriteFile(path, true);
  ASSERT_TRUE(st.ok()) << st.ToString();
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/edgemma_tok_" + name + ".gguf";
}

void ExpectSameVocab(const Tokenizer& a, const Tokenizer& b) {
  ASSERT_EQ(a.vocab_size(), b.vocab_size());
  int bad = 0;
  for (int32_t id = 0; id < a.vocab_size() && bad < 5; ++id) {
    if (a.Piece(id) != b.Piece(id) || a.Type(id) != b.Type(id) ||
        b.TokenId(b.Piece(id)) != a.TokenId(a.Piece(id))) {
      ADD_FAILURE() << "token " << id << " differs";
      ++bad;
    }
  }
  EXPECT_EQ(a.bos_id(), b.bos_id());
  EXPECT_EQ(a.eos_id(), b.eos_id());
  EXPECT_EQ(a.pad_id(), b.pad_id());
  EXPECT_EQ(a.unk_id(), b.unk_id());
  ASSERT_EQ(a.num_merges(), b.num_merges());
  for (size_t r = 0; r < a.num_merges(); r += 97) {
    EXPECT_EQ(a.MergeString(r), b.MergeString(r)) << "merge " << r;
  }
  EXPECT_EQ(a.MergeString(a.num_merges() - 1),
            b.MergeString(b.num_merges() - 1));
}

// JSON, GGUF with tables, GGUF without (llama.cpp keys only): same
// vocabulary, all goldens pass. `both` false checks only the tables (keeps the
// test short under qemu/ASan; the real Gemma 3 file checks both).
void RoundTrip(const std::string& model, bool both) {
  auto json = Tokenizer::FromJsonFile(Dir(model) + "/tokenizer.json");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  std::vector<bool> add_bos;
  for (bool tables : {true, false}) {
    if (!tables && !both) break;
    SCOPED_TRACE(tables ? "with tables" : "without tables");
    const std::string path = TempPath(model + (tables ? "_tables" : ""));
    WriteGguf(**json, tables, path);
    auto g = Tokenizer::FromGgufPath(path);
    std::remove(path.c_str());
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ((*g)->tables_mapped(), tables);
    ExpectSameVocab(**json, **g);
    CheckGoldens(**g, model);
    add_bos.push_back((*g)->add_bos());  // the writer sets it for Gemma
  }
  if (both) {
    EXPECT_EQ(add_bos[0], add_bos[1]);
  }
}

TEST(TokenizerGgufTables, Gemma4RoundTrip) { RoundTrip("gemma4", false); }
TEST(TokenizerGgufTables, Gemma3RoundTrip) { RoundTrip("gemma3", true); }

std::unique_ptr<Tokenizer> Tiny(bool merge_ab = true) {
  auto tok = Tokenizer::FromJsonText(TinyJson(merge_ab), "tiny");
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(tok.value()) : nullptr;
}

// Overwrites `size` bytes at element `index` (of `elem` bytes) of array
// `key` in the GGUF at path.
void Patch(const std::string& path, const char* key, size_t elem,
           uint64_t index, const void* bytes, size_t size) {
  size_t offset = 0;
  {
    auto g = GgufFile::Open(path);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const GgufValue* v = (*g)->Get(key);
    ASSERT_NE(v, nullptr) << key;
    ASSERT_LE(index * elem + size, v->count * elem) << key;
    offset = static_cast<size_t>(v->data - (*g)->file().data()) + index * elem;
  }
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(size));
  ASSERT_TRUE(f.good());
}

// First non-empty slot of the merge table.
uint64_t FirstMergeSlot(const std::string& path) {
  auto g = GgufFile::Open(path);
  EXPECT_TRUE(g.ok());
  const GgufValue* v = (*g)->Get(kEmTokMergeTable);
  for (uint64_t i = 0; i < v->count; i += 4) {
    if (v->ArrayInt(i) != 0xFFFFFFFFll) return i / 4;
  }
  ADD_FAILURE() << "empty merge table";
  return 0;
}

TEST(TokenizerGgufTables, CorruptTablesRejected) {
  auto tok = Tiny();
  ASSERT_NE(tok, nullptr);
  const std::string path = TempPath("corrupt");
  struct Case {
    const char* key;
    std::function<void()> corrupt;
  };
  const uint32_t big = 1u << 30;
  const uint8_t byte_flag = 4 | 16;  // kFlagByte | kFlagPresent
  const std::vector<Case> cases = {
      {kEmTokMergeTable,
       [&] {
         Patch(path, kEmTokMergeTable, 4, 4 * FirstMergeSlot(path) + 2, &big,
               4);
       }},
      {kEmTokMergeTable,
       [&] {
         Patch(path, kEmTokMergeTable, 4, 4 * FirstMergeSlot(path) + 3, &big,
               4);
       }},
      {kEmTokMerges, [&] { Patch(path, kEmTokMerges, 4, 2, &big, 4); }},
      {kEmTokPieceOffsets,
       [&] { Patch(path, kEmTokPieceOffsets, 4, 3, &big, 4); }},
      {kEmTokBmpChar, [&] { Patch(path, kEmTokBmpChar, 4, 'a', &big, 4); }},
      {kEmTokFlags, [&] { Patch(path, kEmTokFlags, 1, 256, &byte_flag, 1); }},
      {kEmTokPieceTable,
       [&] {
         auto g = GgufFile::Open(path);
         ASSERT_TRUE(g.ok());
         const std::vector<uint32_t> zeros((*g)->Get(kEmTokPieceTable)->count);
         g.value().reset();
         Patch(path, kEmTokPieceTable, 4, 0, zeros.data(), 4 * zeros.size());
       }},
      {kEmTokPieceTable, [&] { Patch(path, kEmTokPieceTable, 4, 1, &big, 4); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    WriteGguf(*tok, true, path);
    c.corrupt();
    auto back = Tokenizer::FromGgufPath(path);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(back.status().message().find(c.key), std::string::npos)
        << back.status().ToString();
  }
  std::remove(path.c_str());
}

TEST(TokenizerGgufTables, MissingTableAndStaleCountsRejected) {
  auto tok = Tiny();
  ASSERT_NE(tok, nullptr);
  const std::string path = TempPath("missing");
  WriteGguf(*tok, false, path,
            [](GgufWriter& w) { w.AddU32(kEmTokLayout, 1); });
  auto back = Tokenizer::FromGgufPath(path);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(back.status().message().find("missing key"), std::string::npos);
  // Tables of a tokenizer with one merge fewer than the llama.cpp keys.
  auto fewer = Tiny(false);
  WriteGguf(*tok, false, path,
            [&](GgufWriter& w) { WriteTokenizerTables(*fewer, w); });
  back = Tokenizer::FromGgufPath(path);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), StatusCode::kCorrupt)
      << back.status().ToString();
  std::remove(path.c_str());
}

TEST(TokenizerGgufTables, UnknownLayoutBuildsFromLlamaKeys) {
  auto tok = Tiny();
  ASSERT_NE(tok, nullptr);
  const std::string path = TempPath("layout");
  WriteGguf(*tok, false, path,
            [](GgufWriter& w) { w.AddU32(kEmTokLayout, 99); });
  auto back = Tokenizer::FromGgufPath(path);
  std::remove(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE((*back)->tables_mapped());
  EXPECT_EQ((*back)->Encode(" ab<s>ab", true), tok->Encode(" ab<s>ab", true));
}

TEST(TokenizerGgufTables, TokenizerOutlivesGgufFile) {
  auto tok = Tiny();
  ASSERT_NE(tok, nullptr);
  const std::string path = TempPath("outlive");
  WriteGguf(*tok, true, path);
  auto g = GgufFile::Open(path);
  ASSERT_TRUE(g.ok());
  auto back = Tokenizer::FromGguf(**g, path);
  g.value().reset();
  std::remove(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->tables_mapped());
  for (const char* text :
       {" ab<s>ab", "a b ab  ab", "x\xE4\xB8\xAD\xF0\x9F\x98\x80"}) {
    EXPECT_EQ((*back)->Encode(text, true), tok->Encode(text, true)) << text;
    EXPECT_EQ((*back)->Decode(tok->Encode(text, false), false).value(),
              tok->Decode(tok->Encode(text, false), false).value());
  }
  EXPECT_TRUE((*back)->IsSpecial(261));
}

// Opening a GGUF walks every metadata string and loading the tokenizer checks
// every table (Gemma 4: a 45 MB header), but neither keeps those pages
// resident afterwards; the tokenizer still encodes and decodes as before.
TEST(TokenizerGgufTables, LoadingLeavesTheHeaderOutOfResidentMemory) {
  auto json = Tokenizer::FromJsonFile(Dir("gemma4") + "/tokenizer.json");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  const std::string path = TempPath("resident");
  WriteGguf(**json, true, path);
  auto g = GgufFile::Open(path);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto back = Tokenizer::FromGguf(**g, path);
  std::remove(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE((*back)->tables_mapped());
  const int64_t header = static_cast<int64_t>((*g)->data_offset());
  // Addresses only: reading the piece would fault its page back in.
  const int64_t reader_rss = testing::ResidentBytesAt((*g)->file().data());
  const int64_t tables_rss = testing::ResidentBytesAt(
      (*back)->Piece((*back)->vocab_size() / 2).data());
  if (reader_rss < 0 || tables_rss < 0) GTEST_SKIP() << "no /proc/self/smaps";
  // Without the release: ~26 MB and ~30 MB. A later read maps back at least
  // the page-cache folio around it (2 MiB for a file written in big pieces).
  ASSERT_GT(header, 16 << 20);
  EXPECT_LT(reader_rss, header / 8);
  EXPECT_LT(tables_rss, header / 4);
  const std::string text = "Hello, world! \xE4\xB8\xAD\xF0\x9F\x98\x80";
  EXPECT_EQ((*back)->Encode(text, true), (*json)->Encode(text, true));
}

TEST(TokenizerCache, TwoTokenizersNeverShareWords) {
  auto with = Tiny(true);
  auto without = Tiny(false);
  ASSERT_NE(with, nullptr);
  ASSERT_NE(without, nullptr);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(with->Encode("ab ab", false), (std::vector<int32_t>{258, 260}));
    EXPECT_EQ(without->Encode("ab ab", false),
              (std::vector<int32_t>{256, 257, 259, 256, 257}));
  }
  // A freed tokenizer's cached words never answer for a new one.
  with.reset();
  auto again = Tiny(false);
  EXPECT_EQ(again->Encode("ab ab", false),
            (std::vector<int32_t>{256, 257, 259, 256, 257}));
}

}  // namespace
}  // namespace edgemma
