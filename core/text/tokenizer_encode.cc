// Encoding: added-token split, then BPE with byte fallback.
//
// The normalizer maps ' ' to U+2581 and there is no pre-tokenizer, so HF runs
// BPE over each whole segment between added tokens. We split a segment into
// words before a U+2581 whose preceding character c is in the vocabulary and
// "does not glue" (no piece holds c followed by U+2581): no merge can then
// ever span the break (every BPE symbol's string is the concatenation of its
// characters' pieces, and merges only produce vocabulary pieces), so BPE per
// word gives exactly BPE over the segment. Short words use a linear scan
// over pair ranks; long ones (no spaces, e.g. CJK) a priority queue; words of
// up to 22 bytes are remembered in a small per-thread cache.
#include <algorithm>
#include <cstring>

#include "core/text/tokenizer.h"
#include "core/text/tokenizer_builder.h"
#include "core/text/utf8.h"

namespace edgemma {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581
constexpr uint32_t kSpaceCp = 0x2581;
// Words up to this many symbols use the O(n^2) linear scan.
constexpr size_t kLinearMax = 48;

// Merge of a symbol with its right neighbour: rank (kEmpty = none) and
// the merged id.
struct Pair {
  uint32_t rank;
  int32_t merged;
};

// Heap path: one symbol; merged symbols absorb their right neighbour.
struct Symbol {
  int32_t id;
  int32_t prev, next;
  bool alive;
};

// Heap entry: pair (pos, next(pos)) may merge at `rank`. Lowest rank first,
// then leftmost (pos is monotonic in text order).
struct Candidate {
  uint32_t rank;
  int32_t pos;
  bool operator<(const Candidate& o) const {
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

// A cached word: its text and ids, valid for the tokenizer with `serial`
// (serials are never reused, so a freed tokenizer's entries never match).
constexpr size_t kCacheText = 22, kCacheIds = 8, kCacheEntries = 4096;
struct CacheEntry {
  uint64_t serial = 0;
  uint64_t hash = 0;
  uint8_t len = 0, count = 0;
  char text[kCacheText];
  int32_t ids[kCacheIds];
};

// Per-thread buffers reused across calls (Encode allocates only when a word
// is longer than any seen before on the thread, and the 288 KiB word cache
// once per thread).
// Recent merge lookups: (left << 32 | right) -> Pair; key ~0 = empty. Common
// pairs then stay in L1/L2 instead of missing in the big merge table.
constexpr int kPairBits = 12;
struct PairSlot {
  uint64_t key;
  Pair pair;
};

struct Scratch {
  std::vector<CacheEntry> cache;     // direct-mapped by word hash
  std::vector<PairSlot> pair_cache;  // 2^kPairBits slots
  uint64_t pair_owner = 0;           // serial of the tokenizer they belong to
  std::vector<int32_t> word;
  std::vector<Pair> pairs;
  std::vector<int32_t> next;
  std::vector<Symbol> sym;
  std::vector<Candidate> heap;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

PairSlot& CacheSlot(Scratch* s, int32_t left, int32_t right, uint64_t* key) {
  *key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
         static_cast<uint32_t>(right);
  return s->pair_cache[(*key * 0x9E3779B97F4A7C15ull) >> (64 - kPairBits)];
}

// The merge of (left, right), through the per-thread pair cache.
Pair Lookup(const Tokenizer::Impl& impl, Scratch* s, int32_t left,
            int32_t right) {
  uint64_t key;
  PairSlot& slot = CacheSlot(s, left, right, &key);
  if (slot.key == key) return slot.pair;
  Pair p{kEmpty, -1};
  impl.FindMerge(left, right, &p.rank, &p.merged);
  slot = PairSlot{key, p};
  return p;
}

// Starts loading the merge table slot Lookup will need, unless cached.
void Prefetch(const Tokenizer::Impl& impl, Scratch* s, int32_t left,
              int32_t right) {
  uint64_t key;
  if (CacheSlot(s, left, right, &key).key != key) {
    impl.PrefetchMerge(left, right);
  }
}

// BPE by repeatedly merging the lowest-rank, leftmost pair; symbols form a
// linked list over word[] (no shifting).
void MergeLinear(const Tokenizer::Impl& impl, Scratch* s,
                 std::vector<int32_t>* out) {
  int32_t* word = s->word.data();
  const auto n = static_cast<int32_t>(s->word.size());
  s->pairs.resize(n);
  s->next.resize(n);
  Pair* pairs = s->pairs.data();  // pairs[i]: word[i] + word[next[i]]
  int32_t* next = s->next.data();
  // All first probes are independent: start their cache misses together.
  for (int32_t i = 0; i + 1 < n; ++i) Prefetch(impl, s, word[i], word[i + 1]);
  for (int32_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    pairs[i] =
        i + 1 < n ? Lookup(impl, s, word[i], word[i + 1]) : Pair{kEmpty, -1};
  }
  for (;;) {
    uint32_t best = kEmpty;
    int32_t at = -1, before = -1;
    for (int32_t i = 0, prev = -1; i < n; prev = i, i = next[i]) {
      if (pairs[i].rank < best) best = pairs[i].rank, at = i, before = prev;
    }
    if (at < 0) break;
    word[at] = pairs[at].merged;
    next[at] = next[next[at]];
    // Both new pairs' probes miss the cache independently: overlap them.
    if (next[at] < n) Prefetch(impl, s, word[at], word[next[at]]);
    if (before >= 0) Prefetch(impl, s, word[before], word[at]);
    pairs[at] = next[at] < n ? Lookup(impl, s, word[at], word[next[at]])
                             : Pair{kEmpty, -1};
    if (before >= 0) pairs[before] = Lookup(impl, s, word[before], word[at]);
  }
  for (int32_t i = 0; i < n; i = next[i]) out->push_back(word[i]);
}

// Same result as MergeLinear in O(n log n), for long words.
void MergeHeap(const Tokenizer::Impl& impl, const std::vector<int32_t>& word,
               Scratch* s, std::vector<int32_t>* out) {
  const auto n = static_cast<int32_t>(word.size());
  std::vector<Symbol>& sym = s->sym;
  std::vector<Candidate>& heap = s->heap;
  sym.resize(n);
  heap.clear();
  for (int32_t i = 0; i + 1 < n; ++i) Prefetch(impl, s, word[i], word[i + 1]);
  for (int32_t i = 0; i < n; ++i) {
    sym[i] = Symbol{word[i], i - 1, i + 1 < n ? i + 1 : -1, true};
    if (i + 1 < n) {
      const Pair p = Lookup(impl, s, word[i], word[i + 1]);
      if (p.rank != kEmpty) heap.push_back({p.rank, i});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  auto push = [&](int32_t a) {
    if (a < 0 || sym[a].next < 0) return;
    const Pair p = Lookup(impl, s, sym[a].id, sym[sym[a].next].id);
    if (p.rank == kEmpty) return;
    heap.push_back({p.rank, a});
    std::push_heap(heap.begin(), heap.end());
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = sym[c.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[left.next];
    // Stale entry: the pair changed since it was queued.
    const Pair p = Lookup(impl, s, left.id, right.id);
    if (p.rank != c.rank) continue;
    left.id = p.merged;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) {
      sym[left.next].prev = c.pos;
      Prefetch(impl, s, left.id, sym[left.next].id);
    }
    if (left.prev >= 0) Prefetch(impl, s, sym[left.prev].id, left.id);
    push(left.prev);
    push(c.pos);
  }
  for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = sym[i].next) {
    out->push_back(sym[i].id);
  }
}

// Appends the BPE of s->word (the initial symbols of `text`) to *out and
// clears s->word. Short words go through the per-thread cache.
void MergeWord(const Tokenizer::Impl& impl, std::string_view text, Scratch* s,
               std::vector<int32_t>* out) {
  std::vector<int32_t>& word = s->word;
  if (word.size() == 1) {
    out->push_back(word[0]);
    word.clear();
    return;
  }
  CacheEntry* entry = nullptr;
  uint64_t hash = 0;
  if (text.size() <= kCacheText) {
    if (s->cache.empty()) s->cache.resize(kCacheEntries);
    hash = PieceHash(text.data(), text.size());
    entry = &s->cache[hash & (kCacheEntries - 1)];
    if (entry->serial == impl.serial && entry->hash == hash &&
        entry->len == text.size() &&
        std::memcmp(entry->text, text.data(), text.size()) == 0) {
      // A few ids: push_back beats vector::insert's memmove call.
      for (uint8_t i = 0; i < entry->count; ++i) out->push_back(entry->ids[i]);
      word.clear();
      return;
    }
  }
  const size_t first = out->size();
  if (word.size() <= kLinearMax) {
    MergeLinear(impl, s, out);
  } else {
    MergeHeap(impl, word, s, out);
  }
  word.clear();
  const size_t count = out->size() - first;
  if (entry != nullptr && count <= kCacheIds) {
    entry->serial = impl.serial;
    entry->hash = hash;
    entry->len = static_cast<uint8_t>(text.size());
    entry->count = static_cast<uint8_t>(count);
    std::memcpy(entry->text, text.data(), text.size());
    std::memcpy(entry->ids, out->data() + first, count * sizeof(int32_t));
  }
}

}  // namespace

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
    if (parse_special || !(impl.flags[match.first] & kFlagSpecial)) {
      EncodeText(text.substr(segment, pos - segment), out);
      out->push_back(match.first);
      segment = pos + match.second;
    }
    pos += match.second;
  }
  EncodeText(text.substr(segment), out);
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

void Tokenizer::EncodeText(std::string_view text,
                           std::vector<int32_t>* out) const {
  if (text.empty()) return;
  const Impl& impl = *impl_;
  Scratch& s = ThreadScratch();
  if (s.pair_owner != impl.serial) {
    s.pair_cache.assign(size_t{1} << kPairBits, PairSlot{~0ull, {kEmpty, -1}});
    s.pair_owner = impl.serial;
  }
  std::vector<int32_t>& word = s.word;
  word.clear();
  // Initial symbols: one per code point (' ' is U+2581, the normalizer);
  // characters missing from the vocabulary become their byte tokens.
  bool can_break = false;  // a word may end before the next U+2581
  size_t word_start = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t len = 1;
    int32_t id = -1;
    if (c == ' ') {
      cp = kSpaceCp;
      id = impl.space_id;
    } else if (c < 0x80) {
      id = impl.bmp_char[c];
    } else if (DecodeUtf8(text.data() + i, text.size() - i, &cp, &len) ==
               Utf8Status::kComplete) {
      id = cp < 0x10000 ? impl.bmp_char[cp] : TokenId(text.substr(i, len));
    } else {
      len = 1;  // invalid byte: falls back to its byte token
    }
    if (cp == kSpaceCp && can_break && !word.empty()) {
      MergeWord(impl, text.substr(word_start, i - word_start), &s, out);
      word_start = i;
    }
    if (id >= 0) {
      word.push_back(id);
      can_break = impl.space_id >= 0 && !impl.Glues(cp);
    } else {
      AppendByteFallback(c == ' ' ? kSpaceMark : text.substr(i, len), &word);
      can_break = false;
    }
    i += len;
  }
  if (!word.empty()) MergeWord(impl, text.substr(word_start), &s, out);
}

}  // namespace edgemma
