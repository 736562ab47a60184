// Parses raw Gemma 4 model output (decoded with special tokens kept as text,
// starting right after the prompt) into thinking, content and tool calls.
//
// Grammar (spec formats 3.8, shared/testdata/chat/README.md):
//   - parsing stops at the first <turn|>, <|tool_response> or <eos> outside
//     a tool call; without one the output was cut off and what is there is
//     parsed;
//   - <|channel>...<channel|> is a channel; a leading "thought\n" (or the
//     bare text "thought") is its name and dropped, the rest stripped is the
//     thinking (an unclosed channel runs to the stop or the end; several are
//     joined with "\n"; an empty one gives "");
//   - <|tool_call>call:NAME{key:value,...}<tool_call|> is a call; values are
//     <|"|>verbatim strings<|"|>, true/false/null, JSON numbers, [...] and
//     {...} with bare keys (the inverse of the template's format_argument).
//     A malformed call is kept as content text;
//   - content is all other text, concatenated and stripped.
// Tolerant: never fails. Thread-safety: pure function.
#ifndef EDGEMMA_CORE_TEXT_RESPONSE_PARSER_H_
#define EDGEMMA_CORE_TEXT_RESPONSE_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

namespace edgemma {

struct ParsedToolCall {
  std::string name;
  std::string arguments_json;  // a JSON object, typed values, compact
};

struct ParsedResponse {
  bool has_thinking = false;  // false: no channel at all (thinking = null)
  std::string thinking;
  std::string content;
  std::vector<ParsedToolCall> tool_calls;
  bool stopped = false;  // a stop marker was seen (else: cut off)
};

ParsedResponse ParseGemma4Response(std::string_view text);
// The same, and sets *first_incomplete_call to the offset of the first
// <|tool_call> whose outcome depends on text after the end (a string, number
// or the closing marker cut short), npos if none (for the streaming form).
ParsedResponse ParseGemma4Response(std::string_view text,
                                   size_t* first_incomplete_call);

// {"thinking": null|"...", "content": "...", "tool_calls": [{"type":
// "function", "function": {"name": ..., "arguments": {...}}}]} as one line.
std::string ParsedResponseToJson(const ParsedResponse& r);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_RESPONSE_PARSER_H_
