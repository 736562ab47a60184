// Encoding (added-token split + BPE with byte fallback) and decoding.
#include "core/text/tokenizer.h"

#include <algorithm>
#include <cstring>

#include "core/text/tokenizer_builder.h"
#include "core/text/utf8.h"

namespace edgemma {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581

// One BPE symbol; merged symbols absorb their right neighbour.
struct Symbol {
  int32_t id;
  int32_t prev, next;
  bool alive;
};

// Heap entry: pair (pos, next(pos)) may merge at `rank`. Lowest rank first,
// then leftmost (pos is monotonic in text order).
struct Candidate {
  int32_t rank;
  int32_t pos;
  bool operator<(const Candidate& o) const {
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

}  // namespace

Tokenizer::Tokenizer() : impl_(new Impl()) {
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
}
Tokenizer::~Tokenizer() = default;

std::string_view Tokenizer::Piece(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return std::string_view(chars_.data() + offsets_[id],
                          offsets_[id + 1] - offsets_[id]);
}

int32_t Tokenizer::TokenId(std::string_view piece) const {
  const auto& impl = *impl_;
  const uint64_t h = HashBytes(piece);
  for (uint64_t i = h & impl.piece_mask;; i = (i + 1) & impl.piece_mask) {
    const uint64_t slot = impl.piece_slots[i];
    if (slot == ~0ull) return -1;
    if ((slot >> 32) != (h >> 32)) continue;
    const auto id = static_cast<int32_t>(slot & 0xFFFFFFFFu);
    if (Piece(id) == piece) return id;
  }
}

int32_t Tokenizer::ConcatId(std::string_view left,
                            std::string_view right) const {
  const auto& impl = *impl_;
  const uint64_t h = HashBytes(right, HashBytes(left));
  for (uint64_t i = h & impl.piece_mask;; i = (i + 1) & impl.piece_mask) {
    const uint64_t slot = impl.piece_slots[i];
    if (slot == ~0ull) return -1;
    if ((slot >> 32) != (h >> 32)) continue;
    const auto id = static_cast<int32_t>(slot & 0xFFFFFFFFu);
    const std::string_view p = Piece(id);
    if (p.size() == left.size() + right.size() &&
        std::memcmp(p.data(), left.data(), left.size()) == 0 &&
        std::memcmp(p.data() + left.size(), right.data(), right.size()) == 0) {
      return id;
    }
  }
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && id < vocab_size() && (flags_[id] & kFlagSpecial);
}

bool Tokenizer::IsAdded(int32_t id) const {
  return id >= 0 && id < vocab_size() && (flags_[id] & kFlagAdded);
}

int Tokenizer::ByteValue(int32_t id) const {
  if (id < 0 || id >= vocab_size() || !(flags_[id] & kFlagByte)) return -1;
  const std::string_view p = Piece(id);
  auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
  return hex(p[3]) * 16 + hex(p[4]);
}

TokenType Tokenizer::Type(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return TokenType::kUnused;
  const uint8_t f = flags_[id];
  if (f & kFlagUnknown) return TokenType::kUnknown;
  if (f & kFlagSpecial) return TokenType::kControl;
  if (f & kFlagAdded) return TokenType::kUserDefined;
  if (f & kFlagByte) return TokenType::kByte;
  if (!(f & kFlagPresent)) return TokenType::kUnused;
  return TokenType::kNormal;
}

float Tokenizer::Score(int32_t id) const {
  return Type(id) == TokenType::kControl ? -1000.0f : 0.0f;
}

std::string Tokenizer::MergeString(size_t rank) const {
  if (rank >= merges_.size()) return {};
  std::string s(Piece(merges_[rank].left));
  s.push_back(' ');
  s.append(Piece(merges_[rank].right));
  return s;
}

int32_t Tokenizer::CharId(uint32_t cp, std::string_view utf8) const {
  if (cp < 0x10000) return impl_->bmp_char[cp];
  return TokenId(utf8);
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text,
                                       bool parse_special) const {
  std::vector<int32_t> ids;
  Encode(text, parse_special, &ids);
  return ids;
}

void Tokenizer::Encode(std::string_view text, bool parse_special,
                       std::vector<int32_t>* out) const {
  const Impl& impl = *impl_;
  size_t segment = 0, pos = 0;
  while (pos < text.size()) {
    if (impl.root_kids[static_cast<unsigned char>(text[pos])] < 0) {
      ++pos;
      continue;
    }
    const auto match = impl.MatchAdded(text, pos);
    if (match.first < 0) {
      ++pos;
      continue;
    }
    // Like HF: a special token found while special parsing is off stays
    // text, and matching resumes after it.
    if (parse_special || !(flags_[match.first] & kFlagSpecial)) {
      EncodeText(text.substr(segment, pos - segment), out);
      out->push_back(match.first);
      segment = pos + match.second;
    }
    pos += match.second;
  }
  EncodeText(text.substr(segment), out);
}

void Tokenizer::EncodeText(std::string_view text,
                           std::vector<int32_t>* out) const {
  if (text.empty()) return;
  // Normalizer: every ASCII space becomes U+2581; nothing else changes.
  std::string normalized;
  normalized.reserve(text.size() + 8);
  for (char c : text) {
    if (c == ' ') {
      normalized.append(kSpaceMark);
    } else {
      normalized.push_back(c);
    }
  }
  EncodeWord(normalized, out);
}

void Tokenizer::AppendByteFallback(std::string_view symbol,
                                   std::vector<int32_t>* out) const {
  for (unsigned char b : symbol) {
    if (byte_ids_[b] >= 0) {
      out->push_back(byte_ids_[b]);
    } else if (unk_id_ >= 0 &&
               !(impl_->fuse_unk && !out->empty() && out->back() == unk_id_)) {
      out->push_back(unk_id_);
    }
  }
}

void Tokenizer::EncodeWord(std::string_view word,
                           std::vector<int32_t>* out) const {
  // Initial symbols: one per code point; characters missing from the
  // vocabulary become their byte tokens (HF BPE byte_fallback).
  std::vector<int32_t> initial;
  initial.reserve(word.size());
  for (size_t i = 0; i < word.size();) {
    uint32_t cp = 0;
    size_t len = 1;
    int32_t id = -1;
    if (DecodeUtf8(word.data() + i, word.size() - i, &cp, &len) ==
        Utf8Status::kComplete) {
      id = CharId(cp, word.substr(i, len));
    } else {
      len = 1;  // invalid byte: falls back to its byte token
    }
    if (id >= 0) {
      initial.push_back(id);
    } else {
      AppendByteFallback(word.substr(i, len), &initial);
    }
    i += len;
  }
  const int32_t n = static_cast<int32_t>(initial.size());
  std::vector<Symbol> sym(n);
  std::vector<Candidate> heap;
  heap.reserve(n);
  for (int32_t i = 0; i < n; ++i) {
    sym[i] = Symbol{initial[i], i - 1, i + 1 < n ? i + 1 : -1, true};
    if (i + 1 < n) {
      const int32_t rank = impl_->MergeRank(initial[i], initial[i + 1]);
      if (rank >= 0) heap.push_back({rank, i});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = sym[c.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[left.next];
    // Stale entry: the pair changed since it was queued.
    if (impl_->MergeRank(left.id, right.id) != c.rank) continue;
    left.id = merges_[c.rank].merged;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) sym[left.next].prev = c.pos;
    auto push = [&](int32_t a) {
      if (a < 0 || sym[a].next < 0) return;
      const int32_t rank = impl_->MergeRank(sym[a].id, sym[sym[a].next].id);
      if (rank >= 0) {
        heap.push_back({rank, a});
        std::push_heap(heap.begin(), heap.end());
      }
    };
    push(left.prev);
    push(c.pos);
  }
  for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = sym[i].next) {
    out->push_back(sym[i].id);
  }
}

namespace {

// HF ByteFallback: a run that is valid UTF-8 as a whole is kept, otherwise
// every byte of it becomes U+FFFD.
void FlushByteRun(std::string* run, std::string* out) {
  if (run->empty()) return;
  if (IsValidUtf8(*run)) {
    out->append(*run);
  } else {
    AppendReplacement(out, run->size());
  }
  run->clear();
}

void AppendPiece(std::string_view piece, std::string* out) {
  size_t i = 0;
  while (i < piece.size()) {
    const size_t hit = piece.find(kSpaceMark, i);
    if (hit == std::string_view::npos) {
      out->append(piece.substr(i));
      return;
    }
    out->append(piece.substr(i, hit - i));
    out->push_back(' ');
    i = hit + kSpaceMark.size();
  }
}

}  // namespace

Result<std::string> Tokenizer::Decode(const std::vector<int32_t>& ids,
                                      bool skip_special) const {
  std::string out, run;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= vocab_size()) {
      return InvalidArgument("token id " + std::to_string(id) +
                             " at position " + std::to_string(i) +
                             " is outside the vocabulary (size " +
                             std::to_string(vocab_size()) + ")");
    }
    if (skip_special && (flags_[id] & kFlagSpecial)) continue;
    const int byte = ByteValue(id);
    if (byte >= 0) {
      run.push_back(static_cast<char>(byte));
      continue;
    }
    FlushByteRun(&run, &out);
    AppendPiece(Piece(id), &out);
  }
  FlushByteRun(&run, &out);
  return out;
}

