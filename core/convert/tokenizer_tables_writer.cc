// The edgemma.tokenizer.* GGUF tables (layout: core/text/tokenizer_builder.h)
// as a GGUF writer stores them; the tokenizer maps them back in place
// (core/text/tokenizer_gguf_tables.cc).
#include "core/convert/gguf_gemma4.h"
#include "core/convert/gguf_writer.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"
#include "core/text/tokenizer_builder.h"

namespace edgemma {
namespace {

// A non-null pointer for zero-length arrays.
const void* Data(const uint8_t* p) {
  static const uint8_t kNone = 0;
  return p != nullptr ? p : &kNone;
}

}  // namespace

void WriteTokenizerTables(const Tokenizer& tok, GgufWriter& w) {
  const Tokenizer::Impl& impl = tok.tables();
  const auto n = static_cast<size_t>(tok.vocab_size());
  w.AddU32(kEmTokLayout, kTableLayoutVersion);
  w.AddArray(kEmTokPieceChars, GgufType::kU8,
             Data(reinterpret_cast<const uint8_t*>(impl.chars)),
             impl.offsets[n]);
  w.AddArray(kEmTokPieceOffsets, GgufType::kU32, impl.offsets.bytes(), n + 1);
  w.AddArray(kEmTokFlags, GgufType::kU8, impl.flags, n);
  w.AddArray(kEmTokPieceTable, GgufType::kU32, impl.piece_table.bytes(),
             impl.piece_table.size());
  w.AddArray(kEmTokMerges, GgufType::kI32, Data(impl.merges.bytes()),
             impl.merges.size());
  w.AddArray(kEmTokMergeTable, GgufType::kU32, impl.merge_table.bytes(),
             impl.merge_table.size());
  w.AddArray(kEmTokBmpChar, GgufType::kI32, impl.bmp_char.bytes(),
             impl.bmp_char.size());
  w.AddArray(kEmTokSpaceGlue, GgufType::kU32, Data(impl.space_glue.bytes()),
             impl.space_glue.size());
  w.AddBool(kEmTokFuseUnk, impl.fuse_unk);
}

}  // namespace edgemma
