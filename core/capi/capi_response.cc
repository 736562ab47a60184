// C API: Gemma 4 response parsing, whole-text and streaming
// (core/text/response_parser.h, core/text/response_stream.h).
#include <string>

#include "core/capi/capi_internal.h"
#include "core/text/response_parser.h"
#include "core/text/response_stream.h"

struct edgemma_response_stream {
  edgemma::ResponseStream stream;
};

namespace {

using edgemma::capi::Guard;
using edgemma::capi::NullArg;

// {"name": ..., "arguments": {...}}. The parser accepts only [A-Za-z0-9_.-]
// in names and gives the arguments as compact JSON, so no escaping is needed.
std::string ToolCallJson(const edgemma::ParsedToolCall& c) {
  return "{\"name\":\"" + c.name + "\",\"arguments\":" + c.arguments_json + "}";
}

void Deliver(const edgemma::ResponseDelta& d, edgemma_part_callback on_part,
             void* user) {
  if (on_part == nullptr) return;
  if (!d.thinking.empty()) {
    on_part(EDGEMMA_PART_THINKING, d.thinking.data(), d.thinking.size(), user);
  }
  if (!d.content.empty()) {
    on_part(EDGEMMA_PART_CONTENT, d.content.data(), d.content.size(), user);
  }
  for (const auto& call : d.tool_calls) {
    const std::string j = ToolCallJson(call);
    on_part(EDGEMMA_PART_TOOL_CALL, j.data(), j.size(), user);
  }
}

}  // namespace

extern "C" {

edgemma_status edgemma_parse_response(const char* raw, char* json,
                                      size_t capacity, size_t* length) {
  static const char* kFn = "edgemma_parse_response";
  return Guard(kFn, [&]() -> edgemma_status {
    if (raw == nullptr) return NullArg(kFn, "raw");
    return edgemma::capi::CopyOut(
        kFn, edgemma::ParsedResponseToJson(edgemma::ParseGemma4Response(raw)),
        json, capacity, length);
  });
}

edgemma_status edgemma_response_stream_create(edgemma_response_stream** out) {
  static const char* kFn = "edgemma_response_stream_create";
  return Guard(kFn, [&]() -> edgemma_status {
    if (out == nullptr) return NullArg(kFn, "out");
    *out = new edgemma_response_stream();
    return EDGEMMA_OK;
  });
}

void edgemma_response_stream_free(edgemma_response_stream* stream) {
  delete stream;
}

edgemma_status edgemma_response_stream_feed(edgemma_response_stream* stream,
                                            const char* piece, size_t len,
                                            edgemma_part_callback on_part,
                                            void* user_data) {
  static const char* kFn = "edgemma_response_stream_feed";
  return Guard(kFn, [&]() -> edgemma_status {
    if (stream == nullptr) return NullArg(kFn, "stream");
    if (piece == nullptr && len > 0) return NullArg(kFn, "piece");
    Deliver(stream->stream.Feed(std::string_view(piece, len)), on_part,
            user_data);
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_response_stream_finish(edgemma_response_stream* stream,
                                              edgemma_part_callback on_part,
                                              void* user_data) {
  static const char* kFn = "edgemma_response_stream_finish";
  return Guard(kFn, [&]() -> edgemma_status {
    if (stream == nullptr) return NullArg(kFn, "stream");
    Deliver(stream->stream.Finish(), on_part, user_data);
    return EDGEMMA_OK;
  });
}

}  // extern "C"
