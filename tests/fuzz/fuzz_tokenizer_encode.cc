// Tokenizer input text: any bytes encoded by the real Gemma 4 tokenizer
// (shared/testdata/tokenizer/gemma4, loaded once). The first byte picks
// parse_special; the rest is the text. Properties: every id is in the
// vocabulary; Decode succeeds; streaming detokenization equals Decode; and
// valid UTF-8 without U+2581 (which decodes to a space) and without special
// tokens round-trips exactly.
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/tokenizer.h"
#include "core/text/utf8.h"
#include "tests/fuzz/fuzz_target.h"

#ifndef EDGEMMA_SHARED_DIR
#define EDGEMMA_SHARED_DIR "../shared"
#endif

namespace {

const edgemma::Tokenizer& RealTokenizer() {
  static const edgemma::Tokenizer* tok = [] {
    const char* env = std::getenv("EDGEMMA_SHARED_DIR");
    const std::string dir = env && *env ? env : EDGEMMA_SHARED_DIR;
    auto t = edgemma::Tokenizer::FromJsonFile(
        dir + "/testdata/tokenizer/gemma4/tokenizer.json");
    if (!t.ok()) {
      std::fprintf(stderr, "fuzz_tokenizer_encode: %s\n",
                   t.status().ToString().c_str());
      std::abort();
    }
    return t->release();
  }();
  return *tok;
}

}  // namespace

#if defined(EDGEMMA_FUZZ_LIBFUZZER)
// Loads the 32 MB tokenizer.json before libFuzzer starts its per-input timer
// (under ASan on a loaded machine that takes longer than -timeout).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)RealTokenizer();
  return 0;
}
#endif

EDGEMMA_FUZZ_TARGET(tokenizer_encode) {
  using namespace edgemma;
  const Tokenizer& tok = RealTokenizer();
  if (size == 0) return 0;
  const bool parse_special = data[0] & 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 1),
                              size - 1);
  std::vector<int32_t> ids;
  tok.Encode(text, parse_special, &ids);
  bool any_special = false;
  for (int32_t id : ids) {
    FUZZ_CHECK(id >= 0 && id < tok.vocab_size());
    any_special = any_special || tok.IsSpecial(id);
  }
  FUZZ_CHECK(text.empty() == ids.empty());
  Result<std::string> decoded = tok.Decode(ids, false);
  FUZZ_CHECK(decoded.ok());

  StreamingDetokenizer stream(tok, false);
  std::string streamed;
  for (int32_t id : ids) FUZZ_CHECK(stream.Push(id, &streamed).ok());
  stream.Finish(&streamed);
  FUZZ_CHECK(streamed == *decoded);

  if (!any_special && IsValidUtf8(text) &&
      text.find("\xE2\x96\x81") == std::string_view::npos) {
    FUZZ_CHECK(*decoded == text);
  }
  return 0;
}
