// Python/Jinja2 value semantics and the template's value macros
// (format_argument, format_parameters, format_function_declaration,
// format_tool_response_block), transcribed from the canonical template.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/text/chat_format_internal.h"
#include "core/text/utf8.h"

namespace edgemma::chat {
namespace {

constexpr char kQuote[] = "<|\"|>";

bool IsPyWhitespace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 ||
         c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void QuotedList(const Json* items, std::string* out) {
  bool first = true;
  if (items != nullptr && items->is_array()) {
    for (const auto& item : *items) {
      if (!first) out->push_back(',');
      first = false;
      *out += kQuote + PyStr(&item) + kQuote;
    }
  }
}

// `{%- if add_comma %},{%- else -%}{%- set add_comma = true -%}{% endif -%}`
void Comma(bool* add_comma, std::string* out) {
  if (*add_comma) out->push_back(',');
  *add_comma = true;
}

void FormatParameters(const Json& properties, bool filter_keys,
                      std::string* out);

void FormatItems(const Json& items, std::string* out) {
  *out += "items:{";
  bool first = true;
  for (const auto& [key, value] : DictSort(items)) {
    if (value->is_null()) continue;
    if (!first) out->push_back(',');
    first = false;
    if (key == "properties") {
      *out += "properties:{";
      if (value->is_object()) FormatParameters(*value, false, out);
      out->push_back('}');
    } else if (key == "required") {
      *out += "required:[";
      QuotedList(value, out);
      out->push_back(']');
    } else if (key == "type") {
      *out += "type:";
      if (value->is_string()) {
        FormatArgument(Json(Upper(value->get<std::string>())), true, out);
      } else {
        Json upper = Json::array();
        if (value->is_array()) {
          for (const auto& t : *value) upper.push_back(Upper(PyStr(&t)));
        }
        FormatArgument(upper, true, out);
      }
    } else {
      *out += key + ":";
      FormatArgument(*value, true, out);
    }
  }
  out->push_back('}');
}

void FormatProperty(const std::string& key, const Json& value,
                    std::string* out) {
  bool add_comma = false;
  *out += key + ":{";
  if (Truthy(Get(value, "description"))) {
    *out += std::string("description:") + kQuote +
            PyStr(Get(value, "description")) + kQuote;
    add_comma = true;
  }
  const std::string type = Upper(PyStr(Get(value, "type")));
  if (type == "STRING") {
    if (Truthy(Get(value, "enum"))) {
      Comma(&add_comma, out);
      *out += "enum:";
      FormatArgument(*Get(value, "enum"), true, out);
    }
  } else if (type == "ARRAY") {
    const Json* items = Get(value, "items");
    if (items != nullptr && items->is_object() && Truthy(items)) {
      Comma(&add_comma, out);
      FormatItems(*items, out);
    }
  }
  if (Truthy(Get(value, "nullable"))) {
    Comma(&add_comma, out);
    *out += "nullable:true";
  }
  if (type == "OBJECT") {
    const Json* props = Get(value, "properties");
    Comma(&add_comma, out);
    *out += "properties:{";
    if (props != nullptr && props->is_object()) {
      FormatParameters(*props, false, out);
    } else if (value.is_object()) {
      FormatParameters(value, true, out);
    }
    out->push_back('}');
    if (Truthy(Get(value, "required"))) {
      Comma(&add_comma, out);
      *out += "required:[";
      QuotedList(Get(value, "required"), out);
      out->push_back(']');
    }
  }
  Comma(&add_comma, out);
  *out += std::string("type:") + kQuote + type + kQuote + "}";
}

void FormatParameters(const Json& properties, bool filter_keys,
                      std::string* out) {
  static const char* const kStandard[] = {"description", "type", "properties",
                                          "required", "nullable"};
  bool found_first = false;
  for (const auto& [key, value] : DictSort(properties)) {
    if (filter_keys && std::find(std::begin(kStandard), std::end(kStandard),
                                 key) != std::end(kStandard)) {
      continue;
    }
    if (found_first) out->push_back(',');
    found_first = true;
    FormatProperty(key, *value, out);
  }
}

}  // namespace

const Json* Get(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  return it == obj.end() ? nullptr : &*it;
}

bool Truthy(const Json* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  if (v->is_number_unsigned()) return v->get<uint64_t>() != 0;
  if (v->is_number_integer()) return v->get<int64_t>() != 0;
  if (v->is_number_float()) return v->get<double>() != 0.0;
  return !v->empty();  // arrays, objects
}

std::string Trim(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end) {
    uint32_t cp;
    size_t len;
    if (DecodeUtf8(s.data() + begin, end - begin, &cp, &len) !=
            Utf8Status::kComplete ||
        !IsPyWhitespace(cp)) {
      break;
    }
    begin += len;
  }
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin &&
           (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    uint32_t cp;
    size_t len;
    if (DecodeUtf8(s.data() + start, end - start, &cp, &len) !=
            Utf8Status::kComplete ||
        len != end - start || !IsPyWhitespace(cp)) {
      break;
    }
    end = start;
  }
  return std::string(s.substr(begin, end - begin));
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::vector<std::pair<std::string, const Json*>> DictSort(const Json& obj) {
  std::vector<std::pair<std::string, const Json*>> items;
  if (!obj.is_object()) return items;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    items.emplace_back(it.key(), &it.value());
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) {
                     return Lower(a.first) < Lower(b.first);
                   });
  return items;
}

