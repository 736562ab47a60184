// The message loop of the canonical Gemma 4 E2B/E4B template (see
// chat_format.h); value formatting lives in chat_format_values.cc.
#include "core/text/chat_format.h"

#include "core/text/chat_format_internal.h"

namespace edgemma {
namespace {

using chat::Get;
using chat::Json;
using chat::PyStr;
using chat::Trim;
using chat::Truthy;

enum class Prev { kNone, kThink, kTool, kToolCall, kToolResponse };

std::string Role(const Json& m) { return PyStr(Get(m, "role")); }

// The template's strip_thinking: drops every <|channel>...<channel|> span.
std::string StripThinking(const std::string& text) {
  std::string result;
  size_t pos = 0;
  while (true) {
    const size_t close = text.find("<channel|>", pos);
    const std::string part = text.substr(
        pos, close == std::string::npos ? std::string::npos : close - pos);
    const size_t open = part.find("<|channel>");
    result += open == std::string::npos ? part : part.substr(0, open);
    if (close == std::string::npos) break;
    pos = close + 10;
  }
  return Trim(result);
}

const char* MediaPlaceholder(const std::string& type) {
  if (type == "image" || type == "image_url") return "<|image|>";
  if (type == "audio" || type == "input_audio") return "<|audio|>";
  if (type == "video") return "<|video|>";
  return "";
}

class Renderer {
 public:
  Renderer(const Json& messages, const Json* tools,
           const ChatFormatOptions& opt)
      : all_(messages), tools_(tools), opt_(opt) {}

  Result<std::string> Run();

 private:
  void SystemBlock();
  Status Message(size_t i);
  Status ToolCalls(const Json& m);
  bool ToolResults(size_t i, const Json& m);
  std::string Content(const Json& m, bool model);

