#include "core/text/tokenizer_builder.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/text/utf8.h"

namespace edgemma {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581

uint64_t TableSize(size_t n) {
  uint64_t size = 16;
  while (size < 2 * static_cast<uint64_t>(n)) size <<= 1;
  return size;
}

// Code points c such that `piece` holds c directly followed by U+2581.
void CollectGlue(std::string_view piece, std::vector<uint32_t>* glue) {
  size_t hit = piece.find(kSpaceMark, 1);
  while (hit != std::string_view::npos) {
    size_t start = hit - 1;  // back up to the first byte of the character
    while (start > 0 && (static_cast<uint8_t>(piece[start]) & 0xC0) == 0x80) {
      --start;
    }
    uint32_t cp;
    size_t len;
    if (DecodeUtf8(piece.data() + start, hit - start, &cp, &len) ==
            Utf8Status::kComplete &&
        start + len == hit) {
      glue->push_back(cp);
    }
    hit = piece.find(kSpaceMark, hit + 1);
  }
}

uint64_t NextSerial() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// Ids of keys[0, n) (-1 if absent), as TokenId gives them, with the cache
// misses of the batch overlapped: all first probes are prefetched, then the
// offsets of the ids found there, then their characters.
void ResolveIds(const Tokenizer& t, const Tokenizer::Impl& impl,
                const std::string_view* keys, size_t n, int32_t* ids) {
  constexpr size_t kMax = 256;
  uint64_t slot[kMax];
  uint32_t first_id[kMax];
  const size_t m = std::min(n, kMax);
  for (size_t i = 0; i < m; ++i) {
    slot[i] = PieceHash(keys[i].data(), keys[i].size()) & impl.piece_mask;
    __builtin_prefetch(impl.piece_table.bytes() + 4 * slot[i]);
  }
  for (size_t i = 0; i < m; ++i) {
    first_id[i] = impl.piece_table[slot[i]];
    if (first_id[i] != kEmpty) {
      __builtin_prefetch(impl.offsets.bytes() + 4 * first_id[i]);
    }
  }
  for (size_t i = 0; i < m; ++i) {
    if (first_id[i] != kEmpty) {
      __builtin_prefetch(impl.chars + impl.offsets[first_id[i]]);
    }
  }
  for (size_t i = 0; i < n; ++i) ids[i] = t.TokenId(keys[i]);
}

// The merge hash table over impl->merges_store (first rank wins for a
// repeated pair, like HF), inserting a batch at a time after prefetching.
void IndexMerges(Tokenizer::Impl* impl) {
  const std::vector<int32_t>& merges = impl->merges_store;
  const size_t count = merges.size() / 3;
  const uint64_t size = TableSize(count);
  const uint64_t mask = size - 1;
  std::vector<uint32_t>& slots = impl->merge_slot_store;
  slots.assign(4 * size, kEmpty);
  constexpr size_t kBatch = 64;
  for (size_t first = 0; first < count; first += kBatch) {
    const size_t end = std::min(count, first + kBatch);
    for (size_t r = first; r < end; ++r) {
      __builtin_prefetch(
          slots.data() +
              4 * (MergeHash(merges[3 * r], merges[3 * r + 1]) & mask),
          1);
    }
    for (size_t r = first; r < end; ++r) {
      const auto l = static_cast<uint32_t>(merges[3 * r]);
      const auto rr = static_cast<uint32_t>(merges[3 * r + 1]);
      uint64_t slot = MergeHash(l, rr) & mask;
      while (slots[4 * slot] != kEmpty &&
             !(slots[4 * slot] == l && slots[4 * slot + 1] == rr)) {
        slot = (slot + 1) & mask;
      }
      if (slots[4 * slot] != kEmpty) continue;
      slots[4 * slot] = l;
      slots[4 * slot + 1] = rr;
      slots[4 * slot + 2] = static_cast<uint32_t>(r);
      slots[4 * slot + 3] = static_cast<uint32_t>(merges[3 * r + 2]);
    }
  }
}

}  // namespace

