// C API: the audio encoder (include/edgemma.h, audio section) over
// core/audio/audio_pcm.h.
#include <memory>
#include <string>
#include <vector>

#include "core/audio/audio_pcm.h"
#include "core/capi/capi_internal.h"

struct edgemma_audio_encoder {
  const edgemma_model* model = nullptr;
  std::unique_ptr<edgemma::TowerWeights> tower;
  std::unique_ptr<edgemma::AudioEncoder> encoder;
  std::unique_ptr<edgemma::AudioPcmStream> stream;
};

namespace {

using edgemma::Status;
using edgemma::capi::FromStatus;
using edgemma::capi::Guard;
using edgemma::capi::NullArg;
using edgemma::capi::SetError;

// Adapts the C callback to the core sink; a 0 return becomes kCancelled.
struct CSink {
  edgemma_soft_token_callback fn;
  void* user;
  int32_t d;
  static Status Call(void* self, const float* tokens, int n, int64_t first) {
    CSink* s = static_cast<CSink*>(self);
    if (s->fn == nullptr) return Status::Ok();
    if (s->fn(tokens, n, s->d, static_cast<int32_t>(first), s->user) == 0)
      return edgemma::Cancelled(
          "audio: the soft-token callback stopped the encoder");
    return Status::Ok();
  }
};

// Feeds each piece of soft tokens into the session.
struct SessionSink {
  edgemma_session* session;
  int32_t d;
  static Status Call(void* self, const float* tokens, int n, int64_t) {
    SessionSink* s = static_cast<SessionSink*>(self);
    return s->session->gen->FeedEmbeddings(tokens, n);
  }
};

// The tower of a model bound for encoding, and the stream settings of
// `p`: what edgemma_audio_encoder_required_bytes and _create share.
struct Bound {
  std::unique_ptr<edgemma::TowerWeights> tower;
  std::unique_ptr<edgemma::AudioEncoder> encoder;
  edgemma::LogMelParams mel;
  edgemma::AudioStreamOptions opt;
};

edgemma_status Bind(const char* fn, const edgemma_model* model,
                    const edgemma_audio_params& p, Bound* b) {
  if (p.n_threads < 1 || p.max_block < 1 || p.min_block < 1 ||
      p.min_block > p.max_block)
    return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                    std::string(fn) +
                        ": n_threads, max_block must be >= 1 and min_block "
                        "in [1, max_block]");
  if (p.act_type != EDGEMMA_ACT_Q8 && p.act_type != EDGEMMA_ACT_F32)
    return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                    std::string(fn) + ": unknown act_type");
  if (p.tower_path == nullptr && !model->model->config().audio.present) {
    return SetError(
        EDGEMMA_ERR_NOT_FOUND,
        std::string(fn) + ": " + model->path +
            ": the model has no audio tower (audio_config is null)");
  }
  std::string tower_path;
  if (p.tower_path != nullptr) {
    tower_path = p.tower_path;
  } else {
    auto found = edgemma::AudioTowerPathFor(model->path);
    if (!found.ok()) return FromStatus(found.status());
    tower_path = found.value();
  }
  auto mel = edgemma::AudioFrontEndFor(model->path);
  if (!mel.ok()) return FromStatus(mel.status());
  b->mel = std::move(mel).value();
  auto tower = edgemma::TowerWeights::Open(tower_path);
  if (!tower.ok()) return FromStatus(tower.status());
  b->tower = std::move(tower).value();
  auto enc = edgemma::AudioEncoder::Create(*b->tower, &model->model->kernels());
  if (!enc.ok()) return FromStatus(enc.status());
  b->encoder = std::move(enc).value();
  if (b->encoder->text_d() != model->model->text().d_model) {
    return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                    std::string(fn) + ": the audio tower projects to " +
                        std::to_string(b->encoder->text_d()) +
                        " but the model's d_model is " +
                        std::to_string(model->model->text().d_model));
  }
  b->opt.n_threads = p.n_threads;
  b->opt.max_block = p.max_block;
  b->opt.min_block = p.min_block;
  b->opt.act_type = p.act_type == EDGEMMA_ACT_Q8 ? edgemma::ActType::kQ8_0
                                                 : edgemma::ActType::kF32;
  return EDGEMMA_OK;
}

}  // namespace