void FormatArgument(const Json& v, bool escape_keys, std::string* out) {
  if (v.is_null()) {
    *out += "null";
  } else if (v.is_string()) {
    *out += kQuote + v.get<std::string>() + kQuote;
  } else if (v.is_boolean()) {
    *out += v.get<bool>() ? "true" : "false";
  } else if (v.is_object()) {
    out->push_back('{');
    bool first = true;
    for (const auto& [key, value] : DictSort(v)) {
      if (!first) out->push_back(',');
      first = false;
      *out += escape_keys ? kQuote + key + kQuote : key;
      out->push_back(':');
      FormatArgument(*value, escape_keys, out);
    }
    out->push_back('}');
  } else if (v.is_array()) {
    out->push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out->push_back(',');
      FormatArgument(v[i], escape_keys, out);
    }
    out->push_back(']');
  } else {
    *out += PyStr(&v);
  }
}

std::string FormatDeclaration(const Json& tool) {
  static const Json kEmpty = Json::object();
  const Json* fn_ptr = Get(tool, "function");
  const Json& fn = fn_ptr ? *fn_ptr : kEmpty;
  std::string out = "declaration:" + PyStr(Get(fn, "name")) +
                    "{description:" + kQuote + PyStr(Get(fn, "description")) +
                    kQuote;
  const Json* params = Get(fn, "parameters");
  if (Truthy(params)) {
    out += ",parameters:{";
    if (Truthy(Get(*params, "properties"))) {
      out += "properties:{";
      FormatParameters(*Get(*params, "properties"), false, &out);
      out += "},";
    }
    if (Truthy(Get(*params, "required"))) {
      out += "required:[";
      QuotedList(Get(*params, "required"), &out);
      out += "],";
    }
    if (Truthy(Get(*params, "type"))) {
      out += std::string("type:") + kQuote +
             Upper(PyStr(Get(*params, "type"))) + kQuote + "}";
    }
  }
  if (const Json* resp = Get(fn, "response")) {
    out += ",response:{";
    if (Truthy(Get(*resp, "description"))) {
      out += std::string("description:") + kQuote +
             PyStr(Get(*resp, "description")) + kQuote + ",";
    }
    const std::string type = Upper(PyStr(Get(*resp, "type")));
    if (type == "OBJECT")
      out += std::string("type:") + kQuote + type + kQuote + "}";
  }
  out += "}";
  return Trim(out);
}

void FormatToolResponse(const std::string& name, const Json* response,
                        std::string* out) {
  *out += "<|tool_response>";
  if (response != nullptr && response->is_object()) {
    *out += "response:" + name + "{";
    bool first = true;
    for (const auto& [key, value] : DictSort(*response)) {
      if (!first) out->push_back(',');
      first = false;
      *out += key + ":";
      FormatArgument(*value, false, out);
    }
    out->push_back('}');
  } else {
    *out += "response:" + name + "{value:";
    // An undefined response prints as "" in Jinja; null prints "null".
    if (response != nullptr) FormatArgument(*response, false, out);
    out->push_back('}');
  }
  *out += "<tool_response|>";
}

}  // namespace edgemma::chat