Status StreamingDetokenizer::Push(int32_t id, std::string* out) {
  if (id < 0 || id >= tok_.vocab_size()) {
    return InvalidArgument("token id " + std::to_string(id) +
                           " is outside the vocabulary (size " +
                           std::to_string(tok_.vocab_size()) + ")");
  }
  if (skip_special_ && tok_.IsSpecial(id)) return Status::Ok();
  const int byte = tok_.ByteValue(id);
  if (byte < 0) {
    Finish(out);
    AppendPiece(tok_.Piece(id), out);
    return Status::Ok();
  }
  pending_.push_back(static_cast<char>(byte));
  FlushBytes(out);
  return Status::Ok();
}

void StreamingDetokenizer::FlushBytes(std::string* out) {
  // Emit complete characters; keep a valid incomplete tail; an invalid
  // sequence gives U+FFFD per byte (Decode() does the same for such a run).
  size_t i = 0;
  while (i < pending_.size()) {
    uint32_t cp;
    size_t len;
    const Utf8Status st =
        DecodeUtf8(pending_.data() + i, pending_.size() - i, &cp, &len);
    if (st == Utf8Status::kIncomplete) break;
    if (st == Utf8Status::kComplete) {
      out->append(pending_, i, len);
    } else {
      AppendReplacement(out, 1);
    }
    i += len;
  }
  pending_.erase(0, i);
}

void StreamingDetokenizer::Finish(std::string* out) {
  AppendReplacement(out, pending_.size());
  pending_.clear();
}

}  // namespace edgemma
