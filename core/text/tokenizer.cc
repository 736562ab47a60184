// Vocabulary accessors and decoding (encoding: tokenizer_encode.cc).
#include "core/text/tokenizer.h"

#include <algorithm>
#include <cstring>

#include "core/text/tokenizer_builder.h"
#include "core/text/utf8.h"

namespace edgemma {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581

}  // namespace

Tokenizer::Tokenizer() : impl_(new Impl()) {
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
}
Tokenizer::~Tokenizer() = default;

bool Tokenizer::tables_mapped() const { return impl_->mapping != nullptr; }

uint8_t Tokenizer::Flags(int32_t id) const {
  return id >= 0 && id < vocab_size_ ? impl_->flags[id] : 0;
}

std::string_view Tokenizer::Piece(int32_t id) const {
  if (id < 0 || id >= vocab_size_) return {};
  const uint32_t begin = impl_->offsets[id];
  return std::string_view(impl_->chars + begin, impl_->offsets[id + 1] - begin);
}

int32_t Tokenizer::TokenId(std::string_view piece) const {
  const Impl& impl = *impl_;
  const uint64_t mask = impl.piece_mask;
  for (uint64_t i = PieceHash(piece.data(), piece.size()) & mask;;
       i = (i + 1) & mask) {
    const uint32_t id = impl.piece_table[i];
    if (id == kEmpty) return -1;
    if (Piece(static_cast<int32_t>(id)) == piece) {
      return static_cast<int32_t>(id);
    }
  }
}

bool Tokenizer::IsSpecial(int32_t id) const { return Flags(id) & kFlagSpecial; }

bool Tokenizer::IsAdded(int32_t id) const { return Flags(id) & kFlagAdded; }

int Tokenizer::ByteValue(int32_t id) const {
  if (!(Flags(id) & kFlagByte)) return -1;
  const std::string_view p = Piece(id);
  auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
  return hex(p[3]) * 16 + hex(p[4]);
}

TokenType Tokenizer::Type(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return TokenType::kUnused;
  const uint8_t f = Flags(id);
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
  if (rank >= num_merges_) return {};
  std::string s(Piece(impl_->merges[3 * rank]));
  s.push_back(' ');
  s.append(Piece(impl_->merges[3 * rank + 1]));
  return s;
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
  out.reserve(ids.size() * 4);
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= vocab_size()) {
      return InvalidArgument("token id " + std::to_string(id) +
                             " at position " + std::to_string(i) +
                             " is outside the vocabulary (size " +
                             std::to_string(vocab_size()) + ")");
    }
    const uint8_t f = impl_->flags[id];
    if (skip_special && (f & kFlagSpecial)) continue;
    if (f & kFlagByte) {
      run.push_back(static_cast<char>(ByteValue(id)));
      continue;
    }
    FlushByteRun(&run, &out);
    if (f & kFlagSpaceMark) {
      AppendPiece(Piece(id), &out);
    } else {
      out.append(Piece(id));
    }
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
  return Status::Ok();
}

void StreamingDetokenizer::Finish(std::string* out) {
  // The run of byte tokens is complete: Decode()'s rule for it (HF
  // ByteFallback: valid UTF-8 as a whole, or U+FFFD per byte).
  FlushByteRun(&pending_, out);
}

}  // namespace edgemma
