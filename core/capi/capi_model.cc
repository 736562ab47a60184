// C API: errors, version, model loading and getters, tokenizer and chat prompt
// calls.

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "core/capi/capi_internal.h"
#include "core/io/gguf.h"
#include "core/io/model_source.h"
#include "core/text/chat_format.h"
#include "platform/file_status.h"

namespace edgemma::capi {
namespace {

thread_local std::string t_last_error;

// The tokenizer that comes with the model: explicit path, else
// <dir>/tokenizer.json, else the GGUF's tokenizer.ggml.* keys. Absent is not an
// error (null); unreadable is.
Result<std::unique_ptr<Tokenizer>> LoadTokenizer(const Model& model,
                                                 const std::string& path,
                                                 const char* override_path) {
  if (override_path != nullptr) return Tokenizer::FromPath(override_path);
  const ModelSource* src = model.source();
  if (src != nullptr && src->gguf() != nullptr) {
    if (src->gguf()->Get("tokenizer.ggml.tokens") == nullptr) {
      return std::unique_ptr<Tokenizer>();
    }
    return Tokenizer::FromGguf(*src->gguf(), path);
  }
  if (IsDirectory(path) && IsFile(path + "/tokenizer.json")) {
    return Tokenizer::FromJsonFile(path + "/tokenizer.json");
  }
  return std::unique_ptr<Tokenizer>();
}

const Tokenizer* NeedTokenizer(const edgemma_model* m, const char* fn,
                               edgemma_status* err) {
  if (m->tokenizer == nullptr) {
    *err = SetError(EDGEMMA_ERR_UNSUPPORTED,
                    std::string(fn) +
                        ": the model has no tokenizer (give "
                        "edgemma_model_params.tokenizer_path)");
  }
  return m->tokenizer.get();
}

std::string BosText(const edgemma_model* m) {
  const int32_t bos = m->model->text().bos_id;
  std::string_view piece =
      m->tokenizer ? m->tokenizer->Piece(bos) : std::string_view();
  return piece.empty() ? std::string("<bos>") : std::string(piece);
}

edgemma_status Render(const edgemma_model* m, const std::string& request,
                      char* out, size_t capacity, size_t* length,
                      const char* fn) {
  ChatFormatOptions opt;
  opt.bos_token = BosText(m);
  Result<std::string> text = RenderGemma4Chat(request, opt);
  if (!text.ok()) return FromStatus(text.status());
  return CopyOut(fn, text.value(), out, capacity, length);
}

}  // namespace

edgemma_status SetError(edgemma_status code, const std::string& message) {
  t_last_error = message;
  return code;
}

edgemma_status FromStatus(const Status& s) {
  if (s.ok()) return EDGEMMA_OK;
  return SetError(static_cast<edgemma_status>(s.code()), s.message());
}

edgemma_status CopyOut(const char* fn, const std::string& text, char* out,
                       size_t capacity, size_t* length) {
  if (length == nullptr) return NullArg(fn, "length");
  *length = text.size();
  if (out == nullptr && capacity == 0) return EDGEMMA_OK;
  if (out == nullptr) return NullArg(fn, "output buffer");
  if (capacity < text.size() + 1) {
    return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                    std::string(fn) + ": buffer of " +
                        std::to_string(capacity) + " bytes is too small, " +
                        std::to_string(text.size() + 1) + " needed");
  }
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return EDGEMMA_OK;
}

}  // namespace edgemma::capi

using edgemma::capi::FromStatus;
using edgemma::capi::Guard;
using edgemma::capi::NullArg;
using edgemma::capi::SetError;

