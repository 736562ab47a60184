// Gemma BPE tokenizer (Hugging Face tokenizer.json or GGUF metadata).
//
// Model: SentencePiece-style BPE over Unicode code points with byte fallback
// (<0xXX> tokens), normalizer " " -> U+2581 and nothing else, no pre-tokenizer
// split, added tokens matched leftmost-longest on the raw text before BPE.
// Decoding: U+2581 -> " ", runs of byte tokens fused and UTF-8 decoded (an
// invalid run gives one U+FFFD per byte, like HF's ByteFallback decoder).
//
// Encode() never adds BOS/EOS (HF add_special_tokens=false); callers that want
// BOS check add_bos() and prepend bos_id() themselves.
//
// Thread-safety: immutable after loading; Encode/Decode may run concurrently.
// Encode keeps per-thread scratch (about 360 KiB: a word cache, a merge-pair
// cache and buffers), allocated on a thread's first Encode and freed at
// thread exit; the caches are keyed by a per-tokenizer serial, never by
// address, so a tokenizer loaded after another was freed never sees its
// entries.
// Memory: token strings live in one buffer; merges in an open-addressing table
// keyed by (left_id, right_id). No per-token or per-merge std::string. A GGUF
// written by edgemma carries these tables (edgemma.tokenizer.*); they are then
// used in place from a private read-only mapping of the file (no copy, no
// per-entry work beyond one validation pass).
#ifndef EDGEMMA_CORE_TEXT_TOKENIZER_H_
#define EDGEMMA_CORE_TEXT_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace edgemma {

class GgufFile;

// llama.cpp token types (tokenizer.ggml.token_type).
enum class TokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // special added token
  kUserDefined = 4,  // non-special added token
  kUnused = 5,
  kByte = 6,
};

class Tokenizer {
 public:
  // `path` is a tokenizer.json file or a directory holding one (HF layout).
  static Result<std::unique_ptr<Tokenizer>> FromJsonFile(
      const std::string& path);
  static Result<std::unique_ptr<Tokenizer>> FromJsonText(
      std::string_view json, const std::string& name);
  // Uses the edgemma.tokenizer.* tables when present (layout version 1;
  // mapped from gguf.file().path(), so the tokenizer does not borrow `gguf`),
  // else builds them from the tokenizer.ggml.* keys (model "gemma4" or
  // "llama"-style BPE). Corrupt tables are an error, never read out of bounds.
  static Result<std::unique_ptr<Tokenizer>> FromGguf(const GgufFile& gguf,
                                                     const std::string& name);
  static Result<std::unique_ptr<Tokenizer>> FromGgufPath(
      const std::string& path);
  // Dispatches on the path: *.gguf -> FromGgufPath, else FromJsonFile.
  static Result<std::unique_ptr<Tokenizer>> FromPath(const std::string& path);

  // Internal tables (core/text/tokenizer_builder.h); not a public API.
  struct Impl;

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Appends the ids of `text` to *out. parse_special: special added tokens
  // are matched as control tokens (HF default); off: they are plain text.
  // Non-special added tokens are always matched (as HF does).
  void Encode(std::string_view text, bool parse_special,
              std::vector<int32_t>* out) const;
  std::vector<int32_t> Encode(std::string_view text, bool parse_special) const;

  // Decodes ids (ids out of range are an error). skip_special drops the
  // special added tokens (before byte runs are fused, like HF).
  Result<std::string> Decode(const std::vector<int32_t>& ids,
                             bool skip_special) const;

  int32_t vocab_size() const { return vocab_size_; }
  // Token string as stored in the vocabulary ("▁" not replaced); "" if out of
  // range.
  std::string_view Piece(int32_t id) const;
  // Id of an exact vocabulary string, or -1.
  int32_t TokenId(std::string_view piece) const;
  bool IsSpecial(int32_t id) const;
  bool IsAdded(int32_t id) const;
  // Byte value of a <0xXX> token, or -1.
  int ByteValue(int32_t id) const;
  TokenType Type(int32_t id) const;

  int32_t bos_id() const { return bos_id_; }  // -1 if none
  int32_t eos_id() const { return eos_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }
  bool add_bos() const { return add_bos_; }

  // For GGUF writers: merges in rank order as "left right" strings, and a
  // score per token (0, or -1000 for control tokens, like llama.cpp).
  size_t num_merges() const { return num_merges_; }
  std::string MergeString(size_t rank) const;
  float Score(int32_t id) const;
  // The lookup tables (layout: tokenizer_builder.h), read by the GGUF writer
  // (core/convert WriteTokenizerTables).
  const Impl& tables() const { return *impl_; }
  // True when the tables were mapped from a GGUF (not built at load).
  bool tables_mapped() const;

 private:
  Tokenizer();
  friend class TokenizerBuilder;

  void EncodeText(std::string_view text, std::vector<int32_t>* out) const;
  void AppendByteFallback(std::string_view symbol,
                          std::vector<int32_t>* out) const;
  uint8_t Flags(int32_t id) const;

  int32_t vocab_size_ = 0;
  size_t num_merges_ = 0;
  int32_t bos_id_ = -1, eos_id_ = -1, pad_id_ = -1, unk_id_ = -1;
  bool add_bos_ = false;
  int32_t byte_ids_[256];
  std::unique_ptr<Impl> impl_;  // token strings, hash tables, trie
};

// Feeds ids one at a time and returns only complete UTF-8 text; the
// concatenated output equals Decode() of all the ids. A run of byte-fallback
// tokens (<0xXX>) is held back until the run ends (a non-byte token or
// Finish()), because Decode() (like HF's ByteFallback decoder) keeps a run
// only if it is valid UTF-8 as a whole and otherwise gives U+FFFD for each of
// its bytes, so a later byte can still change the run's earlier characters.
// Not thread-safe; borrows the tokenizer.
class StreamingDetokenizer {
 public:
  StreamingDetokenizer(const Tokenizer& tok, bool skip_special)
      : tok_(tok), skip_special_(skip_special) {}
  // Appends newly complete text to *out. Out-of-range ids are an error.
  Status Push(int32_t id, std::string* out);
  // Flushes the held-back byte run at end of stream.
  void Finish(std::string* out);

 private:
  const Tokenizer& tok_;
  bool skip_special_;
  std::string pending_;  // raw bytes of the current byte-token run
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_TOKENIZER_H_
