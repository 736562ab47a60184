// Internal: the lookup tables the encoder uses, and their two sources:
// TokenizerBuilder (from tokenizer.json or llama.cpp GGUF keys: tables built
// in memory) and the edgemma.tokenizer.* GGUF keys (tables used in place from
// a memory mapping, validated once at load). Not part of the public API.
//
// Table layout (also the GGUF layout, edgemma.tokenizer.layout_version 1; all
// little-endian, arrays may be unaligned in a mapping, so they are read with
// memcpy through LeArray):
//   piece_chars   u8[]      all token strings concatenated in id order
//   piece_offsets u32[n+1]  piece i = piece_chars[off[i], off[i+1])
//   flags         u8[n]     kFlag* bits per id
//   piece_table   u32[2^k]  open addressing (linear probe) over PieceHash():
//                           id, or kEmpty; at least one kEmpty slot
//   merges        i32[3*M]  (left, right, merged) in rank order
//   merge_table   u32[4*2^k] slots (left, right, rank, merged) keyed by
//                           MergeHash(left, right); left == kEmpty: empty
//   bmp_char      i32[65536] code point -> id of its one-character piece, -1
//   space_glue    u32[]     sorted code points c such that some piece holds
//                           c followed by U+2581 (no word break after c)
#ifndef EDGEMMA_CORE_TEXT_TOKENIZER_BUILDER_H_
#define EDGEMMA_CORE_TEXT_TOKENIZER_BUILDER_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text/tokenizer.h"
#include "platform/mapped_file.h"
#include "platform/status.h"

namespace edgemma {

class GgufFile;

enum : uint8_t {
  kFlagAdded = 1,       // matched on raw text before BPE
  kFlagSpecial = 2,     // special added token (skippable, parse_special only)
  kFlagByte = 4,        // <0xXX>
  kFlagUnknown = 8,     // the unk token
  kFlagPresent = 16,    // id has a string (vocab may have holes)
  kFlagSpaceMark = 32,  // piece contains U+2581 (decode replaces it)
};

inline constexpr uint32_t kEmpty = 0xFFFFFFFFu;
inline constexpr uint32_t kTableLayoutVersion = 1;

// Stable hashes: part of the GGUF layout (changing them needs a new
// layout_version).
uint64_t PieceHash(const char* p, size_t n);
inline uint64_t MergeHash(uint32_t left, uint32_t right) {
  uint64_t key = (static_cast<uint64_t>(left) << 32) | right;
  key ^= key >> 29;
  key *= 0xBF58476D1CE4E5B9ull;
  key ^= key >> 32;
  return key;
}

// Read-only view of a little-endian array that may be unaligned.
template <typename T>
class LeArray {
 public:
  LeArray() = default;
  LeArray(const void* data, size_t size)
      : p_(static_cast<const uint8_t*>(data)), size_(size) {}
  T operator[](size_t i) const {
    T v;
    std::memcpy(&v, p_ + i * sizeof(T), sizeof(T));
    return v;
  }
  const uint8_t* bytes() const { return p_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* p_ = nullptr;
  size_t size_ = 0;
};

struct Tokenizer::Impl {
  // Owned storage of built tables (empty when the tables are mapped).
  std::string chars_store;
  std::vector<uint32_t> offsets_store, piece_store, merge_slot_store,
      glue_store;
  std::vector<uint8_t> flags_store;
  std::vector<int32_t> merges_store, bmp_store;
  std::unique_ptr<MappedFile> mapping;  // keeps mapped tables alive
  const uint64_t serial;                // unique per tokenizer (word cache)

  // The tables (views into the stores or the mapping). See the file comment.
  const char* chars = nullptr;
  size_t chars_size = 0;
  LeArray<uint32_t> offsets;
  const uint8_t* flags = nullptr;
  size_t flags_count = 0;
  LeArray<uint32_t> piece_table;
  uint64_t piece_mask = 0;
  LeArray<int32_t> merges;
  LeArray<uint32_t> merge_table;
  uint64_t merge_mask = 0;
  LeArray<int32_t> bmp_char;
  LeArray<uint32_t> space_glue;

  // Derived at load (small): U+2581's id, BMP glue bits, added-token trie.
  int32_t space_id = -1;
  std::vector<uint64_t> glue_bits;  // 65536 bits
  // Byte trie of the added tokens; node 0 is unused. token: id or -1.
  struct TrieNode {
    int32_t token = -1;
    std::vector<std::pair<uint8_t, int32_t>> kids;
  };
  std::vector<TrieNode> trie;
  int32_t root_kids[256];
  bool fuse_unk = true;

