// The edgemma.tokenizer.* GGUF tables (layout: tokenizer_builder.h; written
// next to llama.cpp's tokenizer.ggml.* keys by core/convert), read back in
// place from a private mapping of the file. Load cost: one sequential
// validation pass per table, after which every index the encoder/decoder reads
// is in range and every probe loop ends (each hash table has an empty slot).
#include <string>

#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"
#include "core/text/tokenizer_builder.h"

namespace edgemma {
namespace {

bool IsPow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Typed arrays of `gguf` re-based onto `map` (the same file mapped again,
// so the tokenizer owns what it points into).
class TableReader {
 public:
  TableReader(const GgufFile& gguf, const MappedFile& map,
              const std::string& name)
      : gguf_(gguf), map_(map), name_(name) {}

  template <typename T>
  Status Get(const char* key, GgufType elem, LeArray<T>* out) const {
    const GgufValue* v = gguf_.Get(key);
    if (v == nullptr) return Corrupt(name_ + ": missing key " + key);
    if (v->type != GgufType::kArray || v->elem_type != elem) {
      return Corrupt(name_ + ": key " + key + " has the wrong type");
    }
    const uint8_t* base = gguf_.file().data();
    const size_t off = static_cast<size_t>(v->data - base);
    const uint8_t* p =
        v->count == 0 ? base : map_.Range(off, v->count * sizeof(T));
    if (p == nullptr) {
      return Corrupt(name_ + ": key " + key + " lies outside the file");
    }
    *out = LeArray<T>(p, v->count);
    return Status::Ok();
  }
  Status Bad(const char* key, const std::string& what) const {
    return Corrupt(name_ + ": tokenizer table " + key + ": " + what);
  }

 private:
  const GgufFile& gguf_;
  const MappedFile& map_;
  const std::string& name_;
};

// Pieces: offsets, flags (byte tokens must be <0xXX>). *unk: first id
// flagged unknown, or -1.
Status CheckPieces(const TableReader& r, const Tokenizer::Impl& t,
                   int32_t* unk) {
  const size_t n = t.flags_count;
  if (t.offsets.size() < 2 || t.offsets.size() > (1u << 24)) {
    return r.Bad(kEmTokPieceOffsets, "bad length");
  }
  if (t.offsets.size() != n + 1) return r.Bad(kEmTokFlags, "bad length");
  if (t.offsets[0] != 0 || t.offsets[n] != t.chars_size) {
    return r.Bad(kEmTokPieceOffsets, "does not span piece_chars");
  }
  *unk = -1;
  uint32_t prev = 0;
  for (size_t id = 0; id < n; ++id) {
    const uint32_t end = t.offsets[id + 1];
    if (end < prev || end > t.chars_size) {
      return r.Bad(kEmTokPieceOffsets, "not ascending within piece_chars");
    }
    const uint8_t f = t.flags[id];
    if ((f & kFlagByte) &&
        ParseByteToken(std::string_view(t.chars + prev, end - prev)) < 0) {
      return r.Bad(kEmTokFlags,
                   "token " + std::to_string(id) +
                       " is flagged a byte token but is not <0xXX>");
    }
    if ((f & kFlagUnknown) && *unk < 0) *unk = static_cast<int32_t>(id);
    prev = end;
  }
  return Status::Ok();
}

// Open-addressing tables: power-of-two sizes, entries in range, one empty.
Status CheckPieceTable(const TableReader& r, const Tokenizer::Impl& t) {
  const size_t n = t.flags_count;
  const LeArray<uint32_t>& table = t.piece_table;
  if (!IsPow2(table.size())) return r.Bad(kEmTokPieceTable, "bad length");
  size_t empty = 0;
  for (size_t i = 0; i < table.size(); ++i) {
    const uint32_t id = table[i];
    if (id == kEmpty) {
      ++empty;
    } else if (id >= n) {
      return r.Bad(kEmTokPieceTable,
                   "id " + std::to_string(id) + " is outside the vocabulary");
    }
  }
  if (empty == 0) return r.Bad(kEmTokPieceTable, "has no empty slot");
  return Status::Ok();
}

Status CheckMerges(const TableReader& r, const Tokenizer::Impl& t) {
  const uint32_t n = static_cast<uint32_t>(t.flags_count);
  if (t.merges.size() % 3 != 0) return r.Bad(kEmTokMerges, "bad length");
  const uint64_t m = t.merges.size() / 3;
  for (size_t i = 0; i < t.merges.size(); ++i) {
    if (static_cast<uint32_t>(t.merges[i]) >= n) {
      return r.Bad(kEmTokMerges, "merge " + std::to_string(i / 3) +
                                     " uses an id outside the vocabulary");
    }
  }
  const LeArray<uint32_t>& table = t.merge_table;
  if (table.size() % 4 != 0 || !IsPow2(table.size() / 4)) {
    return r.Bad(kEmTokMergeTable, "bad length");
  }
  size_t empty = 0;
  for (size_t i = 0; i < table.size(); i += 4) {
    if (table[i] == kEmpty) {
      ++empty;
    } else if (table[i] >= n || table[i + 1] >= n || table[i + 2] >= m ||
               table[i + 3] >= n) {
      return r.Bad(kEmTokMergeTable,
                   "slot " + std::to_string(i / 4) + " is out of range");
    }
  }
  if (empty == 0) return r.Bad(kEmTokMergeTable, "has no empty slot");
  return Status::Ok();
}

Status CheckChars(const TableReader& r, const Tokenizer::Impl& t) {
  if (t.bmp_char.size() != 0x10000) return r.Bad(kEmTokBmpChar, "bad length");
  const auto n = static_cast<int32_t>(t.flags_count);
  for (size_t i = 0; i < t.bmp_char.size(); ++i) {
    const int32_t id = t.bmp_char[i];
    if (id < -1 || id >= n) return r.Bad(kEmTokBmpChar, "id out of range");
  }
  for (size_t i = 1; i < t.space_glue.size(); ++i) {
    if (t.space_glue[i] <= t.space_glue[i - 1]) {
      return r.Bad(kEmTokSpaceGlue, "not strictly ascending");
    }
  }
  return Status::Ok();
}

// Element counts of the llama.cpp arrays must match (stale tables after an
// edit of the tokenizer.ggml.* keys are refused).
Status CheckCounts(const GgufFile& gguf, const TableReader& r,
                   const Tokenizer::Impl& t) {
  const GgufValue* tokens = gguf.Get(kGgufTokTokens);
  const GgufValue* merges = gguf.Get(kGgufTokMerges);
  if (tokens == nullptr || tokens->count != t.flags_count) {
    return r.Bad(kEmTokFlags, "does not match " + std::string(kGgufTokTokens));
  }
  if (merges == nullptr || merges->count * 3 != t.merges.size()) {
    return r.Bad(kEmTokMerges, "does not match " + std::string(kGgufTokMerges));
  }
  return Status::Ok();
}

}  // namespace

Status Tokenizer::Impl::MapGgufTables(const GgufFile& gguf,
                                      const std::string& name, Tokenizer* t) {
  if (gguf.Get(kEmTokLayout) == nullptr) {
    return NotFound(name + ": no " + kEmTokLayout);
  }
  EM_ASSIGN_OR_RETURN(const int64_t layout, gguf.GetInt(kEmTokLayout));
  if (layout != kTableLayoutVersion) {
    return NotFound(name + ": tokenizer table layout " +
                    std::to_string(layout) + " is not supported");
  }
  EM_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> map,
                      MappedFile::Open(gguf.file().path()));
  if (map->size() != gguf.file().size()) {
    return IoError(name + ": file changed while loading the tokenizer");
  }
  Impl& impl = *t->impl_;
  const TableReader r(gguf, *map, name);
  LeArray<uint8_t> chars, flags;
  EM_RETURN_IF_ERROR(r.Get(kEmTokPieceChars, GgufType::kU8, &chars));
  EM_RETURN_IF_ERROR(r.Get(kEmTokPieceOffsets, GgufType::kU32, &impl.offsets));
  EM_RETURN_IF_ERROR(r.Get(kEmTokFlags, GgufType::kU8, &flags));
  EM_RETURN_IF_ERROR(
      r.Get(kEmTokPieceTable, GgufType::kU32, &impl.piece_table));
  EM_RETURN_IF_ERROR(r.Get(kEmTokMerges, GgufType::kI32, &impl.merges));
  EM_RETURN_IF_ERROR(
      r.Get(kEmTokMergeTable, GgufType::kU32, &impl.merge_table));
  EM_RETURN_IF_ERROR(r.Get(kEmTokBmpChar, GgufType::kI32, &impl.bmp_char));
  EM_RETURN_IF_ERROR(r.Get(kEmTokSpaceGlue, GgufType::kU32, &impl.space_glue));
  impl.chars = reinterpret_cast<const char*>(chars.bytes());
  impl.chars_size = chars.size();
  impl.flags = flags.bytes();
  impl.flags_count = flags.size();
  int32_t unk = -1;
  EM_RETURN_IF_ERROR(CheckPieces(r, impl, &unk));
  EM_RETURN_IF_ERROR(CheckPieceTable(r, impl));
  EM_RETURN_IF_ERROR(CheckMerges(r, impl));
  EM_RETURN_IF_ERROR(CheckChars(r, impl));
  EM_RETURN_IF_ERROR(CheckCounts(gguf, r, impl));
  // The checks read every table (~29 MB for Gemma 4); encoding touches only
  // the pages its words hash to, so those come back one by one as needed.
  map->Advise(0, gguf.data_offset(), MapAdvice::kRelease);
  impl.piece_mask = impl.piece_table.size() - 1;
  impl.merge_mask = impl.merge_table.size() / 4 - 1;
  impl.mapping = std::move(map);
  auto fuse = gguf.GetBool(kEmTokFuseUnk);
  impl.fuse_unk = !fuse.ok() || fuse.value();
  t->vocab_size_ = static_cast<int32_t>(impl.flags_count);
  t->num_merges_ = impl.merges.size() / 3;
  auto id = [&gguf](const char* key) {
    auto v = gguf.GetInt(key);
    return v.ok() ? static_cast<int32_t>(v.value()) : -1;
  };
  auto add_bos = gguf.GetBool(kGgufTokAddBos);
  ResolveSpecialIds(t, id(kGgufTokBos), id(kGgufTokEos), id(kGgufTokPad), unk,
                    "", add_bos.ok() && add_bos.value());
  impl.Finish(t);
  return Status::Ok();
}

}  // namespace edgemma
