// Internal: assembles a Tokenizer from vocabulary/merge data coming from
// tokenizer.json or GGUF metadata, and the lookup tables the encoder uses.
// Not part of the public API.
#ifndef EDGEMMA_CORE_TEXT_TOKENIZER_BUILDER_H_
#define EDGEMMA_CORE_TEXT_TOKENIZER_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text/tokenizer.h"

namespace edgemma {

enum : uint8_t {
  kFlagAdded = 1,     // matched on raw text before BPE
  kFlagSpecial = 2,   // special added token (skippable, parse_special only)
  kFlagByte = 4,      // <0xXX>
  kFlagUnknown = 8,   // the unk token
  kFlagPresent = 16,  // id has a string (vocab may have holes)
};

uint64_t HashBytes(std::string_view s, uint64_t h = 1469598103934665603ull);

struct Tokenizer::Impl {
  // Open addressing: piece string -> id. A slot holds (hash >> 32) << 32 |
  // id, or ~0 when empty; the hash tag skips most string compares.
  std::vector<uint64_t> piece_slots;
  uint64_t piece_mask = 0;
  // Open addressing: (left << 32 | right) -> rank. Empty key: ~0.
  std::vector<uint64_t> merge_keys;
  std::vector<int32_t> merge_ranks;
  uint64_t merge_mask = 0;
  // Code point < 0x10000 -> id of the one-character piece, or -1.
  std::vector<int32_t> bmp_char;
  // Byte trie of the added tokens; node 0 is the root. token: id or -1.
  struct TrieNode {
    int32_t token = -1;
    std::vector<std::pair<uint8_t, int32_t>> kids;
  };
  std::vector<TrieNode> trie;
  int32_t root_kids[256];
  size_t max_added_len = 0;
  bool fuse_unk = true;

  int32_t MergeRank(int32_t left, int32_t right) const;
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
  Status BuildMerges(Tokenizer* t, const std::string& name);
  void BuildAdded(Tokenizer* t);
  void ResolveSpecialIds(Tokenizer* t);

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

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_TOKENIZER_BUILDER_H_