uint64_t PieceHash(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull * (n + 1);
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w = 0;
    for (int i = 7; i >= 0; --i) w = (w << 8) | static_cast<uint8_t>(p[i]);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  uint64_t w = 0;
  for (size_t i = n; i > 0; --i) w = (w << 8) | static_cast<uint8_t>(p[i - 1]);
  h = (h ^ w) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

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

Tokenizer::Impl::Impl() : serial(NextSerial()) {}

bool Tokenizer::Impl::Glues(uint32_t cp) const {
  if (cp < 0x10000) return (glue_bits[cp >> 6] >> (cp & 63)) & 1;
  size_t lo = 0, hi = space_glue.size();  // sorted: binary search
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (space_glue[mid] < cp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < space_glue.size() && space_glue[lo] == cp;
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

void Tokenizer::Impl::UseStores(Tokenizer* t) {
  chars = chars_store.data();
  chars_size = chars_store.size();
  flags_count = flags_store.size();
  offsets = LeArray<uint32_t>(offsets_store.data(), offsets_store.size());
  flags = flags_store.data();
  piece_table = LeArray<uint32_t>(piece_store.data(), piece_store.size());
  piece_mask = piece_store.size() - 1;
  merges = LeArray<int32_t>(merges_store.data(), merges_store.size());
  merge_table =
      LeArray<uint32_t>(merge_slot_store.data(), merge_slot_store.size());
  merge_mask = merge_slot_store.size() / 4 - 1;
  bmp_char = LeArray<int32_t>(bmp_store.data(), bmp_store.size());
  space_glue = LeArray<uint32_t>(glue_store.data(), glue_store.size());
  t->vocab_size_ = static_cast<int32_t>(offsets_store.size()) - 1;
  t->num_merges_ = merges_store.size() / 3;
}

void Tokenizer::Impl::Finish(Tokenizer* t) {
  std::fill(std::begin(t->byte_ids_), std::end(t->byte_ids_), -1);
  std::fill(std::begin(root_kids), std::end(root_kids), -1);
  trie.assign(1, TrieNode());
  const int32_t n = t->vocab_size();
  for (int32_t id = 0; id < n; ++id) {
    const uint8_t f = flags[id];
    if (!(f & (kFlagByte | kFlagAdded))) continue;
    const std::string_view piece = t->Piece(id);
    if (f & kFlagByte) {
      const int byte = ParseByteToken(piece);
      if (byte >= 0 && t->byte_ids_[byte] < 0) t->byte_ids_[byte] = id;
    }
    if (!(f & kFlagAdded) || piece.empty()) continue;
    int32_t* slot = &root_kids[static_cast<uint8_t>(piece[0])];
    int32_t node = *slot;
    if (node < 0) {
      node = *slot = static_cast<int32_t>(trie.size());
      trie.emplace_back();
    }
    for (size_t i = 1; i < piece.size(); ++i) {
      const auto c = static_cast<uint8_t>(piece[i]);
      int32_t next = -1;
      for (const auto& kid : trie[node].kids) {
        if (kid.first == c) next = kid.second;
      }
      if (next < 0) {
        next = static_cast<int32_t>(trie.size());
        trie[node].kids.push_back({c, next});
        trie.emplace_back();
      }
      node = next;
    }
    if (trie[node].token < 0) trie[node].token = id;
  }
  space_id = t->TokenId(kSpaceMark);
  glue_bits.assign(0x10000 / 64, 0);
  for (size_t i = 0; i < space_glue.size(); ++i) {
    const uint32_t cp = space_glue[i];
    if (cp < 0x10000) glue_bits[cp >> 6] |= 1ull << (cp & 63);
  }
}

void Tokenizer::Impl::ResolveSpecialIds(Tokenizer* t, int32_t bos, int32_t eos,
                                        int32_t pad, int32_t unk,
                                        std::string_view unk_piece,
                                        bool add_bos) {
  auto pick = [t](int32_t given, const char* piece) {
    if (given >= 0 && given < t->vocab_size()) return given;
    return t->TokenId(piece);
  };
  t->bos_id_ = pick(bos, "<bos>");
  t->eos_id_ = pick(eos, "<eos>");
  t->pad_id_ = pick(pad, "<pad>");
  t->unk_id_ = unk >= 0 && unk < t->vocab_size()
                   ? unk
                   : t->TokenId(unk_piece.empty() ? "<unk>" : unk_piece);
  t->add_bos_ = add_bos && t->bos_id_ >= 0;
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

void TokenizerBuilder::ReserveMerges(size_t count, size_t chars) {
  merge_lens_.reserve(2 * count);
  merge_chars_.reserve(chars);
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
  auto& impl = *t->impl_;
  std::vector<std::pair<uint32_t, uint32_t>> span(n, {0, 0});
  impl.flags_store.assign(n, 0);
  for (const auto& p : pieces_) {
    span[p.first] = p.second;
    impl.flags_store[p.first] |= kFlagPresent;
  }
  for (const auto& a : added_) {
    if (impl.flags_store[a.id] & kFlagPresent) continue;
    span[a.id] = {static_cast<uint32_t>(piece_chars_.size()),
                  static_cast<uint32_t>(a.content.size())};
    piece_chars_.append(a.content);
    impl.flags_store[a.id] |= kFlagPresent;
  }
  impl.offsets_store.resize(n + 1);
  std::string& chars = impl.chars_store;
  chars.reserve(piece_chars_.size());
  for (size_t id = 0; id < n; ++id) {
    impl.offsets_store[id] = static_cast<uint32_t>(chars.size());
    chars.append(piece_chars_, span[id].first, span[id].second);
  }
  impl.offsets_store[n] = static_cast<uint32_t>(chars.size());
  std::string().swap(piece_chars_);
  decltype(pieces_)().swap(pieces_);
  IndexPieces(t);
  return Status::Ok();
}

void TokenizerBuilder::IndexPieces(Tokenizer* t) {
  auto& impl = *t->impl_;
  const size_t n = impl.flags_store.size();
  impl.piece_store.assign(TableSize(n), kEmpty);
  const uint64_t mask = impl.piece_store.size() - 1;
  impl.bmp_store.assign(0x10000, -1);
  const std::vector<uint32_t>& off = impl.offsets_store;
  for (size_t id = 0; id < n; ++id) {
    uint8_t& flags = impl.flags_store[id];
    if (!(flags & kFlagPresent)) continue;
    const std::string_view piece(impl.chars_store.data() + off[id],
                                 off[id + 1] - off[id]);
    uint64_t slot = PieceHash(piece.data(), piece.size()) & mask;
    bool repeated = false;  // first id wins for a repeated string
    for (; impl.piece_store[slot] != kEmpty; slot = (slot + 1) & mask) {
      const uint32_t other = impl.piece_store[slot];
      if (piece == std::string_view(impl.chars_store.data() + off[other],
                                    off[other + 1] - off[other])) {
        repeated = true;
        break;
      }
    }
    if (!repeated) impl.piece_store[slot] = static_cast<uint32_t>(id);
    if (ParseByteToken(piece) >= 0) flags |= kFlagByte;
    if (piece.find(kSpaceMark) != std::string_view::npos) {
      flags |= kFlagSpaceMark;
      CollectGlue(piece, &impl.glue_store);
    }
    uint32_t cp;
    size_t len;
    if (!piece.empty() &&
        DecodeUtf8(piece.data(), piece.size(), &cp, &len) ==
            Utf8Status::kComplete &&
        len == piece.size() && cp < 0x10000 && impl.bmp_store[cp] < 0) {
      impl.bmp_store[cp] = static_cast<int32_t>(id);
    }
  }
  std::vector<uint32_t>& glue = impl.glue_store;
  std::sort(glue.begin(), glue.end());
  glue.erase(std::unique(glue.begin(), glue.end()), glue.end());
}

Status TokenizerBuilder::BuildMerges(Tokenizer* t, const std::string& name) {
  auto& impl = *t->impl_;
  const size_t count = merge_lens_.size() / 2;
  impl.merges_store.resize(3 * count);
  // Ids of left, right and left+right for a batch of merges at a time.
  constexpr size_t kBatch = 64;
  std::vector<std::string_view> keys(3 * kBatch);
  std::string concat;
  size_t off = 0;
  for (size_t first = 0; first < count; first += kBatch) {
    const size_t n = std::min(kBatch, count - first);
    concat.clear();
    size_t concat_off[kBatch];
    for (size_t i = 0; i < n; ++i) {
      const size_t r = first + i;
      const size_t len = merge_lens_[2 * r] + merge_lens_[2 * r + 1];
      keys[3 * i] =
          std::string_view(merge_chars_.data() + off, merge_lens_[2 * r]);
      keys[3 * i + 1] =
          std::string_view(merge_chars_.data() + off + merge_lens_[2 * r],
                           merge_lens_[2 * r + 1]);
      concat_off[i] = concat.size();
      concat.append(merge_chars_, off, len);
      off += len;
    }
    for (size_t i = 0; i < n; ++i) {
      keys[3 * i + 2] =
          std::string_view(concat.data() + concat_off[i],
                           keys[3 * i].size() + keys[3 * i + 1].size());
    }
    int32_t* ids = impl.merges_store.data() + 3 * first;
    ResolveIds(*t, impl, keys.data(), 3 * n, ids);
    for (size_t i = 0; i < n; ++i) {
      if (ids[3 * i] < 0 || ids[3 * i + 1] < 0 || ids[3 * i + 2] < 0) {
        return Corrupt(name + ": merge " + std::to_string(first + i) + " '" +
                       std::string(keys[3 * i]) + " " +
                       std::string(keys[3 * i + 1]) +
                       "' uses a piece missing from the vocabulary");
      }
    }
  }
  std::string().swap(merge_chars_);
  std::vector<uint32_t>().swap(merge_lens_);
  IndexMerges(&impl);
  return Status::Ok();
}

Result<std::unique_ptr<Tokenizer>> TokenizerBuilder::Build(
    const std::string& name) {
  std::unique_ptr<Tokenizer> t = Tokenizer::Impl::NewTokenizer();
  Tokenizer::Impl& impl = *t->impl_;
  impl.fuse_unk = fuse_unk_;
  EM_RETURN_IF_ERROR(BuildPieces(t.get(), name));
  for (const auto& a : added_) {
    impl.flags_store[a.id] |= kFlagAdded | (a.special ? kFlagSpecial : 0);
  }
  impl.UseStores(t.get());  // TokenId works from here on
  EM_RETURN_IF_ERROR(BuildMerges(t.get(), name));
  impl.UseStores(t.get());
  Tokenizer::Impl::ResolveSpecialIds(t.get(), bos_, eos_, pad_, unk_,
                                     unk_piece_, add_bos_);
  if (t->unk_id_ >= 0) impl.flags_store[t->unk_id_] |= kFlagUnknown;
  impl.Finish(t.get());
  return t;
}

}  // namespace edgemma
