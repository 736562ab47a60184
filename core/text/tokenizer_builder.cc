#include "core/text/tokenizer_builder.h"

#include <algorithm>
#include <cstring>

#include "core/text/utf8.h"

namespace edgemma {
namespace {

uint64_t TableSize(size_t n) {
  uint64_t size = 16;
  while (size < 2 * static_cast<uint64_t>(n)) size <<= 1;
  return size;
}

uint64_t MixMergeKey(uint64_t key) {
  key ^= key >> 29;
  key *= 0xBF58476D1CE4E5B9ull;
  key ^= key >> 32;
  return key;
}

// <0xXX> with upper-case hex digits, as written by SentencePiece / HF.
int ParseByteToken(std::string_view p) {
  if (p.size() != 6 || p.compare(0, 3, "<0x") != 0 || p[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    const char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      v |= c - 'A' + 10;
    } else {
      return -1;
    }
  }
  return v;
}

}  // namespace

uint64_t HashBytes(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

int32_t Tokenizer::Impl::MergeRank(int32_t left, int32_t right) const {
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
      static_cast<uint32_t>(right);
  for (uint64_t i = MixMergeKey(key) & merge_mask;; i = (i + 1) & merge_mask) {
    if (merge_keys[i] == key) return merge_ranks[i];
    if (merge_keys[i] == ~0ull) return -1;
  }
}

std::pair<int32_t, size_t> Tokenizer::Impl::MatchAdded(std::string_view text,
                                                       size_t pos) const {
  int32_t node = root_kids[static_cast<unsigned char>(text[pos])];
  std::pair<int32_t, size_t> best(-1, 0);
  size_t i = pos + 1;
  while (node >= 0) {
    if (trie[node].token >= 0) best = {trie[node].token, i - pos};
    if (i >= text.size()) break;
    const auto c = static_cast<uint8_t>(text[i]);
    int32_t next = -1;
    for (const auto& kid : trie[node].kids) {
      if (kid.first == c) {
        next = kid.second;
        break;
      }
    }
    node = next;
    ++i;
  }
  return best;
}

void TokenizerBuilder::SetPiece(int32_t id, std::string_view piece) {
  pieces_.push_back({id,
                     {static_cast<uint32_t>(piece_chars_.size()),
                      static_cast<uint32_t>(piece.size())}});
  piece_chars_.append(piece);
}

void TokenizerBuilder::AddAddedToken(int32_t id, std::string_view content,
                                     bool special) {
  added_.push_back(Added{id, std::string(content), special});
}

void TokenizerBuilder::AddMerge(std::string_view left, std::string_view right) {
  merge_chars_.append(left);
  merge_chars_.append(right);
  merge_lens_.push_back(static_cast<uint32_t>(left.size()));
  merge_lens_.push_back(static_cast<uint32_t>(right.size()));
}

Status TokenizerBuilder::BuildPieces(Tokenizer* t, const std::string& name) {
  int32_t max_id = -1;
  for (const auto& p : pieces_) {
    if (p.first < 0) {
      return Corrupt(name + ": negative token id " + std::to_string(p.first));
    }
    max_id = std::max(max_id, p.first);
  }
  for (const auto& a : added_) {
    if (a.id < 0) {
      return Corrupt(name + ": added token '" + a.content +
                     "' has a negative id");
    }
    max_id = std::max(max_id, a.id);
  }
  if (max_id < 0) return Corrupt(name + ": empty vocabulary");
  if (max_id >= (1 << 24)) {
    return Corrupt(name + ": token id " + std::to_string(max_id) +
                   " is implausibly large");
  }
  const size_t n = static_cast<size_t>(max_id) + 1;
  std::vector<std::pair<uint32_t, uint32_t>> span(n, {0, 0});
  t->flags_.assign(n, 0);
  for (const auto& p : pieces_) {
    span[p.first] = p.second;
    t->flags_[p.first] |= kFlagPresent;
  }
  for (const auto& a : added_) {
    if (t->flags_[a.id] & kFlagPresent) continue;
    span[a.id] = {static_cast<uint32_t>(piece_chars_.size()),
                  static_cast<uint32_t>(a.content.size())};
    piece_chars_.append(a.content);
    t->flags_[a.id] |= kFlagPresent;
  }
  t->offsets_.resize(n + 1);
  t->chars_.clear();
  t->chars_.reserve(piece_chars_.size());
  for (size_t id = 0; id < n; ++id) {
    t->offsets_[id] = static_cast<uint32_t>(t->chars_.size());
    t->chars_.append(piece_chars_, span[id].first, span[id].second);
  }
  t->offsets_[n] = static_cast<uint32_t>(t->chars_.size());
  piece_chars_.clear();
  piece_chars_.shrink_to_fit();

  auto& impl = *t->impl_;
  const uint64_t size = TableSize(n);
  impl.piece_slots.assign(size, ~0ull);
  impl.piece_mask = size - 1;
  impl.bmp_char.assign(0x10000, -1);
  std::fill(std::begin(t->byte_ids_), std::end(t->byte_ids_), -1);
  for (size_t id = 0; id < n; ++id) {
    if (!(t->flags_[id] & kFlagPresent)) continue;
    const std::string_view piece = t->Piece(static_cast<int32_t>(id));
    // First id wins for a repeated string.
    if (t->TokenId(piece) < 0) {
      const uint64_t h = HashBytes(piece);
      uint64_t slot = h & impl.piece_mask;
      while (impl.piece_slots[slot] != ~0ull) {
        slot = (slot + 1) & impl.piece_mask;
      }
      impl.piece_slots[slot] = (h >> 32 << 32) | id;
    }
    const int byte = ParseByteToken(piece);
    if (byte >= 0) {
      t->flags_[id] |= kFlagByte;
      if (t->byte_ids_[byte] < 0) t->byte_ids_[byte] = static_cast<int32_t>(id);
    }
    uint32_t cp;
    size_t len;
    if (!piece.empty() &&
        DecodeUtf8(piece.data(), piece.size(), &cp, &len) ==
            Utf8Status::kComplete &&
        len == piece.size() && cp < 0x10000 && impl.bmp_char[cp] < 0) {
      impl.bmp_char[cp] = static_cast<int32_t>(id);
    }
  }
  return Status::Ok();
}

Status TokenizerBuilder::BuildMerges(Tokenizer* t, const std::string& name) {
  auto& impl = *t->impl_;
  const size_t count = merge_lens_.size() / 2;
  const uint64_t size = TableSize(count);
  impl.merge_keys.assign(size, ~0ull);
  impl.merge_ranks.assign(size, -1);
  impl.merge_mask = size - 1;
  t->merges_.clear();
  t->merges_.reserve(count);
  size_t off = 0;
  for (size_t r = 0; r < count; ++r) {
    const std::string_view left(merge_chars_.data() + off, merge_lens_[2 * r]);
    off += left.size();
    const std::string_view right(merge_chars_.data() + off,
                                 merge_lens_[2 * r + 1]);
    off += right.size();
    const int32_t l = t->TokenId(left), rr = t->TokenId(right);
    const int32_t merged = t->ConcatId(left, right);
    if (l < 0 || rr < 0 || merged < 0) {
      return Corrupt(name + ": merge " + std::to_string(r) + " '" +
                     std::string(left) + " " + std::string(right) +
                     "' uses a piece missing from the vocabulary");
    }
    const uint64_t key =
        (static_cast<uint64_t>(static_cast<uint32_t>(l)) << 32) |
        static_cast<uint32_t>(rr);
    uint64_t slot = MixMergeKey(key) & impl.merge_mask;
    while (impl.merge_keys[slot] != ~0ull && impl.merge_keys[slot] != key) {
      slot = (slot + 1) & impl.merge_mask;
    }
    // A repeated pair keeps its first (lowest) rank, like HF.
    if (impl.merge_keys[slot] == ~0ull) {
      impl.merge_keys[slot] = key;
      impl.merge_ranks[slot] = static_cast<int32_t>(t->merges_.size());
    }
    t->merges_.push_back({l, rr, merged});
  }
  merge_chars_.clear();
  merge_chars_.shrink_to_fit();
  return Status::Ok();
}

void TokenizerBuilder::BuildAdded(Tokenizer* t) {
  auto& impl = *t->impl_;
  impl.trie.assign(1, Tokenizer::Impl::TrieNode());
  std::fill(std::begin(impl.root_kids), std::end(impl.root_kids), -1);
  for (const auto& a : added_) {
    t->flags_[a.id] |= kFlagAdded | (a.special ? kFlagSpecial : 0);
    if (a.content.empty()) continue;
    impl.max_added_len = std::max(impl.max_added_len, a.content.size());
    const auto first = static_cast<uint8_t>(a.content[0]);
    if (impl.root_kids[first] < 0) {
      impl.root_kids[first] = static_cast<int32_t>(impl.trie.size());
      impl.trie.emplace_back();
    }
    int32_t node = impl.root_kids[first];
    for (size_t i = 1; i < a.content.size(); ++i) {
      const auto c = static_cast<uint8_t>(a.content[i]);
      int32_t next = -1;
      for (const auto& kid : impl.trie[node].kids) {
        if (kid.first == c) next = kid.second;
      }
      if (next < 0) {
        next = static_cast<int32_t>(impl.trie.size());
        impl.trie[node].kids.push_back({c, next});
        impl.trie.emplace_back();
      }
      node = next;
    }
    if (impl.trie[node].token < 0) impl.trie[node].token = a.id;
  }
}

void TokenizerBuilder::ResolveSpecialIds(Tokenizer* t) {
  auto pick = [t](int32_t given, const char* piece) {
    if (given >= 0 && given < t->vocab_size()) return given;
    return t->TokenId(piece);
  };
  t->bos_id_ = pick(bos_, "<bos>");
  t->eos_id_ = pick(eos_, "<eos>");
  t->pad_id_ = pick(pad_, "<pad>");
  t->unk_id_ = unk_ >= 0 && unk_ < t->vocab_size()
                   ? unk_
                   : t->TokenId(unk_piece_.empty() ? "<unk>" : unk_piece_);
  if (t->unk_id_ >= 0) t->flags_[t->unk_id_] |= kFlagUnknown;
  t->add_bos_ = add_bos_ && t->bos_id_ >= 0;
}

Result<std::unique_ptr<Tokenizer>> TokenizerBuilder::Build(
    const std::string& name) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->impl_->fuse_unk = fuse_unk_;
  EM_RETURN_IF_ERROR(BuildPieces(t.get(), name));
  EM_RETURN_IF_ERROR(BuildMerges(t.get(), name));
  BuildAdded(t.get());
  ResolveSpecialIds(t.get());
  return t;
}

}  // namespace edgemma
