// GGUF reader: any bytes as a .gguf file. A file that opens must hold only
// in-bounds views (every key readable through every typed getter, every
// tensor's bytes inside the mapping); the metadata consumers (Gemma 4 config,
// tokenizer from tokenizer.ggml.* / edgemma.tokenizer.* keys) must fail cleanly
// or give a usable result.
#include <algorithm>
#include <string>
#include <vector>

#include "core/io/gguf.h"
#include "core/io/model_source.h"
#include "core/text/tokenizer.h"
#include "tests/fuzz/fuzz_target.h"

namespace edgemma {
namespace {

void TouchValue(const GgufValue& v) {
  if (v.type != GgufType::kArray) return;
  const uint64_t n = std::min<uint64_t>(v.count, 256);
  for (uint64_t i = 0; i < n; ++i) {
    if (v.elem_type == GgufType::kString) {
      std::string_view s = v.ArrayString(i);
      if (!s.empty()) {
        volatile char sink = s.front() ^ s.back();  // in the mapping
        (void)sink;
      }
    } else {
      (void)v.ArrayInt(i);
      (void)v.ArrayFloat(i);
    }
  }
}

void CheckTensors(const GgufFile& g) {
  const uint8_t* begin = g.file().data();
  const uint8_t* end = begin + g.file().size();
  for (const TensorInfo& t : g.tensors()) {
    FUZZ_CHECK(g.Find(t.name) != nullptr);
    if (t.nbytes == 0) continue;
    const auto* p = static_cast<const uint8_t*>(t.data);
    FUZZ_CHECK(p >= begin && p + t.nbytes <= end);
    volatile uint8_t sink = p[0] ^ p[t.nbytes - 1];
    (void)sink;
  }
}

void UseTokenizer(const Tokenizer& tok) {
  std::vector<int32_t> ids =
      tok.Encode("Hello world <s> \xE2\x96\x81x\xFF", true);
  Result<std::string> text = tok.Decode(ids, false);
  FUZZ_CHECK(text.ok());
  for (int32_t id = 0; id < std::min<int32_t>(tok.vocab_size(), 64); ++id) {
    (void)tok.Piece(id);
    (void)tok.Type(id);
  }
}

}  // namespace
}  // namespace edgemma

EDGEMMA_FUZZ_TARGET(gguf) {
  using namespace edgemma;
  static fuzz::ScratchFile file("fuzz.gguf");
  Result<std::unique_ptr<GgufFile>> g = GgufFile::Open(file.Write(data, size));
  if (!g.ok()) {
    FUZZ_CHECK(!g.status().message().empty());
    return 0;
  }
  const GgufFile& f = **g;
  for (const std::string& key : f.keys()) {
    const GgufValue* v = f.Get(key);
    FUZZ_CHECK(v != nullptr);
    (void)f.GetInt(key);
    (void)f.GetFloat(key);
    (void)f.GetString(key);
    (void)f.GetBool(key);
    TouchValue(*v);
  }
  CheckTensors(f);
  (void)ConfigFromGguf(f);
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::FromGguf(f, "fuzz");
  if (tok.ok()) UseTokenizer(**tok);
  return 0;
}
