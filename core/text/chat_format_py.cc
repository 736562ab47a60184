// Python values for the chat formatter: the request is read the way Python's
// json module reads it (an integer literal of any size stays an exact
// integer), and printed the way Jinja2 prints Python values (str() of
// scalars, repr() of the items of a list or dict).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/text/chat_format_internal.h"
#include "core/text/utf8.h"

namespace edgemma::chat {
namespace {

// Binary subtype marking an integer outside the int64/uint64 range, held as
// its decimal digits (with sign). Nothing else in a JSON text is binary.
constexpr std::uint64_t kBigIntSubtype = 0x42;

// Builds the tree like nlohmann's DOM parser, except that an integer literal
// too large for 64 bits becomes a big integer instead of a double.
class PyJsonBuilder : public nlohmann::json_sax<Json> {
 public:
  explicit PyJsonBuilder(Json* root) : root_(root) {}

  bool null() override { return Put(Json(nullptr)); }
  bool boolean(bool v) override { return Put(Json(v)); }
  bool number_integer(number_integer_t v) override { return Put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Put(Json(v)); }
  bool number_float(number_float_t v, const string_t& raw) override {
    if (raw.find_first_of(".eE") != string_t::npos) return Put(Json(v));
    return Put(Json::binary(std::vector<std::uint8_t>(raw.begin(), raw.end()),
                            kBigIntSubtype));
  }
  bool string(string_t& v) override { return Put(Json(std::move(v))); }
  bool binary(binary_t& v) override { return Put(Json::binary(v)); }
  bool start_object(std::size_t) override { return Open(Json::object()); }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Json::array()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // A container is only appended to while it is the innermost open one, so
  // the pointers on the stack stay valid.
  Json* Add(Json v) {
    if (open_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    Json& top = *open_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    top[key_] = std::move(v);  // a repeated key keeps the last value
    return &top[key_];
  }
  bool Put(Json v) {
    Add(std::move(v));
    return true;
  }
  bool Open(Json v) {
    open_.push_back(Add(std::move(v)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  Json* root_;
  std::vector<Json*> open_;
  std::string key_;
};

bool IsBigInt(const Json& v) {
  return v.is_binary() && v.get_binary().has_subtype() &&
         v.get_binary().subtype() == kBigIntSubtype;
}

// Code points Python's str.isprintable() rejects, for the common ranges
// (controls, non-space separators, format characters); repr() escapes them.
bool PyNonPrintable(uint32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
         (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB);
}

// Python repr() of a str.
std::string PyStrRepr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const char quote =
      has_single && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    size_t len;
    if (DecodeUtf8(s.data() + i, s.size() - i, &cp, &len) !=
        Utf8Status::kComplete) {
      cp = static_cast<unsigned char>(s[i]);
      len = 1;
    }
    char buf[16];
    if (cp == '\\' || cp == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (PyNonPrintable(cp)) {
      std::snprintf(buf, sizeof(buf), cp <= 0xFF ? "\\x%02x" : "\\u%04x", cp);
      out += buf;
    } else {
      out.append(s, i, len);
    }
    i += len;
  }
  out += quote;
  return out;
}

}  // namespace

Result<Json> ParsePyJson(std::string_view text) {
  Json root;
  PyJsonBuilder builder(&root);
  if (!Json::sax_parse(text.begin(), text.end(), &builder,
                       Json::input_format_t::json, /*strict=*/true,
                       /*ignore_comments=*/false)) {
    return InvalidArgument("not valid JSON");
  }
  return root;
}

std::string PyFloatRepr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[64];
  // Shortest round-tripping digits, like Python's repr.
  for (int p = 0; p < 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*e", p, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  std::string s(buf);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  const size_t e = s.find('e');
  const int exp = std::atoi(s.c_str() + e + 1);
  std::string digits = s.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exp >= -4 && exp < 16) {
    const int point = exp + 1;
    if (point <= 0) return sign + "0." + std::string(-point, '0') + digits;
    if (point >= static_cast<int>(digits.size())) {
      return sign + digits + std::string(point - digits.size(), '0') + ".0";
    }
    return sign + digits.substr(0, point) + "." + digits.substr(point);
  }
  std::string mant = digits.substr(0, 1);
  if (digits.size() > 1) mant += "." + digits.substr(1);
  std::snprintf(buf, sizeof(buf), "e%c%02d", exp < 0 ? '-' : '+',
                exp < 0 ? -exp : exp);
  return sign + mant + buf;
}

std::string PyStr(const Json* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return v->get<std::string>();
  if (v->is_null()) return "None";
  if (v->is_boolean()) return v->get<bool>() ? "True" : "False";
  if (v->is_number_unsigned()) return std::to_string(v->get<uint64_t>());
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  if (v->is_number_float()) return PyFloatRepr(v->get<double>());
  if (IsBigInt(*v)) {
    const auto& digits = v->get_binary();
    return std::string(digits.begin(), digits.end());
  }
  return PyRepr(*v);
}

std::string PyRepr(const Json& v) {
  if (v.is_string()) return PyStrRepr(v.get_ref<const std::string&>());
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      out += PyRepr(v[i]);
    }
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ", ";
      first = false;
      out += PyStrRepr(it.key()) + ": " + PyRepr(it.value());
    }
    return out + "}";
  }
  return PyStr(&v);
}

}  // namespace edgemma::chat
