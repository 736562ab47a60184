// The vision and media-prompt part of the C API (include/edgemma.h): an
// ImageEncoder over the model's tower, image blocks fed into a session, media
// placeholder expansion, and generation with soft tokens.
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/capi/capi_internal.h"
#include "core/io/mmproj.h"
#include "core/text/media_prompt.h"
#include "core/vision/image_encoder.h"

struct edgemma_vision {
  const edgemma_model* model = nullptr;
  std::unique_ptr<edgemma::TowerWeights> towers;
  std::unique_ptr<edgemma::ImageEncoder> encoder;
  std::vector<float> tokens;  // [max_soft_tokens, d_model], for eval_image
};

namespace edgemma::capi {
namespace {

// Where the towers of a model are (a given path wins).
Result<std::string> TowerPath(const edgemma_model& m, const char* given) {
  if (given != nullptr) return std::string(given);
  return TowerPathFor(m.path, "vision");
}

// Feeds ids [start, end) (none when empty).
Status AppendIds(Generator& g, const std::vector<int32_t>& ids, size_t start,
                 size_t end) {
  if (end <= start) return Status::Ok();
  return g.Append(ids.data() + start, static_cast<int>(end - start));
}

// Prefills every prompt id but the last, soft-token runs from `soft`; the
// generator's history then matches the whole prompt (a fed soft token matches
// its placeholder id), so Generate() feeds only the last id. KV reuse stops at
// the first soft token: an earlier turn's soft tokens may come from another
// image. Returns the reused positions.
Result<int> PrefillMultimodal(edgemma_session* s, const float* soft,
                              int32_t n_soft) {
  const std::vector<int32_t>& ids = s->prompt_ids;
  const Gemma4Config& cfg = s->model->model->config();
  const int n = static_cast<int>(ids.size());
  const std::vector<SoftTokenRun> runs = SoftTokenRuns(cfg, ids.data(), n);
  int64_t total = 0;
  for (const SoftTokenRun& r : runs) total += r.length;
  if (total != n_soft) {
    return InvalidArgument("the prompt has " + std::to_string(total) +
                           " soft-token positions but " +
                           std::to_string(n_soft) + " soft tokens were given");
  }
  if (!runs.empty() && runs.back().start + runs.back().length >= n)
    return InvalidArgument("the prompt must end with text after its media");
  Generator& g = *s->gen;
  const size_t first = runs.empty() ? ids.size() - 1 : runs[0].start;
  const std::vector<int32_t>& hist = g.history();
  size_t common = 0;
  while (common < first && common < hist.size() && hist[common] == ids[common])
    ++common;
  if (common < hist.size() && !g.Rewind(static_cast<int64_t>(common)).ok()) {
    g.Reset();
    common = 0;
  }
  const int64_t D = s->model->model->text().d_model;
  size_t p = common;
  int64_t row = 0;
  for (const SoftTokenRun& r : runs) {
    EM_RETURN_IF_ERROR(AppendIds(g, ids, p, r.start));
    EM_RETURN_IF_ERROR(g.FeedEmbeddings(soft + row * D, r.length));
    row += r.length;
    p = static_cast<size_t>(r.start + r.length);
  }
  if (!runs.empty()) EM_RETURN_IF_ERROR(AppendIds(g, ids, p, ids.size() - 1));
  return static_cast<int>(common);
}

edgemma_status GenerateMultimodal(const char* fn, edgemma_session* session,
                                  const float* soft, int32_t n_soft,
                                  const edgemma_generate_params* params,
                                  edgemma_generate_stats* stats) {
  if (n_soft < 0 || (n_soft > 0 && soft == nullptr)) {
    return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                    std::string(fn) + ": soft_tokens is NULL or n_soft < 0");
  }
  if (session->prompt_ids.empty()) {
    return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                    std::string(fn) + ": the prompt has no tokens");
  }
  const auto t0 = std::chrono::steady_clock::now();
  Result<int> reused = PrefillMultimodal(session, soft, n_soft);
  if (!reused.ok()) {
    return SetError(static_cast<edgemma_status>(reused.status().code()),
                    std::string(fn) + ": " + reused.status().message());
  }
  const double media_ms = std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - t0)
                              .count();
  const edgemma_status st = RunGenerate(session, params, stats);
  if (stats != nullptr) {
    stats->reused_tokens = reused.value();
    stats->prompt_ms += media_ms;
  }
  return st;
}

}  // namespace
}  // namespace edgemma::capi

using edgemma::capi::FromStatus;
using edgemma::capi::Guard;
using edgemma::capi::NullArg;
using edgemma::capi::SetError;

