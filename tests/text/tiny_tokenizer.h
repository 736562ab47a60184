// Test helper: a tiny tokenizer.json for tests that need no big files.
#ifndef EDGEMMA_TESTS_TEXT_TINY_TOKENIZER_H_
#define EDGEMMA_TESTS_TEXT_TINY_TOKENIZER_H_

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace edgemma::testing {

// Bytes 0..255 as <0xXX>, "a", "b", "ab", "▁", "▁ab", special "<s>"; with
// `merge_ab` false the "a b" merge is left out.
inline std::string TinyJson(bool merge_ab = true) {
  nlohmann::json vocab;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab[name] = b;
  }
  vocab["a"] = 256;
  vocab["b"] = 257;
  vocab["ab"] = 258;
  vocab["\xE2\x96\x81"] = 259;
  vocab
      ["\xE2\x96\x81"
       "ab"] = 260;
  vocab["<s>"] = 261;
  auto merges = nlohmann::json::array();
  if (merge_ab) merges.push_back({"a", "b"});
  merges.push_back({"\xE2\x96\x81", "ab"});
  nlohmann::json j;
  j["added_tokens"] = {{{"id", 261}, {"content", "<s>"}, {"special", true}}};
  j["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}};
  return j.dump();
}

}  // namespace edgemma::testing

#endif  // EDGEMMA_TESTS_TEXT_TINY_TOKENIZER_H_
