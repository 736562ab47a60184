// Internal helpers of the chat formatter: Python/Jinja2 value semantics
// (truthiness, str(), repr of floats, str.strip, dictsort) and the template's
// format_argument / declaration macros. Not part of the public API.
#ifndef EDGEMMA_CORE_TEXT_CHAT_FORMAT_INTERNAL_H_
#define EDGEMMA_CORE_TEXT_CHAT_FORMAT_INTERNAL_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace edgemma::chat {

// Ordered: Jinja2's dictsort is a stable case-insensitive sort, so ties keep
// the input order.
using Json = nlohmann::ordered_json;

// obj[key] if obj is an object holding key, else nullptr (Jinja "undefined").
const Json* Get(const Json& obj, std::string_view key);
// Jinja truthiness; nullptr (undefined) is false.
bool Truthy(const Json* v);
// Parses a request as Python's json module would: like nlohmann's parser,
// except that an integer literal outside the 64-bit range stays exact (held as
// a big integer that PyStr prints digit for digit).
Result<Json> ParsePyJson(std::string_view text);
// Python str() of a value as {{ v }} prints it; nullptr -> "". Containers
// print as Python does: repr() of their items ("['STRING', 'NULL']").
std::string PyStr(const Json* v);
// Python repr(): strings quoted and escaped, other values as PyStr.
std::string PyRepr(const Json& v);
std::string PyFloatRepr(double x);
// Python str.strip() (Unicode whitespace).
std::string Trim(std::string_view s);
std::string Upper(std::string s);
// Items of an object sorted like Jinja2's dictsort (case-insensitive).
std::vector<std::pair<std::string, const Json*>> DictSort(const Json& obj);

// The template's format_argument macro.
void FormatArgument(const Json& v, bool escape_keys, std::string* out);
// format_function_declaration(tool) | trim.
std::string FormatDeclaration(const Json& tool);
// format_tool_response_block(name, response).
void FormatToolResponse(const std::string& name, const Json* response,
                        std::string* out);

}  // namespace edgemma::chat

#endif  // EDGEMMA_CORE_TEXT_CHAT_FORMAT_INTERNAL_H_
