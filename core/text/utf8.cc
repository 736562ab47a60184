#include "core/text/utf8.h"

namespace edgemma {

Utf8Status DecodeUtf8(const char* s, size_t n, uint32_t* cp, size_t* len) {
  *len = 1;
  const auto* u = reinterpret_cast<const unsigned char*>(s);
  const unsigned c = u[0];
  if (c < 0x80) {
    *cp = c;
    return Utf8Status::kComplete;
  }
  size_t need;
  uint32_t value;
  // Allowed range of the second byte (rules out overlong forms, surrogates
  // and values above U+10FFFF).
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
    value = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    value = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    value = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return Utf8Status::kInvalid;
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= n) return Utf8Status::kIncomplete;
    const unsigned b = u[i];
    const unsigned bl = i == 1 ? lo : 0x80, bh = i == 1 ? hi : 0xBF;
    if (b < bl || b > bh) return Utf8Status::kInvalid;
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  *len = need;
  return Utf8Status::kComplete;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    uint32_t cp;
    size_t len;
    if (DecodeUtf8(s.data() + i, s.size() - i, &cp, &len) !=
        Utf8Status::kComplete) {
      return false;
    }
    i += len;
  }
  return true;
}

void AppendReplacement(std::string* out, size_t count) {
  for (size_t i = 0; i < count; ++i) out->append("\xEF\xBF\xBD");
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace edgemma