  Impl();
  static std::unique_ptr<Tokenizer> NewTokenizer() {
    return std::unique_ptr<Tokenizer>(new Tokenizer());
  }
  // Points the views at the owned stores.
  void UseStores(Tokenizer* t);
  // Derived state from the tables: space_id, glue_bits, trie, byte ids.
  void Finish(Tokenizer* t);
  // Sets bos/eos/pad/unk ids (given ids win; else the conventional pieces)
  // and add_bos; marks the unk token.
  static void ResolveSpecialIds(Tokenizer* t, int32_t bos, int32_t eos,
                                int32_t pad, int32_t unk,
                                std::string_view unk_piece, bool add_bos);
  // Maps and validates the edgemma.tokenizer.* tables of `gguf` into *t.
  // kNotFound if the file has none (or a layout this build cannot read).
  static Status MapGgufTables(const GgufFile& gguf, const std::string& name,
                              Tokenizer* t);
  // Rank and merged id of the pair, or false.
  bool FindMerge(int32_t left, int32_t right, uint32_t* rank,
                 int32_t* merged) const {
    for (uint64_t i = MergeHash(left, right) & merge_mask;;
         i = (i + 1) & merge_mask) {
      const uint32_t l = merge_table[4 * i];
      if (l == kEmpty) return false;
      if (l == static_cast<uint32_t>(left) &&
          merge_table[4 * i + 1] == static_cast<uint32_t>(right)) {
        *rank = merge_table[4 * i + 2];
        *merged = static_cast<int32_t>(merge_table[4 * i + 3]);
        return true;
      }
    }
  }
  // Starts loading the slot FindMerge(left, right) will probe first.
  void PrefetchMerge(int32_t left, int32_t right) const {
    const uint64_t i = MergeHash(left, right) & merge_mask;
    __builtin_prefetch(merge_table.bytes() + 16 * i);
  }
  // True if a word may not end after code point cp (see space_glue).
  bool Glues(uint32_t cp) const;
  // Longest added token starting at text[pos]: (id, length) or (-1, 0).
  std::pair<int32_t, size_t> MatchAdded(std::string_view text,
                                        size_t pos) const;
};

class TokenizerBuilder {
 public:
  // Piece strings may arrive in any id order; ids may have holes.
  void SetPiece(int32_t id, std::string_view piece);
  void AddAddedToken(int32_t id, std::string_view content, bool special);
  void AddMerge(std::string_view left, std::string_view right);
  void ReserveMerges(size_t count, size_t chars);
  void SetUnkPiece(std::string_view piece) { unk_piece_.assign(piece); }
  // Special ids; -1 = look up the conventional piece (<bos>, <eos>, ...).
  void SetSpecialIds(int32_t bos, int32_t eos, int32_t pad, int32_t unk) {
    bos_ = bos, eos_ = eos, pad_ = pad, unk_ = unk;
  }
  void SetAddBos(bool add_bos) { add_bos_ = add_bos; }
  void SetFuseUnk(bool fuse) { fuse_unk_ = fuse; }

  // `name` (a path) prefixes error messages.
  Result<std::unique_ptr<Tokenizer>> Build(const std::string& name);

 private:
  Status BuildPieces(Tokenizer* t, const std::string& name);
  // Piece hash table, bmp_char, byte/space flags, space_glue.
  void IndexPieces(Tokenizer* t);
  Status BuildMerges(Tokenizer* t, const std::string& name);

  std::string piece_chars_;
  std::vector<std::pair<int32_t, std::pair<uint32_t, uint32_t>>> pieces_;
  struct Added {
    int32_t id;
    std::string content;
    bool special;
  };
  std::vector<Added> added_;
  std::string merge_chars_;
  std::vector<uint32_t> merge_lens_;  // left len, right len, per merge
  std::string unk_piece_;
  int32_t bos_ = -1, eos_ = -1, pad_ = -1, unk_ = -1;
  bool add_bos_ = false;
  bool fuse_unk_ = true;
};

// <0xXX> with upper-case hex digits, as written by SentencePiece / HF; -1 if
// not.
int ParseByteToken(std::string_view p);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_TOKENIZER_BUILDER_H_
