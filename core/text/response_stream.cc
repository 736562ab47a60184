#include "core/text/response_stream.h"

#include <algorithm>

#include "core/text/utf8.h"

namespace edgemma {
namespace {

constexpr std::string_view kMarkers[] = {
    "<|channel>", "<channel|>",       "<|tool_call>", "<tool_call|>",
    "<turn|>",    "<|tool_response>", "<eos>",        "<|\"|>"};
constexpr std::string_view kChannelOpen = "<|channel>";
constexpr std::string_view kChannelClose = "<channel|>";
constexpr std::string_view kThoughtName = "thought\n";

// The suffix starting at the last '<' is a proper prefix of a marker.
bool EndsInPartialMarker(std::string_view text, size_t* lt) {
  *lt = text.rfind('<');
  if (*lt == std::string_view::npos) return false;
  const std::string_view tail = text.substr(*lt);
  for (std::string_view m : kMarkers) {
    if (tail.size() < m.size() && m.substr(0, tail.size()) == tail) return true;
  }
  return false;
}

// Start of a character cut short at the end of `text` (a valid prefix of a
// multi-byte sequence), or text.size(). Trimming treats the whole character
// (U+2004 is whitespace) differently from its first bytes, so a cut one must
// wait for the rest.
size_t PartialCharStart(std::string_view text) {
  size_t start = text.size();
  for (int back = 0; back < 3 && start > 0; ++back) {
    --start;
    if ((static_cast<unsigned char>(text[start]) & 0xC0) != 0x80) break;
  }
  uint32_t cp = 0;
  size_t len = 0;
  if (start < text.size() &&
      DecodeUtf8(text.data() + start, text.size() - start, &cp, &len) ==
          Utf8Status::kIncomplete) {
    return start;
  }
  return text.size();
}

// Position of the last `open` that has no `close` after it, or npos.
size_t UnclosedOpen(std::string_view text, std::string_view open,
                    std::string_view close) {
  const size_t o = text.rfind(open);
  if (o == std::string_view::npos) return o;
  return text.find(close, o + open.size()) == std::string_view::npos
             ? o
             : std::string_view::npos;
}

// `next` with the already emitted prefix `done` removed; empty if `next` does
// not extend `done` (cannot happen for a safe prefix; kept defensive).
std::string Growth(const std::string& done, const std::string& next) {
  if (next.size() <= done.size() || next.compare(0, done.size(), done) != 0) {
    return {};
  }
  return next.substr(done.size());
}

}  // namespace

size_t ResponseSafePrefix(std::string_view text) {
  size_t end = PartialCharStart(text);
  text = text.substr(0, end);
  size_t lt = 0;
  if (EndsInPartialMarker(text, &lt)) end = lt;
  text = text.substr(0, end);
  // A tool call counts only once decided: a <tool_call|> inside a string
  // that is still open does not end it; before that the parser would read
  // its opening as content.
  size_t call = std::string_view::npos;
  (void)ParseGemma4Response(text, &call);
  if (call != std::string_view::npos) end = std::min(end, call);
  // The channel name "thought\n" is dropped only once complete.
  const size_t chan = UnclosedOpen(text, kChannelOpen, kChannelClose);
  if (chan != std::string_view::npos) {
    const std::string_view name = text.substr(chan + kChannelOpen.size());
    if (name.size() < kThoughtName.size() &&
        kThoughtName.substr(0, name.size()) == name) {
      end = std::min(end, chan);
    }
  }
  return end;
}

ResponseDelta ResponseStream::Feed(std::string_view piece) {
  if (emitted_.stopped) return {};
  raw_.append(piece);
  return Advance(ResponseSafePrefix(raw_));
}

ResponseDelta ResponseStream::Finish() {
  if (emitted_.stopped) return {};
  return Advance(raw_.size());
}

ResponseDelta ResponseStream::Advance(size_t safe_end) {
  ParsedResponse now =
      ParseGemma4Response(std::string_view(raw_).substr(0, safe_end));
  ResponseDelta d;
  d.thinking_started = now.has_thinking && !emitted_.has_thinking;
  d.thinking = Growth(emitted_.thinking, now.thinking);
  d.content = Growth(emitted_.content, now.content);
  for (size_t i = emitted_.tool_calls.size(); i < now.tool_calls.size(); ++i) {
    d.tool_calls.push_back(now.tool_calls[i]);
  }
  // Keep the emitted state as the concatenation of the deltas so far.
  emitted_.has_thinking = emitted_.has_thinking || now.has_thinking;
  emitted_.thinking += d.thinking;
  emitted_.content += d.content;
  emitted_.tool_calls.insert(emitted_.tool_calls.end(), d.tool_calls.begin(),
                             d.tool_calls.end());
  emitted_.stopped = now.stopped;
  return d;
}

}  // namespace edgemma
