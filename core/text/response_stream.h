// Streaming view of a Gemma 4 response: raw output pieces (decoded with
// special tokens kept) go in as they are generated; what is final of the
// thinking, the content and the tool calls comes out, so a chat front-end can
// show the thought apart from the answer (or hide it) while tokens arrive.
//
// Contract: the concatenation of every delta equals ParseGemma4Response() of
// the whole text (thinking, content, tool calls), whatever the piece
// boundaries — each Feed() re-parses the text up to the last point where no
// marker, thought-channel name or tool call is still incomplete, and emits
// only the growth. Cost per Feed() is linear in the response so far
// (microseconds for a few thousand characters). Allocates (a chat front-end
// helper, not part of the decode loop). Not thread-safe.
#ifndef EDGEMMA_CORE_TEXT_RESPONSE_STREAM_H_
#define EDGEMMA_CORE_TEXT_RESPONSE_STREAM_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/text/response_parser.h"

namespace edgemma {

struct ResponseDelta {
  bool thinking_started = false;  // the first thought channel opened now
  std::string thinking;           // new thinking text
  std::string content;            // new answer text
  std::vector<ParsedToolCall> tool_calls;  // calls completed now
  bool empty() const {
    return !thinking_started && thinking.empty() && content.empty() &&
           tool_calls.empty();
  }
};

class ResponseStream {
 public:
  ResponseStream() = default;
  // Appends one piece of raw output; returns what became final.
  ResponseDelta Feed(std::string_view piece);
  // End of output: releases whatever was held back.
  ResponseDelta Finish();
  // The raw text so far (what a conversation log should keep).
  const std::string& raw() const { return raw_; }
  // True once a stop marker (<turn|>, <|tool_response>, <eos>) was seen.
  bool stopped() const { return emitted_.stopped; }

 private:
  ResponseDelta Advance(size_t safe_end);

  std::string raw_;
  ParsedResponse emitted_;  // the part of the parse already handed out
};

// Length of the prefix of `text` whose parse cannot change as more text
// arrives (exposed for tests).
size_t ResponseSafePrefix(std::string_view text);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_RESPONSE_STREAM_H_