extern "C" {

edgemma_vision_params edgemma_vision_default_params(void) {
  edgemma_vision_params p;
  p.max_budget = 280;
  p.max_image_side = 8192;
  p.n_threads = 1;
  p.act_type = EDGEMMA_ACT_Q8;
  return p;
}

edgemma_status edgemma_vision_load(const edgemma_model* model,
                                   const char* tower_path,
                                   const edgemma_vision_params* params,
                                   edgemma_vision** out) {
  static const char* kFn = "edgemma_vision_load";
  return Guard(kFn, [&]() -> edgemma_status {
    if (out == nullptr) return NullArg(kFn, "out");
    *out = nullptr;
    if (model == nullptr) return NullArg(kFn, "model");
    const edgemma_vision_params p =
        params ? *params : edgemma_vision_default_params();
    auto path = edgemma::capi::TowerPath(*model, tower_path);
    if (!path.ok()) return FromStatus(path.status());
    auto v = std::make_unique<edgemma_vision>();
    v->model = model;
    auto towers = edgemma::TowerWeights::Open(path.value());
    if (!towers.ok()) return FromStatus(towers.status());
    v->towers = std::move(towers).value();
    if (!v->towers->dims().vision.present) {
      return SetError(EDGEMMA_ERR_NOT_FOUND,
                      std::string(kFn) + ": " + path.value() +
                          ": the model has no vision tower");
    }
    const int d_model = model->model->text().d_model;
    if (v->towers->dims().text_d != d_model) {
      return SetError(
          EDGEMMA_ERR_INVALID_ARGUMENT,
          std::string(kFn) + ": " + path.value() + ": the tower projects to " +
              std::to_string(v->towers->dims().text_d) +
              " but the model's d_model is " + std::to_string(d_model));
    }
    edgemma::ImageEncoderOptions o;
    o.encoder.max_budget = p.max_budget;
    o.encoder.n_threads = p.n_threads;
    o.encoder.act_type = p.act_type == EDGEMMA_ACT_F32
                             ? edgemma::ActType::kF32
                             : edgemma::ActType::kQ8_0;
    o.max_image_side = p.max_image_side;
    auto enc =
        edgemma::ImageEncoder::Create(*v->towers, o, &model->model->kernels());
    if (!enc.ok()) return FromStatus(enc.status());
    v->encoder = std::move(enc).value();
    v->tokens.resize(static_cast<size_t>(v->encoder->max_soft_tokens()) *
                     d_model);
    *out = v.release();
    return EDGEMMA_OK;
  });
}

void edgemma_vision_free(edgemma_vision* vision) { delete vision; }

edgemma_status edgemma_vision_count_tokens(const edgemma_vision* vision,
                                           int32_t width, int32_t height,
                                           int32_t budget, int32_t* n_tokens) {
  static const char* kFn = "edgemma_vision_count_tokens";
  return Guard(kFn, [&]() -> edgemma_status {
    if (vision == nullptr) return NullArg(kFn, "vision");
    if (n_tokens == nullptr) return NullArg(kFn, "n_tokens");
    auto n = vision->encoder->CountSoftTokens(height, width, budget);
    if (!n.ok()) return FromStatus(n.status());
    *n_tokens = n.value();
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_vision_encode(edgemma_vision* vision, const uint8_t* rgb,
                                     int32_t width, int32_t height,
                                     int32_t budget, float* embeddings,
                                     int32_t capacity, int32_t* n_tokens) {
  static const char* kFn = "edgemma_vision_encode";
  return Guard(kFn, [&]() -> edgemma_status {
    if (vision == nullptr) return NullArg(kFn, "vision");
    if (rgb == nullptr) return NullArg(kFn, "rgb");
    if (embeddings == nullptr) return NullArg(kFn, "embeddings");
    auto n = vision->encoder->Encode(rgb, height, width, budget, embeddings,
                                     capacity);
    if (!n.ok()) return FromStatus(n.status());
    if (n_tokens != nullptr) *n_tokens = n.value();
    return EDGEMMA_OK;
  });
}

edgemma_status edgemma_eval_image(edgemma_session* session,
                                  edgemma_vision* vision, const uint8_t* rgb,
                                  int32_t width, int32_t height, int32_t budget,
                                  float* logits) {
  static const char* kFn = "edgemma_eval_image";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (vision == nullptr) return NullArg(kFn, "vision");
    if (rgb == nullptr) return NullArg(kFn, "rgb");
    if (vision->model != session->model) {
      return SetError(
          EDGEMMA_ERR_INVALID_ARGUMENT,
          std::string(kFn) + ": the vision tower belongs to another model");
    }
    const edgemma::Gemma4Config& cfg = session->model->model->config();
    if (cfg.boi_token_id < 0 || cfg.eoi_token_id < 0) {
      return SetError(EDGEMMA_ERR_UNSUPPORTED,
                      std::string(kFn) + ": the config has no image ids");
    }
    auto n = vision->encoder->Encode(
        rgb, height, width, budget, vision->tokens.data(),
        static_cast<int64_t>(vision->encoder->max_soft_tokens()));
    if (!n.ok()) return FromStatus(n.status());
    edgemma::Generator& g = *session->gen;
    const int32_t boi = cfg.boi_token_id, eoi = cfg.eoi_token_id;
    edgemma_status st = FromStatus(g.Append(&boi, 1));
    if (st == EDGEMMA_OK)
      st = FromStatus(g.FeedEmbeddings(vision->tokens.data(), n.value()));
    if (st == EDGEMMA_OK) st = FromStatus(g.Append(&eoi, 1));
    if (st != EDGEMMA_OK) return st;
    return edgemma::capi::CopyLogits(session, logits);
  });
}

edgemma_status edgemma_expand_media_prompt(const edgemma_model* model,
                                           const char* prompt,
                                           const edgemma_media_item* items,
                                           int32_t n_items, char* out,
                                           size_t capacity, size_t* length) {
  static const char* kFn = "edgemma_expand_media_prompt";
  return Guard(kFn, [&]() -> edgemma_status {
    if (model == nullptr) return NullArg(kFn, "model");
    if (prompt == nullptr) return NullArg(kFn, "prompt");
    if (n_items > 0 && items == nullptr) return NullArg(kFn, "items");
    if (model->tokenizer == nullptr) {
      return SetError(EDGEMMA_ERR_UNSUPPORTED,
                      std::string(kFn) + ": the model has no tokenizer");
    }
    auto text =
        edgemma::MediaTokenTextFor(model->model->config(), *model->tokenizer);
    if (!text.ok()) return FromStatus(text.status());
    std::vector<edgemma::MediaItem> v;
    for (int32_t i = 0; i < n_items; ++i) {
      edgemma::MediaItem m;
      m.n_tokens = items[i].n_tokens;
      switch (items[i].kind) {
        case EDGEMMA_MEDIA_IMAGE:
          m.kind = edgemma::MediaKind::kImage;
          break;
        case EDGEMMA_MEDIA_AUDIO:
          m.kind = edgemma::MediaKind::kAudio;
          break;
        case EDGEMMA_MEDIA_VIDEO:
          m.kind = edgemma::MediaKind::kVideo;
          if (!(items[i].fps > 0) || items[i].n_frames < 0) {
            return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                            std::string(kFn) + ": video item " +
                                std::to_string(i) +
                                " needs fps > 0 and n_frames >= 0");
          }
          for (int32_t f = 0; f < items[i].n_frames; ++f)
            m.frame_seconds.push_back(f / static_cast<double>(items[i].fps));
          break;
        default:
          return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                          std::string(kFn) + ": item " + std::to_string(i) +
                              " has an unknown kind");
      }
      v.push_back(std::move(m));
    }
    auto expanded = edgemma::ExpandMediaPrompt(prompt, text.value(), v);
    if (!expanded.ok()) return FromStatus(expanded.status());
    return edgemma::capi::CopyOut(kFn, expanded.value(), out, capacity, length);
  });
}

