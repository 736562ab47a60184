// C API: sessions, generation and the low-level eval calls.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "core/capi/capi_internal.h"
#include "core/text/sampler.h"

namespace edgemma::capi {
namespace {

// Default context when n_ctx <= 0: the model's maximum, capped to keep memory
// modest.
constexpr int kDefaultCtx = 4096;

Result<SessionOptions> ToOptions(const edgemma_model* m,
                                 const edgemma_session_params& p) {
  SessionOptions o;
  const int max_ctx = m->model->text().max_ctx;
  o.ctx = p.n_ctx > 0 ? p.n_ctx : std::min(kDefaultCtx, max_ctx);
  if (o.ctx > max_ctx) {
    return InvalidArgument("session: n_ctx " + std::to_string(p.n_ctx) +
                           " exceeds the model's context of " +
                           std::to_string(max_ctx));
  }
  if (p.n_batch < 0) {
    return InvalidArgument("session: n_batch must be >= 1 (or 0: auto)");
  }
  if (p.n_threads < 1)
    return InvalidArgument("session: n_threads must be >= 1");
  if (p.n_rewind < 0) return InvalidArgument("session: n_rewind must be >= 0");
  if (p.kv_type != EDGEMMA_KV_F32 && p.kv_type != EDGEMMA_KV_F16) {
    return InvalidArgument("session: unknown kv_type " +
                           std::to_string(p.kv_type));
  }
  o.max_batch = p.n_batch;
  o.n_threads = p.n_threads;
  o.rewind_slack = p.n_rewind;
  o.kv_type = p.kv_type == EDGEMMA_KV_F16 ? KvType::kF16 : KvType::kF32;
  if (p.act_type != EDGEMMA_ACT_Q8 && p.act_type != EDGEMMA_ACT_F32) {
    return InvalidArgument("session: unknown act_type " +
                           std::to_string(p.act_type));
  }
  o.act_type = p.act_type == EDGEMMA_ACT_F32 ? ActType::kF32 : ActType::kQ8_0;
  return o;
}

SamplingParams ToSampling(const edgemma_sampling_params& s) {
  SamplingParams p;
  p.temperature = s.temperature;
  p.top_k = s.top_k;
  p.top_p = s.top_p;
  p.min_p = s.min_p;
  p.seed = s.seed;
  return p;
}

// Bridges the C callbacks to the Generator's. piece is a view of a std::string,
// so its data is NUL-terminated as the header promises.
struct CallbackBridge {
  const edgemma_generate_params* p;
  static bool OnToken(void* user, int32_t token, std::string_view piece) {
    const auto* self = static_cast<CallbackBridge*>(user);
    return self->p->on_token(token, piece.data(), piece.size(),
                             self->p->user_data) != 0;
  }
  static bool ShouldAbort(void* user) {
    const auto* self = static_cast<CallbackBridge*>(user);
    return self->p->should_abort(self->p->user_data) != 0;
  }
};

void ToStats(const GenerateStats& s, edgemma_generate_stats* out) {
  if (out == nullptr) return;
  out->prompt_tokens = s.prompt_tokens;
  out->reused_tokens = s.reused_tokens;
  out->prompt_ms = s.prompt_ms;
  out->generated_tokens = s.generated_tokens;
  out->decode_ms = s.decode_ms;
  out->stop_reason = static_cast<edgemma_stop_reason>(s.stop);
  out->stop_token = s.stop_token;
}

}  // namespace

edgemma_status RunGenerate(edgemma_session* session,
                           const edgemma_generate_params* params,
                           edgemma_generate_stats* stats) {
  CallbackBridge bridge{params};
  GenerateOptions opt;
  opt.max_tokens = params->max_tokens;
  opt.sampling = ToSampling(params->sampling);
  opt.stream_special = params->stream_special != 0;
  opt.on_token = params->on_token ? &CallbackBridge::OnToken : nullptr;
  opt.should_abort =
      params->should_abort ? &CallbackBridge::ShouldAbort : nullptr;
  opt.user = &bridge;
  GenerateStats st;
  Status s = session->gen->Generate(session->prompt_ids, opt, &st);
  ToStats(st, stats);
  return FromStatus(s);
}

edgemma_status CopyLogits(edgemma_session* s, float* logits) {
  if (logits == nullptr) return EDGEMMA_OK;
  const float* src = s->session->logits();
  if (src == nullptr)
    return SetError(EDGEMMA_ERR_INTERNAL, "session: no logits after eval");
  std::memcpy(
      logits, src,
      sizeof(float) * static_cast<size_t>(s->model->model->text().vocab));
  return EDGEMMA_OK;
}

}  // namespace edgemma::capi

using edgemma::capi::FromStatus;
using edgemma::capi::Guard;
using edgemma::capi::NullArg;
using edgemma::capi::SetError;

