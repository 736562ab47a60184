#include "core/text/generate.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace edgemma {
namespace {

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

bool Aborted(const GenerateOptions* o) {
  return o != nullptr && o->should_abort != nullptr && o->should_abort(o->user);
}

}  // namespace

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kNone:
      return "none";
    case StopReason::kEos:
      return "eos";
    case StopReason::kMaxTokens:
      return "max_tokens";
    case StopReason::kCallback:
      return "callback";
    case StopReason::kAborted:
      return "aborted";
    case StopReason::kContextFull:
      return "context_full";
  }
  return "unknown";
}

Generator::Generator(const Model& model, Session& session,
                     const Tokenizer* tokenizer)
    : model_(model),
      session_(session),
      tokenizer_(tokenizer),
      vocab_(model.text().vocab),
      eos_ids_(model.config().eos_ids),
      sampler_(model.text().vocab, SamplingParams{}) {
  history_.reserve(static_cast<size_t>(session.ctx()));
  // Positions fed before the Generator existed are unknown ids: never reused.
  history_.assign(static_cast<size_t>(session.position()), -1);
  piece_.reserve(256);
}

bool Generator::IsStop(int32_t id) const {
  return std::find(eos_ids_.begin(), eos_ids_.end(), id) != eos_ids_.end();
}

// Brings history_ and the session back in line after a failed call: the session
// position is the truth for what the cache holds.
void Generator::RollBack() {
  const int64_t pos = session_.position();
  if (pos <= static_cast<int64_t>(history_.size())) {
    history_.resize(static_cast<size_t>(pos));
  } else if (!session_.Rewind(static_cast<int64_t>(history_.size())).ok()) {
    Reset();
  }
}

Status Generator::Rewind(int64_t pos) {
  EM_RETURN_IF_ERROR(session_.Rewind(pos));
  history_.resize(static_cast<size_t>(pos));
  return Status::Ok();
}

void Generator::Reset() {
  session_.Reset();
  history_.clear();
}

// Prefills in chunks of max_batch so an abort request is seen between chunks.
Status Generator::Prefill(const int32_t* ids, int n,
                          const GenerateOptions* opts) {
  const int chunk = std::max(1, session_.options().max_batch);
  for (int off = 0; off < n; off += chunk) {
    if (Aborted(opts))
      return Cancelled("generation aborted during prompt prefill");
    Batch batch;
    batch.tokens = ids + off;
    batch.n = std::min(chunk, n - off);
    Status s = session_.Prefill(batch);
    if (!s.ok()) {
      RollBack();
      return s;
    }
    history_.insert(history_.end(), ids + off, ids + off + batch.n);
  }
  return Status::Ok();
}

Status Generator::Feed(const int32_t* ids, int n, const GenerateOptions* opts,
                       GenerateStats* stats) {
  if (ids == nullptr || n < 1)
    return InvalidArgument("generate: the prompt has no tokens");
  if (n > session_.ctx()) {
    return ContextFull("generate: the prompt has " + std::to_string(n) +
                       " tokens but the session context holds " +
                       std::to_string(session_.ctx()));
  }
  // Reuse the longest common prefix, but always feed the last id so its logits
  // are fresh.
  const size_t limit = std::min(history_.size(), static_cast<size_t>(n - 1));
  size_t common = 0;
  // A soft token the session holds stands for the placeholder id at its
  // position (media blocks are fed with FeedEmbeddings before the prompt).
  auto same = [&](size_t i) {
    return history_[i] == ids[i] || (history_[i] == kSoftToken &&
                                     model_.IsMultimodalPlaceholder(ids[i]));
  };
  while (common < limit && same(common)) ++common;
  if (common < history_.size() && !Rewind(static_cast<int64_t>(common)).ok()) {
    Reset();  // the sliding rings no longer hold that window: start over
    common = 0;
  }
  if (stats != nullptr) stats->reused_tokens = static_cast<int>(common);
  const auto t0 = std::chrono::steady_clock::now();
  Status s = Prefill(ids + common, n - static_cast<int>(common), opts);
  if (stats != nullptr) stats->prompt_ms = MsSince(t0);
  return s;
}

Status Generator::Append(const int32_t* ids, int n) {
  if (ids == nullptr || n < 1)
    return InvalidArgument("eval_tokens: no token ids given");
  return Prefill(ids, n, nullptr);
}