edgemma_status edgemma_generate_multimodal(
    edgemma_session* session, const char* prompt, const float* soft_tokens,
    int32_t n_soft, const edgemma_generate_params* params,
    edgemma_generate_stats* stats) {
  static const char* kFn = "edgemma_generate_multimodal";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (prompt == nullptr) return NullArg(kFn, "prompt");
    if (params == nullptr) return NullArg(kFn, "params");
    const edgemma::Tokenizer* tok = session->model->tokenizer.get();
    if (tok == nullptr) {
      return SetError(EDGEMMA_ERR_UNSUPPORTED,
                      std::string(kFn) +
                          ": the model has no tokenizer (use "
                          "edgemma_generate_multimodal_tokens)");
    }
    session->prompt_ids.clear();
    tok->Encode(prompt, /*parse_special=*/true, &session->prompt_ids);
    return edgemma::capi::GenerateMultimodal(kFn, session, soft_tokens, n_soft,
                                             params, stats);
  });
}

edgemma_status edgemma_generate_multimodal_tokens(
    edgemma_session* session, const int32_t* prompt_ids, int32_t n_ids,
    const float* soft_tokens, int32_t n_soft,
    const edgemma_generate_params* params, edgemma_generate_stats* stats) {
  static const char* kFn = "edgemma_generate_multimodal_tokens";
  return Guard(kFn, [&]() -> edgemma_status {
    if (session == nullptr) return NullArg(kFn, "session");
    if (prompt_ids == nullptr) return NullArg(kFn, "prompt_ids");
    if (params == nullptr) return NullArg(kFn, "params");
    if (n_ids < 1) {
      return SetError(EDGEMMA_ERR_INVALID_ARGUMENT,
                      std::string(kFn) + ": n_ids must be >= 1");
    }
    session->prompt_ids.assign(prompt_ids, prompt_ids + n_ids);
    return edgemma::capi::GenerateMultimodal(kFn, session, soft_tokens, n_soft,
                                             params, stats);
  });
}

}  // extern "C"
