#include "core/text/response_parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "core/text/chat_format_internal.h"

namespace edgemma {
namespace {

using chat::Json;

constexpr std::string_view kQuote = "<|\"|>";
constexpr std::string_view kStops[] = {"<turn|>", "<|tool_response>", "<eos>"};
constexpr std::string_view kChannelOpen = "<|channel>";
constexpr std::string_view kChannelClose = "<channel|>";
constexpr std::string_view kCallOpen = "<|tool_call>";
constexpr std::string_view kCallClose = "<tool_call|>";

bool At(std::string_view s, size_t pos, std::string_view what) {
  return s.compare(pos, what.size(), what) == 0;
}

// Scanner over the body of one tool call; false on any syntax error.
// starved() tells whether a failure may be only the text being cut short: the
// scanner needed a character past the end (more text could still complete
// the call), as opposed to a syntax error that no further text can undo.
class ValueParser {
 public:
  ValueParser(std::string_view s, size_t pos) : s_(s), pos_(pos) {}
  size_t pos() const { return pos_; }
  bool starved() const { return starved_; }
  // At(s_, pos_, what); a mismatch only because the text ends early starves.
  bool Expect(std::string_view what) {
    if (At(s_, pos_, what)) return true;
    if (pos_ + what.size() > s_.size()) starved_ = true;
    return false;
  }
  // True if a character is left at pos_, else starves.
  bool More() {
    if (pos_ < s_.size()) return true;
    starved_ = true;
    return false;
  }

  bool Value(Json* out);
  bool Object(Json* out);

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' ||
                                s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool String(std::string* out);
  bool Key(std::string* out);
  bool Array(Json* out);
  bool Number(Json* out);
  bool Literal(std::string_view word, Json value, Json* out) {
    if (!Expect(word)) return false;
    pos_ += word.size();
    *out = std::move(value);
    return true;
  }

