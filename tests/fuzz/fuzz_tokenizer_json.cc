// tokenizer.json loading: any bytes as a tokenizer.json. A tokenizer that
// loads must encode and decode without reading out of bounds, give ids inside
// its vocabulary, and decode every id it has.
#include <string>
#include <string_view>
#include <vector>

#include "core/text/tokenizer.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(tokenizer_json) {
  using namespace edgemma;
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::FromJsonText(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!tok.ok()) {
    FUZZ_CHECK(!tok.status().message().empty());
    return 0;
  }
  const Tokenizer& t = **tok;
  for (bool special : {false, true}) {
    std::vector<int32_t> ids = t.Encode(
        "Hello  w\xC3\xB6rld <s><bos>\n\xE2\x96\x81\xF0\x9F\x98\x80\xFF",
        special);
    for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id < t.vocab_size());
    FUZZ_CHECK(t.Decode(ids, false).ok());
    FUZZ_CHECK(t.Decode(ids, true).ok());
  }
  std::vector<int32_t> all;
  for (int32_t id = 0; id < t.vocab_size() && id < 4096; ++id) {
    if (!t.Piece(id).empty()) all.push_back(id);
    (void)t.TokenId(t.Piece(id));
  }
  FUZZ_CHECK(t.Decode(all, false).ok());
  StreamingDetokenizer stream(t, false);
  std::string out;
  for (int32_t id : all) FUZZ_CHECK(stream.Push(id, &out).ok());
  stream.Finish(&out);
  return 0;
}
