// UTF-8 helpers shared by the tokenizer, detokenizers and the chat code.
// Validation is strict (like Rust's str::from_utf8): no overlong forms, no
// surrogates, nothing above U+10FFFF.
#ifndef EDGEMMA_CORE_TEXT_UTF8_H_
#define EDGEMMA_CORE_TEXT_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgemma {

// Result of looking at the bytes at the start of a buffer.
enum class Utf8Status { kComplete, kIncomplete, kInvalid };

// Decodes one character at s[0, n). kComplete: *len bytes form *cp.
// kIncomplete: the n bytes are a valid prefix of a longer character.
// kInvalid: s[0] cannot start a valid character here (*len = 1).
Utf8Status DecodeUtf8(const char* s, size_t n, uint32_t* cp, size_t* len);

bool IsValidUtf8(std::string_view s);

// Appends U+FFFD (the replacement character) `count` times.
void AppendReplacement(std::string* out, size_t count);

// Appends the UTF-8 encoding of a code point (assumed valid).
void AppendUtf8(std::string* out, uint32_t cp);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_UTF8_H_