extern "C" {

const char* edgemma_last_error(void) {
  return edgemma::capi::t_last_error.c_str();
}

const char* edgemma_status_name(edgemma_status status) {
  if (status < EDGEMMA_OK || status > EDGEMMA_ERR_INTERNAL) return "unknown";
  return edgemma::StatusCodeName(static_cast<edgemma::StatusCode>(status));
}

const char* edgemma_version(void) { return "0.1.0"; }

edgemma_model_params edgemma_model_default_params(void) {
  edgemma_model_params p;
  p.weights = EDGEMMA_WEIGHTS_AS_STORED;
  p.tokenizer_path = nullptr;
  return p;
}

edgemma_status edgemma_model_load(const char* path,
                                  const edgemma_model_params* params,
                                  edgemma_model** out) {
  return Guard("edgemma_model_load", [&]() -> edgemma_status {
    if (out == nullptr) return NullArg("edgemma_model_load", "out");
    *out = nullptr;
    if (path == nullptr) return NullArg("edgemma_model_load", "path");
    const edgemma_model_params p =
        params ? *params : edgemma_model_default_params();
    edgemma::LoadOptions opt;
    switch (p.weights) {
      case EDGEMMA_WEIGHTS_AS_STORED:
        opt.quantize = edgemma::DType::kF32;
        break;
      case EDGEMMA_WEIGHTS_Q8_0:
        opt.quantize = edgemma::DType::kQ8_0;
        break;
      case EDGEMMA_WEIGHTS_Q4_0:
        opt.quantize = edgemma::DType::kQ4_0;
        break;
      default:
        return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                        "edgemma_model_load: unknown weights type " +
                            std::to_string(p.weights));
    }
    auto loaded = edgemma::Model::Load(path, opt);
    if (!loaded.ok()) return FromStatus(loaded.status());
    auto m = std::make_unique<edgemma_model>();
    m->model = std::move(loaded).value();
    m->path = path;
    auto tok = edgemma::capi::LoadTokenizer(*m->model, path, p.tokenizer_path);
    if (!tok.ok()) return FromStatus(tok.status());
    m->tokenizer = std::move(tok).value();
    if (m->tokenizer && m->tokenizer->vocab_size() > m->model->text().vocab) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      std::string("edgemma_model_load: the tokenizer has ") +
                          std::to_string(m->tokenizer->vocab_size()) +
                          " tokens but the model's vocabulary is " +
                          std::to_string(m->model->text().vocab));
    }
    *out = m.release();
    return EDGEMMA_OK;
  });
}

void edgemma_model_free(edgemma_model* model) { delete model; }

int32_t edgemma_model_vocab_size(const edgemma_model* m) {
  return m ? m->model->text().vocab : -1;
}
int32_t edgemma_model_context_max(const edgemma_model* m) {
  return m ? m->model->text().max_ctx : -1;
}
int32_t edgemma_model_d_model(const edgemma_model* m) {
  return m ? m->model->text().d_model : -1;
}
const char* edgemma_model_kernel_name(const edgemma_model* m) {
  return m ? edgemma::KernelsName(m->model->kernels()) : nullptr;
}
int32_t edgemma_model_bos(const edgemma_model* m) {
  return m ? m->model->text().bos_id : -1;
}
int32_t edgemma_model_n_eos(const edgemma_model* m) {
  return m ? static_cast<int32_t>(m->model->config().eos_ids.size()) : -1;
}
int32_t edgemma_model_eos(const edgemma_model* m, int32_t i) {
  if (m == nullptr || i < 0 || i >= edgemma_model_n_eos(m)) return -1;
  return m->model->config().eos_ids[static_cast<size_t>(i)];
}
int32_t edgemma_model_has_tokenizer(const edgemma_model* m) {
  return m != nullptr && m->tokenizer != nullptr ? 1 : 0;
}

