// Encoding: added-token split, then BPE with byte fallback.
//
// The normalizer maps ' ' to U+2581 and there is no pre-tokenizer, so HF runs
// BPE over each whole segment between added tokens. We split a segment into
// words before a U+2581 whose preceding character c is in the vocabulary and
// "does not glue" (no piece holds c followed by U+2581): no merge can then
// ever span the break (every BPE symbol's string is the concatenation of its
// characters' pieces, and merges only produce vocabulary pieces), so BPE per
// word gives exactly BPE over the segment. Short words use a linear scan
// over pair ranks; long ones (no spaces, e.g. CJK) a priority queue.
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

// Per-thread buffers reused across calls (Encode allocates only when a word
// is longer than any seen before on the thread).
struct Scratch {
  std::vector<int32_t> word;
  std::vector<Pair> pairs;
  std::vector<Symbol> sym;
  std::vector<Candidate> heap;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

Pair Lookup(const Tokenizer::Impl& impl, int32_t left, int32_t right) {
  Pair p{kEmpty, -1};
  impl.FindMerge(left, right, &p.rank, &p.merged);
  return p;
}

// BPE by repeatedly merging the lowest-rank, leftmost pair (in place).
size_t MergeLinear(const Tokenizer::Impl& impl, int32_t* word, size_t n,
                   std::vector<Pair>* pairs_buf) {
  pairs_buf->resize(n);
  Pair* pairs = pairs_buf->data();  // pairs[i]: word[i] + word[i + 1]
  for (size_t i = 0; i + 1 < n; ++i)
    pairs[i] = Lookup(impl, word[i], word[i + 1]);
  while (n > 1) {
    uint32_t best = kEmpty;
    size_t at = 0;
    for (size_t i = 0; i + 1 < n; ++i) {
      if (pairs[i].rank < best) best = pairs[i].rank, at = i;
    }
    if (best == kEmpty) break;
    word[at] = pairs[at].merged;
    std::memmove(word + at + 1, word + at + 2, (n - at - 2) * sizeof(int32_t));
    std::memmove(pairs + at, pairs + at + 1, (n - at - 2) * sizeof(Pair));
    --n;
    if (at > 0) pairs[at - 1] = Lookup(impl, word[at - 1], word[at]);
    if (at + 1 < n) pairs[at] = Lookup(impl, word[at], word[at + 1]);
  }
  return n;
}

// Same result as MergeLinear in O(n log n), for long words.
void MergeHeap(const Tokenizer::Impl& impl, const std::vector<int32_t>& word,
               Scratch* s, std::vector<int32_t>* out) {
  const auto n = static_cast<int32_t>(word.size());
  std::vector<Symbol>& sym = s->sym;
  std::vector<Candidate>& heap = s->heap;
  sym.resize(n);
  heap.clear();
  for (int32_t i = 0; i < n; ++i) {
    sym[i] = Symbol{word[i], i - 1, i + 1 < n ? i + 1 : -1, true};
    if (i + 1 < n) {
      const Pair p = Lookup(impl, word[i], word[i + 1]);
      if (p.rank != kEmpty) heap.push_back({p.rank, i});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  auto push = [&](int32_t a) {
    if (a < 0 || sym[a].next < 0) return;
    const Pair p = Lookup(impl, sym[a].id, sym[sym[a].next].id);
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
    const Pair p = Lookup(impl, left.id, right.id);
    if (p.rank != c.rank) continue;
    left.id = p.merged;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) sym[left.next].prev = c.pos;
    push(left.prev);
    push(c.pos);
  }
  for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = sym[i].next) {
    out->push_back(sym[i].id);
  }
}

void MergeWord(const Tokenizer::Impl& impl, Scratch* s,
               std::vector<int32_t>* out) {
  std::vector<int32_t>& word = s->word;
  if (word.size() <= kLinearMax) {
    const size_t n = MergeLinear(impl, word.data(), word.size(), &s->pairs);
    out->insert(out->end(), word.begin(), word.begin() + n);
  } else {
    MergeHeap(impl, word, s, out);
  }
  word.clear();
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
  std::vector<int32_t>& word = s.word;
  word.clear();
  // Initial symbols: one per code point (' ' is U+2581, the normalizer);
  // characters missing from the vocabulary become their byte tokens.
  bool can_break = false;  // a word may end before the next U+2581
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
    if (cp == kSpaceCp && can_break && !word.empty()) MergeWord(impl, &s, out);
    if (id >= 0) {
      word.push_back(id);
      can_break = impl.space_id >= 0 && !impl.Glues(cp);
    } else {
      AppendByteFallback(c == ' ' ? kSpaceMark : text.substr(i, len), &word);
      can_break = false;
    }
    i += len;
  }
  if (!word.empty()) MergeWord(impl, &s, out);
}

}  // namespace edgemma
