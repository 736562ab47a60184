// Response parser: any bytes as raw model output. The whole-text parse must
// serialize to valid JSON, and the streaming form must agree with it (its
// contract): the first input byte seeds where the text is cut into pieces,
// and the concatenated deltas must equal the whole parse.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/response_parser.h"
#include "core/text/response_stream.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(response) {
  using namespace edgemma;
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1),
                              size - 1);

  const ParsedResponse whole = ParseGemma4Response(text);
  const std::string json = ParsedResponseToJson(whole);
  FUZZ_CHECK(nlohmann::json::accept(json));

  // Pieces of 1..max_step bytes, the lengths from a small LCG (max_step 1
  // feeds one byte at a time).
  const uint32_t max_step = 1 + control % 16;
  uint32_t lcg = control * 2654435761u + 1;
  ResponseStream stream;
  bool has_thinking = false;
  std::string thinking, content;
  std::vector<ParsedToolCall> calls;
  auto add = [&](const ResponseDelta& d) {
    has_thinking = has_thinking || d.thinking_started;
    thinking += d.thinking;
    content += d.content;
    calls.insert(calls.end(), d.tool_calls.begin(), d.tool_calls.end());
  };
  for (size_t pos = 0; pos < text.size();) {
    lcg = lcg * 1664525u + 1013904223u;
    const size_t n = 1 + (lcg >> 16) % max_step;
    add(stream.Feed(text.substr(pos, n)));
    pos += n;
  }
  add(stream.Finish());

  FUZZ_CHECK(stream.raw().size() <= text.size());
  FUZZ_CHECK(has_thinking == whole.has_thinking);
  FUZZ_CHECK(thinking == whole.thinking);
  FUZZ_CHECK(content == whole.content);
  FUZZ_CHECK(stream.stopped() == whole.stopped);
  FUZZ_CHECK(calls.size() == whole.tool_calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    FUZZ_CHECK(calls[i].name == whole.tool_calls[i].name);
    FUZZ_CHECK(calls[i].arguments_json == whole.tool_calls[i].arguments_json);
    FUZZ_CHECK(nlohmann::json::accept(calls[i].arguments_json));
  }
  return 0;
}