  const Json& all_;
  const Json* tools_;
  const ChatFormatOptions& opt_;
  std::vector<const Json*> msgs_;  // loop_messages
  std::string out_;
  Prev prev_ = Prev::kNone;
  std::string prev_non_tool_role_;
  long last_user_ = -1;
};

void Renderer::SystemBlock() {
  const bool first_system = !all_.empty() && (Role(all_[0]) == "system" ||
                                              Role(all_[0]) == "developer");
  for (size_t i = first_system ? 1 : 0; i < all_.size(); ++i) {
    msgs_.push_back(&all_[i]);
  }
  if (!opt_.enable_thinking && !Truthy(tools_) && !first_system) return;
  out_ += "<|turn>system\n";
  if (opt_.enable_thinking) {
    out_ += "<|think|>\n";
    prev_ = Prev::kThink;
  }
  if (first_system) {
    const Json* content = Get(all_[0], "content");
    if (content != nullptr && content->is_string()) {
      out_ += Trim(content->get<std::string>());
    } else if (content != nullptr && content->is_array()) {
      for (const auto& item : *content) {
        out_ += Trim(PyStr(Get(item, "text"))) + " ";
      }
    }
  }
  if (Truthy(tools_)) {
    for (const auto& tool : *tools_) {
      out_ += "<|tool>" + chat::FormatDeclaration(tool) + "<tool|>";
    }
    prev_ = Prev::kTool;
  }
  out_ += "<turn|>\n";
}

Status Renderer::ToolCalls(const Json& m) {
  for (const auto& call : *Get(m, "tool_calls")) {
    const Json* fn = Get(call, "function");
    out_ += "<|tool_call>call:" + PyStr(fn ? Get(*fn, "name") : nullptr) + "{";
    const Json* args = fn ? Get(*fn, "arguments") : nullptr;
    if (args != nullptr && args->is_object()) {
      bool first = true;
      for (const auto& [key, value] : chat::DictSort(*args)) {
        if (!first) out_.push_back(',');
        first = false;
        out_ += key + ":";
        chat::FormatArgument(*value, false, &out_);
      }
    } else if (args != nullptr && !args->is_null()) {
      return InvalidArgument(
          "chat_template: tool_calls[].function.arguments must be a JSON "
          "object (mapping), not a string. Deserialize arguments before "
          "passing to the template.");
    }
    out_ += "}<tool_call|>";
  }
  prev_ = Prev::kToolCall;
  return Status::Ok();
}

// Renders tool results for message i (legacy tool_responses, or the
// following role:tool messages). Returns whether any was rendered.
bool Renderer::ToolResults(size_t i, const Json& m) {
  bool rendered = false;
  if (Truthy(Get(m, "tool_responses"))) {
    for (const auto& r : *Get(m, "tool_responses")) {
      const Json* name = Get(r, "name");
      chat::FormatToolResponse(Truthy(name) ? PyStr(name) : "unknown",
                               Get(r, "response"), &out_);
      rendered = true;
      prev_ = Prev::kToolResponse;
    }
    return rendered;
  }
  if (!Truthy(Get(m, "tool_calls"))) return false;
  for (size_t k = i + 1; k < msgs_.size() && Role(*msgs_[k]) == "tool"; ++k) {
    const Json& follow = *msgs_[k];
    const Json* fname = Get(follow, "name");
    std::string name = Truthy(fname) ? PyStr(fname) : "unknown";
    const Json* want_id = Get(follow, "tool_call_id");
    for (const auto& tc : *Get(m, "tool_calls")) {
      const Json* id = Get(tc, "id");
      // Jinja: None == None, so a call without id matches a result without
      // tool_call_id.
      const bool same = (id == nullptr || id->is_null())
                            ? (want_id == nullptr || want_id->is_null())
                            : (want_id != nullptr && *id == *want_id);
      const Json* fn = Get(tc, "function");
      if (same) name = PyStr(fn ? Get(*fn, "name") : nullptr);
    }
    const Json* body = Get(follow, "content");
    if (body != nullptr && body->is_array()) {
      std::string text;
      for (const auto& part : *body) {
        if (PyStr(Get(part, "type")) == "text")
          text += PyStr(Get(part, "text"));
      }
      const Json text_json(text);
      chat::FormatToolResponse(name, &text_json, &out_);
      for (const auto& part : *body) {
        out_ += MediaPlaceholder(PyStr(Get(part, "type")));
      }
    } else {
      chat::FormatToolResponse(name, body, &out_);
    }
    rendered = true;
    prev_ = Prev::kToolResponse;
  }
  return rendered;
}

std::string Renderer::Content(const Json& m, bool model) {
  const Json* content = Get(m, "content");
  std::string s;
  if (content != nullptr && content->is_string()) {
    const std::string& text = content->get_ref<const std::string&>();
    s = model ? StripThinking(text) : Trim(text);
  } else if (content != nullptr && content->is_array()) {
    for (const auto& item : *content) {
      const std::string type = PyStr(Get(item, "type"));
      if (type == "text") {
        const std::string text = PyStr(Get(item, "text"));
        s += model ? StripThinking(text) : Trim(text);
      } else {
        s += MediaPlaceholder(type);
      }
    }
  }
  return s;
}

Status Renderer::Message(size_t i) {
  const Json& m = *msgs_[i];
  const std::string raw_role = Role(m);
  if (raw_role == "tool") return Status::Ok();
  prev_ = Prev::kNone;
  const std::string role = raw_role == "assistant" ? "model" : raw_role;
  if (!(role == "model" && prev_non_tool_role_ == "assistant")) {
    out_ += "<|turn>" + role + "\n";
  }
  const Json* thinking = Get(m, "reasoning");
  if (!Truthy(thinking)) thinking = Get(m, "reasoning_content");
  const bool has_calls = Truthy(Get(m, "tool_calls"));
  const bool gate = static_cast<long>(i) > last_user_ ||
                    (opt_.preserve_thinking && has_calls);
  if (Truthy(thinking) && gate) {
    out_ += "<|channel>thought\n" + PyStr(thinking) + "\n<channel|>";
  }
  if (has_calls) EM_RETURN_IF_ERROR(ToolCalls(m));
  const bool results = ToolResults(i, m);
  const std::string content = Content(m, role == "model");
  out_ += content;
  const bool has_content = !Trim(content).empty();
  std::string next_role;
  bool next_found = false;
  for (size_t j = i + 1; j < msgs_.size() && !next_found; ++j) {
    if (Role(*msgs_[j]) != "tool") {
      next_role = Role(*msgs_[j]);
      next_found = true;
    }
  }
  const bool continues =
      role == "model" && next_role == "assistant" && (!has_calls || results);
  if (prev_ == Prev::kToolCall && !results) {
    out_ += "<|tool_response>";
  } else if (continues) {
  } else if (!(results && !has_content && !next_found)) {
    out_ += "<turn|>\n";
  }
  prev_non_tool_role_ = raw_role;
  return Status::Ok();
}

Result<std::string> Renderer::Run() {
  out_ = opt_.bos_token;
  SystemBlock();
  for (size_t i = 0; i < msgs_.size(); ++i) {
    if (Role(*msgs_[i]) == "user") last_user_ = static_cast<long>(i);
  }
  for (size_t i = 0; i < msgs_.size(); ++i) EM_RETURN_IF_ERROR(Message(i));
  if (opt_.add_generation_prompt) {
    if (prev_ != Prev::kToolResponse && prev_ != Prev::kToolCall) {
      out_ += "<|turn>model\n";
    } else if (prev_ == Prev::kToolResponse && opt_.enable_thinking) {
      out_ += "<|channel>thought\n";
    }
  }
  return std::move(out_);
}

Status Validate(const Json& messages, const Json* tools) {
  if (!messages.is_array()) {
    return InvalidArgument("chat request: \"messages\" must be an array");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json* role = Get(messages[i], "role");
    if (role == nullptr || !role->is_string()) {
      return InvalidArgument("chat request: messages[" + std::to_string(i) +
                             "] needs a string \"role\"");
    }
    const Json* calls = Get(messages[i], "tool_calls");
    if (calls != nullptr && !calls->is_null() && !calls->is_array()) {
      return InvalidArgument("chat request: messages[" + std::to_string(i) +
                             "].tool_calls must be an array");
    }
    const Json* responses = Get(messages[i], "tool_responses");
    if (responses != nullptr && !responses->is_null() &&
        !responses->is_array()) {
      return InvalidArgument("chat request: messages[" + std::to_string(i) +
                             "].tool_responses must be an array");
    }
  }
  if (tools != nullptr && !tools->is_null() && !tools->is_array()) {
    return InvalidArgument("chat request: \"tools\" must be an array or null");
  }
  return Status::Ok();
}

bool BoolField(const Json& req, const char* key, bool fallback) {
  const Json* v = Get(req, key);
  return v != nullptr && v->is_boolean() ? v->get<bool>() : fallback;
}

}  // namespace

Result<std::string> RenderGemma4Chat(std::string_view request_json,
                                     const ChatFormatOptions& defaults) {
  Result<Json> parsed = chat::ParsePyJson(request_json);
  const Json req = parsed.ok() ? std::move(parsed).value() : Json();
  if (!req.is_object()) {
    return InvalidArgument("chat request: not a JSON object");
  }
  static const Json kNoMessages = Json::array();
  const Json* messages = Get(req, "messages");
  if (messages == nullptr || messages->is_null()) messages = &kNoMessages;
  const Json* tools = Get(req, "tools");
  EM_RETURN_IF_ERROR(Validate(*messages, tools));
  ChatFormatOptions opt = defaults;
  opt.add_generation_prompt =
      BoolField(req, "add_generation_prompt", opt.add_generation_prompt);
  opt.enable_thinking = BoolField(req, "enable_thinking", opt.enable_thinking);
  opt.preserve_thinking =
      BoolField(req, "preserve_thinking", opt.preserve_thinking);
  Renderer renderer(*messages, tools, opt);
  return renderer.Run();
}

}  // namespace edgemma