extern "C" {

edgemma_session_params edgemma_session_default_params(void) {
  edgemma_session_params p;
  p.n_ctx = 0;    // the model's maximum, capped at 4096
  p.n_batch = 0;  // the kernels' prefill chunk
  p.n_threads = 1;
  p.n_rewind = 0;
  p.kv_type = EDGEMMA_KV_F32;
  p.buffer = nullptr;
  p.buffer_size = 0;
  p.act_type = EDGEMMA_ACT_Q8;
  return p;
}

edgemma_status edgemma_session_required_bytes(
    const edgemma_model* model, const edgemma_session_params* params,
    size_t* bytes) {
  static const char* kFn = "edgemma_session_required_bytes";
  return Guard(kFn, [&]() -> edgemma_status {
    if (model == nullptr) return NullArg(kFn, "model");
    if (params == nullptr) return NullArg(kFn, "params");
    if (bytes == nullptr) return NullArg(kFn, "bytes");
    auto opt = edgemma::capi::ToOptions(model, *params);
    if (!opt.ok()) return FromStatus(opt.status());
    auto n = edgemma::Session::RequiredBytes(*model->model, opt.value());
    if (!n.ok()) return FromStatus(n.status());
    *bytes = n.value();
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_session_create(const edgemma_model* model,
                                      const edgemma_session_params* params,
                                      edgemma_session** out) {
  static const char* kFn = "edgemma_session_create";
  return Guard(kFn, [&]() -> edgemma_status {
    if (out == nullptr) return NullArg(kFn, "out");
    *out = nullptr;
    if (model == nullptr) return NullArg(kFn, "model");
    if (params == nullptr) return NullArg(kFn, "params");
    if (params->buffer == nullptr && params->buffer_size != 0)
      return NullArg(kFn, "buffer");
    auto opt = edgemma::capi::ToOptions(model, *params);
    if (!opt.ok()) return FromStatus(opt.status());
    auto created = edgemma::Session::Create(
        *model->model, opt.value(), params->buffer, params->buffer_size);
    if (!created.ok()) return FromStatus(created.status());
    auto s = std::make_unique<edgemma_session>();
    s->model = model;
    s->session = std::move(created).value();
    s->gen = std::make_unique<edgemma::Generator>(*model->model, *s->session,
                                                  model->tokenizer.get());
    s->prompt_ids.reserve(static_cast<size_t>(opt.value().ctx));
    *out = s.release();
    return EDGEMMA_OK;
  });
}

void edgemma_session_free(edgemma_session* session) { delete session; }

int32_t edgemma_session_pos(const edgemma_session* session) {
  return session ? static_cast<int32_t>(session->session->position()) : -1;
}

edgemma_status edgemma_session_rewind(edgemma_session* session, int32_t pos) {
  return Guard("edgemma_session_rewind", [&]() -> edgemma_status {
    if (session == nullptr) return NullArg("edgemma_session_rewind", "session");
    if (pos < 0) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_session_rewind: pos is negative");
    }
    return FromStatus(session->gen->Rewind(pos));
  });
}

edgemma_sampling_params edgemma_sampling_default_params(
    const edgemma_model* model) {
  const edgemma::SamplingParams p =
      model ? edgemma::DefaultSamplingParams(model->model->config())
            : edgemma::SamplingParams{};
  edgemma_sampling_params s;
  s.temperature = p.temperature;
  s.top_k = p.top_k;
  s.top_p = p.top_p;
  s.min_p = p.min_p;
  s.seed = p.seed;
  return s;
}

edgemma_generate_params edgemma_generate_default_params(
    const edgemma_model* model) {
  edgemma_generate_params p;
  p.max_tokens = 256;
  p.sampling = edgemma_sampling_default_params(model);
  p.stream_special = 0;
  p.on_token = nullptr;
  p.should_abort = nullptr;
  p.user_data = nullptr;
  return p;
}

edgemma_status edgemma_generate(edgemma_session* session, const char* prompt,
                                const edgemma_generate_params* params,
                                edgemma_generate_stats* stats) {
  static const char* kFn = "edgemma_generate";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (prompt == nullptr) return NullArg(kFn, "prompt");
    if (params == nullptr) return NullArg(kFn, "params");
    const edgemma::Tokenizer* tok = session->model->tokenizer.get();
    if (tok == nullptr) {
      return SetError(EDGEMMA_ERR_UNSUPPORTED,
                      "edgemma_generate: the model has no tokenizer (use "
                      "edgemma_generate_tokens or give "
                      "edgemma_model_params.tokenizer_path)");
    }
    session->prompt_ids.clear();
    tok->Encode(prompt, /*parse_special=*/true, &session->prompt_ids);
    return edgemma::capi::RunGenerate(session, params, stats);
  });
}

edgemma_status edgemma_generate_tokens(edgemma_session* session,
                                       const int32_t* prompt_ids, int32_t n_ids,
                                       const edgemma_generate_params* params,
                                       edgemma_generate_stats* stats) {
  static const char* kFn = "edgemma_generate_tokens";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (prompt_ids == nullptr) return NullArg(kFn, "prompt_ids");
    if (params == nullptr) return NullArg(kFn, "params");
    if (n_ids < 1)
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_generate_tokens: n_ids must be >= 1");
    session->prompt_ids.assign(prompt_ids, prompt_ids + n_ids);
    return edgemma::capi::RunGenerate(session, params, stats);
  });
}

edgemma_status edgemma_eval_tokens(edgemma_session* session, const int32_t* ids,
                                   int32_t n, float* logits) {
  static const char* kFn = "edgemma_eval_tokens";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (ids == nullptr) return NullArg(kFn, "ids");
    if (n < 1)
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_eval_tokens: n must be >= 1");
    edgemma_status st = FromStatus(session->gen->Append(ids, n));
    if (st != EDGEMMA_OK) return st;
    return edgemma::capi::CopyLogits(session, logits);
  });
}

edgemma_status edgemma_eval_embeddings(edgemma_session* session,
                                       const float* embeddings, int32_t n,
                                       int32_t d_model, float* logits) {
  static const char* kFn = "edgemma_eval_embeddings";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (embeddings == nullptr) return NullArg(kFn, "embeddings");
    if (n < 1)
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_eval_embeddings: n must be >= 1");
    const int32_t want = session->model->model->text().d_model;
    if (d_model != want) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      "edgemma_eval_embeddings: d_model " +
                          std::to_string(d_model) + " but the model's is " +
                          std::to_string(want));
    }
    edgemma_status st = FromStatus(session->gen->FeedEmbeddings(embeddings, n));
    if (st != EDGEMMA_OK) return st;
    return edgemma::capi::CopyLogits(session, logits);
  });
}

}  // extern "C"
