// Tokenizer from GGUF metadata (llama.cpp keys, spec formats 4.3). Token
// types: 3 control -> special added token, 2 unknown -> special added token
// (llama.cpp matches both when parsing specials), 4 user-defined ->
// non-special added token (always matched), 6 byte. Files written by edgemma
// also carry precomputed tables (tokenizer_gguf_tables.cc), used when present.
#include <cstring>
#include <string>

#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/text/tokenizer.h"
#include "core/text/tokenizer_builder.h"

namespace edgemma {
namespace {

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

int32_t OptionalId(const GgufFile& gguf, const char* key) {
  auto v = gguf.GetInt(key);
  return v.ok() ? static_cast<int32_t>(v.value()) : -1;
}

Result<const GgufValue*> GetArray(const GgufFile& gguf, const char* key,
                                  const std::string& name, bool strings) {
  const GgufValue* v = gguf.Get(key);
  if (v == nullptr) return NotFound(name + ": missing key " + key);
  if (v->type != GgufType::kArray ||
      (strings != (v->elem_type == GgufType::kString))) {
    return Corrupt(name + ": key " + key + " has the wrong type");
  }
  return v;
}

Status ReadTokens(const GgufFile& gguf, const std::string& name,
                  TokenizerBuilder* b) {
  EM_ASSIGN_OR_RETURN(const GgufValue* tokens,
                      GetArray(gguf, kGgufTokTokens, name, true));
  const GgufValue* types = gguf.Get(kGgufTokTypes);
  if (types != nullptr &&
      (types->type != GgufType::kArray || types->count != tokens->count ||
       types->elem_type == GgufType::kString)) {
    return Corrupt(name + ": " + kGgufTokTypes +
                   " is not an integer array as long as the tokens");
  }
  if (tokens->count == 0 || tokens->count > (1u << 24)) {
    return Corrupt(name + ": " + kGgufTokTokens + " has " +
                   std::to_string(tokens->count) + " entries");
  }
  for (uint64_t i = 0; i < tokens->count; ++i) {
    const auto id = static_cast<int32_t>(i);
    const std::string_view piece = tokens->ArrayString(i);
    b->SetPiece(id, piece);
    const int64_t type = types ? types->ArrayInt(i) : 1;
    if (type == static_cast<int64_t>(TokenType::kControl) ||
        type == static_cast<int64_t>(TokenType::kUnknown)) {
      b->AddAddedToken(id, piece, true);
    } else if (type == static_cast<int64_t>(TokenType::kUserDefined)) {
      b->AddAddedToken(id, piece, false);
    }
    if (type == static_cast<int64_t>(TokenType::kUnknown))
      b->SetUnkPiece(piece);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(
    const GgufFile& gguf, const std::string& name) {
  auto model = gguf.GetString(kGgufTokModel);
  if (!model.ok()) return model.status();
  if (model.value() != "gemma4" && model.value() != "gpt2" &&
      model.value() != "llama") {
    return Unsupported(name + ": tokenizer model '" + model.value() +
                       "' (expected gemma4)");
  }
  if (gguf.Get(kEmTokLayout) != nullptr) {
    std::unique_ptr<Tokenizer> t(new Tokenizer());
    const Status st = Impl::MapGgufTables(gguf, name, t.get());
    if (st.ok()) return t;
    // kNotFound: a layout this build cannot read; build from the llama.cpp
    // keys instead. Anything else is a corrupt table.
    if (st.code() != StatusCode::kNotFound) return st;
  }
  TokenizerBuilder b;
  EM_RETURN_IF_ERROR(ReadTokens(gguf, name, &b));
  EM_ASSIGN_OR_RETURN(const GgufValue* merges,
                      GetArray(gguf, kGgufTokMerges, name, true));
  b.ReserveMerges(merges->count, merges->count * 12);
  for (uint64_t i = 0; i < merges->count; ++i) {
    const std::string_view m = merges->ArrayString(i);
    const size_t sp = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
    if (sp == std::string_view::npos) {
      return Corrupt(name + ": merge " + std::to_string(i) + " '" +
                     std::string(m) + "' has no space");
    }
    b.AddMerge(m.substr(0, sp), m.substr(sp + 1));
  }
  b.SetSpecialIds(OptionalId(gguf, kGgufTokBos), OptionalId(gguf, kGgufTokEos),
                  OptionalId(gguf, kGgufTokPad),
                  OptionalId(gguf, "tokenizer.ggml.unknown_token_id"));
  auto add_bos = gguf.GetBool(kGgufTokAddBos);
  b.SetAddBos(add_bos.ok() && add_bos.value());
  return b.Build(name);
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGgufPath(
    const std::string& path) {
  EM_ASSIGN_OR_RETURN(auto gguf, GgufFile::Open(path));
  return FromGguf(*gguf, path);
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromPath(
    const std::string& path) {
  if (EndsWith(path, ".gguf")) return FromGgufPath(path);
  return FromJsonFile(path);
}

}  // namespace edgemma
