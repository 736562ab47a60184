// Native Gemma 4 (E2B/E4B) chat prompt builder: renders exactly what the
// model's canonical chat template (HF chat_template.jinja, 2026-07-09) gives
// under transformers' apply_chat_template, without a Jinja engine.
//
// Input is JSON text in the OpenAI/HF message format:
//   {"messages": [{"role": "system"|"developer"|"user"|"assistant"|"tool",
//                  "content": "..." | [{"type": "text", "text": ...},
//                                      {"type": "image"|"image_url"|"audio"|
//                                       "input_audio"|"video"}, ...],
//                  "tool_calls": [{"id"?, "function": {"name", "arguments":
//                                  {...}}}], "tool_call_id"?, "name"?,
//                  "reasoning"? | "reasoning_content"?,
//                  "tool_responses"? (legacy)}],
//    "tools": [{"type": "function", "function": {"name", "description",
//              "parameters": JSON schema, "response"?}}] | null,
//    "enable_thinking": false, "add_generation_prompt": true,
//    "preserve_thinking": false}
// Media parts render as one placeholder each (<|image|>, <|audio|>,
// <|video|>); the processor expands them to soft tokens later.
// Thread-safety: pure functions.
#ifndef EDGEMMA_CORE_TEXT_CHAT_FORMAT_H_
#define EDGEMMA_CORE_TEXT_CHAT_FORMAT_H_

#include <string>
#include <string_view>

#include "platform/status.h"

namespace edgemma {

struct ChatFormatOptions {
  bool add_generation_prompt = true;
  bool enable_thinking = false;
  bool preserve_thinking = false;
  std::string bos_token = "<bos>";
};

// Renders a request object as above; its boolean fields override `defaults`.
// Errors: kInvalidArgument for malformed JSON / structure (the message says
// which message index and field), and for a tool call whose arguments are a
// string (the official template raises there too).
Result<std::string> RenderGemma4Chat(std::string_view request_json,
                                     const ChatFormatOptions& defaults = {});

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_CHAT_FORMAT_H_