  std::string_view s_;
  size_t pos_;
  bool starved_ = false;
};

bool ValueParser::String(std::string* out) {
  if (!Expect(kQuote)) return false;
  const size_t end = s_.find(kQuote, pos_ + kQuote.size());
  if (end == std::string_view::npos) {
    starved_ = true;  // a string runs until its closing quote, whatever follows
    return false;
  }
  out->assign(s_.substr(pos_ + kQuote.size(), end - pos_ - kQuote.size()));
  pos_ = end + kQuote.size();
  return true;
}

bool ValueParser::Key(std::string* out) {
  SkipSpace();
  if (At(s_, pos_, kQuote)) return String(out);
  // A bare key runs to the next ':' and holds none of "{}[],".
  size_t colon = pos_;
  while (colon < s_.size() && s_[colon] != ':') {
    if (std::string_view("{}[],").find(s_[colon]) != std::string_view::npos) {
      return false;
    }
    ++colon;
  }
  if (colon == s_.size()) {
    starved_ = true;
    return false;
  }
  if (colon == pos_) return false;
  out->assign(s_.substr(pos_, colon - pos_));
  pos_ = colon;
  return true;
}

bool ValueParser::Object(Json* out) {
  if (!More() || s_[pos_] != '{') return false;
  ++pos_;
  *out = Json::object();
  SkipSpace();
  if (!More()) return false;
  if (s_[pos_] == '}') {
    ++pos_;
    return true;
  }
  while (true) {
    std::string key;
    if (!Key(&key)) return false;
    SkipSpace();
    if (!More() || s_[pos_] != ':') return false;
    ++pos_;
    Json value;
    if (!Value(&value)) return false;
    (*out)[key] = std::move(value);
    SkipSpace();
    if (!More()) return false;
    if (s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    if (s_[pos_++] != ',') return false;
  }
}

bool ValueParser::Array(Json* out) {
  ++pos_;  // '['
  *out = Json::array();
  SkipSpace();
  if (!More()) return false;
  if (s_[pos_] == ']') {
    ++pos_;
    return true;
  }
  while (true) {
    Json value;
    if (!Value(&value)) return false;
    out->push_back(std::move(value));
    SkipSpace();
    if (!More()) return false;
    if (s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    if (s_[pos_++] != ',') return false;
  }
}

bool ValueParser::Number(Json* out) {
  size_t end = pos_;
  bool is_float = false;
  if (end < s_.size() && (s_[end] == '-' || s_[end] == '+')) ++end;
  const size_t digits = end;
  while (end < s_.size()) {
    const char c = s_[end];
    if (c >= '0' && c <= '9') {
      ++end;
    } else if (c == '.' || c == 'e' || c == 'E' ||
               ((c == '-' || c == '+') &&
                (s_[end - 1] == 'e' || s_[end - 1] == 'E'))) {
      is_float = true;
      ++end;
    } else {
      break;
    }
  }
  if (end == s_.size()) starved_ = true;  // more digits may follow
  if (end == digits) return false;
  const std::string text(s_.substr(pos_, end - pos_));
  char* stop = nullptr;
  errno = 0;
  if (!is_float) {
    if (text[0] != '-') {
      const unsigned long long u = std::strtoull(text.c_str(), &stop, 10);
      if (errno == 0 && *stop == '\0') {
        *out = Json(static_cast<uint64_t>(u));
        if (u <= static_cast<unsigned long long>(INT64_MAX)) {
          *out = Json(static_cast<int64_t>(u));
        }
        pos_ = end;
        return true;
      }
    } else {
      const long long v = std::strtoll(text.c_str(), &stop, 10);
      if (errno == 0 && *stop == '\0') {
        *out = Json(static_cast<int64_t>(v));
        pos_ = end;
        return true;
      }
    }
    errno = 0;
  }
  const double d = std::strtod(text.c_str(), &stop);
  if (*stop != '\0') return false;
  *out = Json(d);
  pos_ = end;
  return true;
}

bool ValueParser::Value(Json* out) {
  SkipSpace();
  if (!More()) return false;
  if (At(s_, pos_, kQuote)) {
    std::string s;
    if (!String(&s)) return false;
    *out = Json(std::move(s));
    return true;
  }
  const char c = s_[pos_];
  if (c == '{') return Object(out);
  if (c == '[') return Array(out);
  if (c == 't') return Literal("true", Json(true), out);
  if (c == 'f') return Literal("false", Json(false), out);
  if (c == 'n') return Literal("null", Json(nullptr), out);
  return Number(out);
}

enum class CallParse {
  kParsed,
  kMalformed,   // no continuation of the text can make it a call
  kIncomplete,  // the text ends before the call could be decided
};

// Parses "call:NAME{...}<tool_call|>" at pos (just after <|tool_call>).
CallParse ParseCall(std::string_view s, size_t* pos, ParsedToolCall* call) {
  constexpr std::string_view kCall = "call:";
  ValueParser head(s, *pos);
  if (!head.Expect(kCall)) {
    return head.starved() ? CallParse::kIncomplete : CallParse::kMalformed;
  }
  const size_t name_begin = *pos + kCall.size();
  size_t brace = name_begin;
  for (; brace < s.size() && s[brace] != '{'; ++brace) {
    const char c = s[brace];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
          c == '.')) {
      return CallParse::kMalformed;
    }
  }
  if (brace == s.size()) return CallParse::kIncomplete;
  if (brace == name_begin) return CallParse::kMalformed;
  ValueParser parser(s, brace);
  Json args;
  if (!parser.Object(&args) || !parser.Expect(kCallClose)) {
    return parser.starved() ? CallParse::kIncomplete : CallParse::kMalformed;
  }
  call->name.assign(s.substr(name_begin, brace - name_begin));
  // Invalid UTF-8 in a string becomes U+FFFD (dump() would throw).
  call->arguments_json =
      args.dump(-1, ' ', false, Json::error_handler_t::replace);
  *pos = parser.pos() + kCallClose.size();
  return CallParse::kParsed;
}

size_t FindStop(std::string_view s, size_t from) {
  size_t best = std::string_view::npos;
  for (auto stop : kStops) best = std::min(best, s.find(stop, from));
  return best;
}

void AddThinking(std::string_view channel, ParsedResponse* r) {
  if (channel.substr(0, 8) == "thought\n") {
    channel.remove_prefix(8);
  } else if (channel == "thought") {
    channel = {};
  }
  if (r->has_thinking) r->thinking += "\n";
  r->thinking += chat::Trim(channel);
  r->has_thinking = true;
}

}  // namespace

ParsedResponse ParseGemma4Response(std::string_view text) {
  return ParseGemma4Response(text, nullptr);
}

ParsedResponse ParseGemma4Response(std::string_view text,
                                   size_t* first_incomplete_call) {
  if (first_incomplete_call) *first_incomplete_call = std::string_view::npos;
  ParsedResponse r;
  std::string content;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t lt = text.find('<', pos);
    if (lt == std::string_view::npos) {
      content.append(text.substr(pos));
      break;
    }
    content.append(text.substr(pos, lt - pos));
    pos = lt;
    bool stop = false;
    for (auto s : kStops) stop = stop || At(text, pos, s);
    if (stop) {
      r.stopped = true;
      break;
    }
    if (At(text, pos, kChannelOpen)) {
      const size_t begin = pos + kChannelOpen.size();
      const size_t close = text.find(kChannelClose, begin);
      const size_t halt = FindStop(text, begin);
      const size_t end = std::min(close, std::min(halt, text.size()));
      AddThinking(text.substr(begin, end - begin), &r);
      pos = end == close ? close + kChannelClose.size() : end;
      continue;
    }
    if (At(text, pos, kCallOpen)) {
      size_t after = pos + kCallOpen.size();
      ParsedToolCall call;
      const CallParse got = ParseCall(text, &after, &call);
      if (got == CallParse::kParsed) {
        r.tool_calls.push_back(std::move(call));
        pos = after;
        continue;
      }
      if (got == CallParse::kIncomplete && first_incomplete_call &&
          *first_incomplete_call == std::string_view::npos) {
        *first_incomplete_call = pos;
      }
    }
    content.push_back('<');
    ++pos;
  }
  r.content = chat::Trim(content);
  return r;
}

std::string ParsedResponseToJson(const ParsedResponse& r) {
  Json j = Json::object();
  j["thinking"] = r.has_thinking ? Json(r.thinking) : Json(nullptr);
  j["content"] = r.content;
  j["tool_calls"] = Json::array();
  for (const auto& call : r.tool_calls) {
    Json fn = Json::object();
    fn["name"] = call.name;
    fn["arguments"] = Json::parse(call.arguments_json);
    Json c = Json::object();
    c["type"] = "function";
    c["function"] = std::move(fn);
    j["tool_calls"].push_back(std::move(c));
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace edgemma