edgemma_status edgemma_tokenize(const edgemma_model* model, const char* text,
                                int32_t parse_special, int32_t* ids,
                                int32_t capacity, int32_t* n_ids) {
  return Guard("edgemma_tokenize", [&]() -> edgemma_status {
    if (model == nullptr) return NullArg("edgemma_tokenize", "model");
    if (text == nullptr) return NullArg("edgemma_tokenize", "text");
    if (n_ids == nullptr) return NullArg("edgemma_tokenize", "n_ids");
    edgemma_status err = EDGEMMA_OK;
    const edgemma::Tokenizer* tok =
        edgemma::capi::NeedTokenizer(model, "edgemma_tokenize", &err);
    if (tok == nullptr) return err;
    std::vector<int32_t> out = tok->Encode(text, parse_special != 0);
    *n_ids = static_cast<int32_t>(out.size());
    if (ids == nullptr && capacity == 0) return EDGEMMA_OK;
    if (ids == nullptr) return NullArg("edgemma_tokenize", "ids");
    if (capacity < *n_ids) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_tokenize: room for " + std::to_string(capacity) +
                          " ids, " + std::to_string(*n_ids) + " needed");
    }
    std::copy(out.begin(), out.end(), ids);
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_detokenize(const edgemma_model* model,
                                  const int32_t* ids, int32_t n_ids,
                                  int32_t skip_special, char* text,
                                  size_t capacity, size_t* length) {
  return Guard("edgemma_detokenize", [&]() -> edgemma_status {
    if (model == nullptr) return NullArg("edgemma_detokenize", "model");
    if (ids == nullptr && n_ids > 0)
      return NullArg("edgemma_detokenize", "ids");
    if (n_ids < 0) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_detokenize: n_ids is negative");
    }
    edgemma_status err = EDGEMMA_OK;
    const edgemma::Tokenizer* tok =
        edgemma::capi::NeedTokenizer(model, "edgemma_detokenize", &err);
    if (tok == nullptr) return err;
    std::vector<int32_t> v(ids, ids + n_ids);
    auto s = tok->Decode(v, skip_special != 0);
    if (!s.ok()) return FromStatus(s.status());
    return edgemma::capi::CopyOut("edgemma_detokenize", s.value(), text,
                                  capacity, length);
  });
}

edgemma_status edgemma_chat_prompt(const edgemma_model* model,
                                   const edgemma_message* messages,
                                   int32_t n_messages,
                                   int32_t add_generation_prompt,
                                   int32_t enable_thinking, char* prompt,
                                   size_t capacity, size_t* length) {
  static const char* kFn = "edgemma_chat_prompt";
  return Guard(kFn, [&]() -> edgemma_status {
    if (model == nullptr) return NullArg(kFn, "model");
    if (messages == nullptr && n_messages > 0) return NullArg(kFn, "messages");
    if (n_messages < 0)
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_chat_prompt: n_messages is negative");
    nlohmann::json req;
    req["messages"] = nlohmann::json::array();
    for (int32_t i = 0; i < n_messages; ++i) {
      const edgemma_message& msg = messages[i];
      if (msg.role == nullptr || msg.content == nullptr) {
        return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                        std::string(kFn) + ": message " + std::to_string(i) +
                            " has a NULL role or content");
      }
      const std::string role =
          std::strcmp(msg.role, "model") == 0 ? "assistant" : msg.role;
      req["messages"].push_back({{"role", role}, {"content", msg.content}});
    }
    req["add_generation_prompt"] = add_generation_prompt != 0;
    req["enable_thinking"] = enable_thinking != 0;
    // Replace invalid UTF-8 instead of throwing: the template is
    // byte-transparent anyway.
    const std::string text =
        req.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return edgemma::capi::Render(model, text, prompt, capacity, length, kFn);
  });
}

edgemma_status edgemma_chat_prompt_json(const edgemma_model* model,
                                        const char* request_json, char* prompt,
                                        size_t capacity, size_t* length) {
  static const char* kFn = "edgemma_chat_prompt_json";
  return Guard(kFn, [&]() -> edgemma_status {
    if (model == nullptr) return NullArg(kFn, "model");
    if (request_json == nullptr) return NullArg(kFn, "request_json");
    return edgemma::capi::Render(model, request_json, prompt, capacity, length,
                                 kFn);
  });
}

}  // extern "C"