Status Generator::FeedEmbeddings(const float* embeddings, int n) {
  if (embeddings == nullptr || n < 1) {
    return InvalidArgument("eval_embeddings: no embeddings given");
  }
  // The session checks the room first, so an error leaves it unchanged;
  // history_ holds ctx entries since construction (no allocation here).
  Status s = session_.PrefillEmbeddings(embeddings, n);
  if (!s.ok()) {
    RollBack();
    return s;
  }
  history_.insert(history_.end(), static_cast<size_t>(n), kSoftToken);
  return Status::Ok();
}

Status Generator::Step(int32_t token) {
  Status s = session_.Decode(token);
  if (!s.ok()) {
    RollBack();
    return s;
  }
  history_.push_back(token);
  return Status::Ok();
}

Status Generator::Generate(const std::vector<int32_t>& prompt,
                           const GenerateOptions& options,
                           GenerateStats* stats) {
  GenerateStats local;
  GenerateStats* st = stats != nullptr ? stats : &local;
  *st = GenerateStats{};
  st->prompt_tokens = static_cast<int>(prompt.size());
  EM_RETURN_IF_ERROR(ValidateSamplingParams(options.sampling));
  if (options.max_tokens < 0)
    return InvalidArgument("generate: max_tokens must be >= 0");
  Status fed =
      Feed(prompt.data(), static_cast<int>(prompt.size()), &options, st);
  if (fed.code() == StatusCode::kCancelled) {
    st->stop = StopReason::kAborted;
    return Status::Ok();
  }
  EM_RETURN_IF_ERROR(fed);
  return Sample(options, st);
}

Status Generator::Continue(const GenerateOptions& options,
                           GenerateStats* stats) {
  GenerateStats local;
  GenerateStats* st = stats != nullptr ? stats : &local;
  *st = GenerateStats{};
  EM_RETURN_IF_ERROR(ValidateSamplingParams(options.sampling));
  if (options.max_tokens < 0)
    return InvalidArgument("generate: max_tokens must be >= 0");
  if (history_.empty()) {
    return InvalidArgument(
        "generate: nothing to continue (feed a prompt or soft tokens first)");
  }
  return Sample(options, st);
}

Status Generator::Sample(const GenerateOptions& options, GenerateStats* st) {
  sampler_.Reset(options.sampling);
  const auto t0 = std::chrono::steady_clock::now();
  Status s = DecodeLoop(options, st);
  st->decode_ms = MsSince(t0);
  return s;
}

// Sample -> stream -> decode until a stop condition. The stop id and the last
// sampled token (at max_tokens or when the callback stops) are not decoded: the
// session holds everything before them, and a following prompt that contains
// them prefills them.
Status Generator::DecodeLoop(const GenerateOptions& options,
                             GenerateStats* st) {
  std::optional<StreamingDetokenizer> detok;
  if (tokenizer_ != nullptr)
    detok.emplace(*tokenizer_, !options.stream_special);
  auto emit = [&](int32_t token) {
    return options.on_token == nullptr ||
           options.on_token(options.user, token, piece_);
  };
  st->stop = StopReason::kMaxTokens;
  for (int i = 0; i < options.max_tokens; ++i) {
    if (Aborted(&options)) {
      st->stop = StopReason::kAborted;
      break;
    }
    Result<int32_t> sampled = sampler_.Sample(session_.logits(), vocab_);
    if (!sampled.ok()) return sampled.status();
    const int32_t token = sampled.value();
    ++st->generated_tokens;
    const bool stop = IsStop(token);
    piece_.clear();
    // An id past the tokenizer's vocabulary (model padding rows) has no text.
    if (detok && token < tokenizer_->vocab_size() &&
        !detok->Push(token, &piece_).ok()) {
      piece_.clear();
    }
    if (detok && stop) detok->Finish(&piece_);
    const bool go_on = emit(token);
    if (stop) {
      st->stop = StopReason::kEos;
      st->stop_token = token;
      return Status::Ok();
    }
    if (!go_on) {
      st->stop = StopReason::kCallback;
      break;
    }
    if (i + 1 == options.max_tokens) break;
    if (session_.position() >= session_.ctx()) {
      st->stop = StopReason::kContextFull;
      return ContextFull(
          "generate: the context of " + std::to_string(session_.ctx()) +
          " positions is full after " + std::to_string(st->generated_tokens) +
          " generated tokens");
    }
    EM_RETURN_IF_ERROR(Step(token));
  }
  // Bytes of an unfinished UTF-8 character held back by the detokenizer.
  if (detok) {
    piece_.clear();
    detok->Finish(&piece_);
    if (!piece_.empty()) emit(-1);
  }
  return Status::Ok();
}

}  // namespace edgemma