extern "C" {

edgemma_audio_params edgemma_audio_default_params(void) {
  edgemma_audio_params p;
  p.n_threads = 1;
  p.max_block = 64;
  p.min_block = 8;
  p.act_type = EDGEMMA_ACT_Q8;
  p.tower_path = nullptr;
  p.buffer = nullptr;
  p.buffer_size = 0;
  return p;
}

edgemma_status edgemma_audio_encoder_required_bytes(
    const edgemma_model* model, const edgemma_audio_params* params,
    size_t* bytes) {
  static const char* kFn = "edgemma_audio_encoder_required_bytes";
  return Guard(kFn, [&]() -> edgemma_status {
    if (model == nullptr) return NullArg(kFn, "model");
    if (params == nullptr) return NullArg(kFn, "params");
    if (bytes == nullptr) return NullArg(kFn, "bytes");
    Bound b;
    edgemma_status st = Bind(kFn, model, *params, &b);
    if (st != EDGEMMA_OK) return st;
    auto n = edgemma::AudioPcmStream::RequiredBytes(*b.encoder, b.mel, b.opt);
    if (!n.ok()) return FromStatus(n.status());
    *bytes = n.value();
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_audio_encoder_create(const edgemma_model* model,
                                            const edgemma_audio_params* params,
                                            edgemma_audio_encoder** out) {
  static const char* kFn = "edgemma_audio_encoder_create";
  return Guard(kFn, [&]() -> edgemma_status {
    if (out == nullptr) return NullArg(kFn, "out");
    *out = nullptr;
    if (model == nullptr) return NullArg(kFn, "model");
    const edgemma_audio_params p =
        params ? *params : edgemma_audio_default_params();
    if (p.buffer == nullptr && p.buffer_size != 0)
      return NullArg(kFn, "buffer");
    Bound b;
    edgemma_status st = Bind(kFn, model, p, &b);
    if (st != EDGEMMA_OK) return st;
    auto e = std::make_unique<edgemma_audio_encoder>();
    e->model = model;
    e->tower = std::move(b.tower);
    e->encoder = std::move(b.encoder);
    auto stream = edgemma::AudioPcmStream::Create(*e->encoder, b.mel, b.opt,
                                                  p.buffer, p.buffer_size);
    if (!stream.ok()) return FromStatus(stream.status());
    e->stream = std::move(stream).value();
    *out = e.release();
    return EDGEMMA_OK;
  });
}

void edgemma_audio_encoder_free(edgemma_audio_encoder* encoder) {
  delete encoder;
}

int32_t edgemma_audio_sample_rate(const edgemma_audio_encoder* e) {
  return e ? e->stream->sample_rate() : -1;
}

int32_t edgemma_audio_n_tokens(const edgemma_audio_encoder* e,
                               int64_t n_samples) {
  if (e == nullptr) return -1;
  return static_cast<int32_t>(
      e->stream->TokensForSamples(n_samples < 0 ? 0 : n_samples));
}

edgemma_status edgemma_model_audio_ids(const edgemma_model* model,
                                       int32_t* begin, int32_t* placeholder,
                                       int32_t* end) {
  static const char* kFn = "edgemma_model_audio_ids";
  return Guard(kFn, [&]() -> edgemma_status {
    if (model == nullptr) return NullArg(kFn, "model");
    const edgemma::Gemma4Config& c = model->model->config();
    if (begin) *begin = c.boa_token_id;
    if (placeholder) *placeholder = c.audio_token_id;
    if (end) *end = c.eoa_token_id;
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_audio_reset(edgemma_audio_encoder* e) {
  if (e == nullptr) return NullArg("edgemma_audio_reset", "encoder");
  e->stream->Reset();
  return EDGEMMA_OK;
}

edgemma_status edgemma_audio_feed(edgemma_audio_encoder* e, const float* pcm,
                                  int64_t n,
                                  edgemma_soft_token_callback on_tokens,
                                  void* user_data) {
  static const char* kFn = "edgemma_audio_feed";
  return Guard(kFn, [&]() -> edgemma_status {
    if (e == nullptr) return NullArg(kFn, "encoder");
    if (pcm == nullptr && n > 0) return NullArg(kFn, "pcm");
    CSink sink{on_tokens, user_data,
               static_cast<int32_t>(e->encoder->text_d())};
    return FromStatus(e->stream->Feed(pcm, n, CSink::Call, &sink));
  });
}

edgemma_status edgemma_audio_finish(edgemma_audio_encoder* e,
                                    edgemma_soft_token_callback on_tokens,
                                    void* user_data) {
  static const char* kFn = "edgemma_audio_finish";
  return Guard(kFn, [&]() -> edgemma_status {
    if (e == nullptr) return NullArg(kFn, "encoder");
    CSink sink{on_tokens, user_data,
               static_cast<int32_t>(e->encoder->text_d())};
    return FromStatus(e->stream->Finish(CSink::Call, &sink));
  });
}

edgemma_status edgemma_audio_encode(edgemma_audio_encoder* e, const float* pcm,
                                    int64_t n, float* tokens, int32_t capacity,
                                    int32_t* n_tokens) {
  static const char* kFn = "edgemma_audio_encode";
  return Guard(kFn, [&]() -> edgemma_status {
    if (e == nullptr) return NullArg(kFn, "encoder");
    if (n_tokens == nullptr) return NullArg(kFn, "n_tokens");
    if (pcm == nullptr && n > 0) return NullArg(kFn, "pcm");
    if (n < 0)
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      std::string(kFn) + ": n < 0");
    const int64_t want = e->stream->TokensForSamples(n);
    *n_tokens = static_cast<int32_t>(want);
    if (tokens == nullptr && capacity == 0) return EDGEMMA_OK;
    if (tokens == nullptr) return NullArg(kFn, "tokens");
    if (capacity < want) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      std::string(kFn) + ": capacity " +
                          std::to_string(capacity) + " < " +
                          std::to_string(want) + " soft tokens");
    }
    int64_t got = 0;
    return FromStatus(e->stream->Encode(pcm, n, tokens, capacity, &got));
  });
}

edgemma_status edgemma_eval_audio(edgemma_session* session,
                                  edgemma_audio_encoder* e, const float* pcm,
                                  int64_t n, int32_t* n_tokens) {
  static const char* kFn = "edgemma_eval_audio";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (e == nullptr) return NullArg(kFn, "encoder");
    if (pcm == nullptr && n > 0) return NullArg(kFn, "pcm");
    if (e->model->model.get() != session->model->model.get()) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      std::string(kFn) +
                          ": the encoder and the session use different models");
    }
    const edgemma::Gemma4Config& c = session->model->model->config();
    if (c.boa_token_id < 0 || c.eoa_token_id < 0)
      return SetError(EDGEMMA_ERR_UNSUPPORTED,
                      std::string(kFn) + ": no <|audio>/<audio|> ids");
    const int64_t want = e->stream->TokensForSamples(n);
    if (session->session->position() + want + 2 > session->session->ctx()) {
      return SetError(EDGEMMA_ERR_CONTEXT_FULL,
                      std::string(kFn) + ": " + std::to_string(want + 2) +
                          " audio positions do not fit the session's context");
    }
    const int32_t boa = c.boa_token_id, eoa = c.eoa_token_id;
    edgemma_status st = FromStatus(session->gen->Append(&boa, 1));
    if (st != EDGEMMA_OK) return st;
    SessionSink sink{session, static_cast<int32_t>(e->encoder->text_d())};
    e->stream->Reset();
    st = FromStatus(e->stream->Feed(pcm, n, SessionSink::Call, &sink));
    if (st == EDGEMMA_OK)
      st = FromStatus(e->stream->Finish(SessionSink::Call, &sink));
    if (st != EDGEMMA_OK) return st;
    if (n_tokens)
      *n_tokens =
          static_cast<int32_t>(e->stream->encoder_stream().tokens_emitted());
    return FromStatus(session->gen->Append(&eoa, 1));
  });
}

}  // extern "C"
