// The generation loop over a Session: prefill a prompt (reusing the KV prefix
// the session already holds), then sample and decode token by token, streaming
// each token's text to a callback.
//
// KV reuse: the Generator remembers the ids the session holds. A new prompt is
// compared with them and only the part after the first differing token is
// prefilled, so a multi-turn chat re-prefills just the new turn (plus whatever
// the chat template rewrote, e.g. stripped thoughts). If the session cannot
// rewind that far (sliding-window rings, see SessionOptions::rewind_slack) it
// restarts from position 0.
//
// Memory: the sampler scratch, the id history (ctx entries) and the text buffer
// are allocated at construction; the per-token loop allocates nothing (pieces
// longer than the reserved text buffer aside). Threads: one Generator per
// Session, used from one thread at a time.
#ifndef EDGEMMA_CORE_TEXT_GENERATE_H_
#define EDGEMMA_CORE_TEXT_GENERATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/gemma4/session.h"
#include "core/text/sampler.h"
#include "core/text/tokenizer.h"
#include "platform/status.h"

namespace edgemma {

// Called once per generated token (stop tokens included, with their text only
// if stream_special). Returning false stops generation after this token. A
// final call with token -1 may carry held-back bytes of an unfinished UTF-8
// character (as U+FFFD) at the end.
using TokenFn = bool (*)(void* user, int32_t token, std::string_view piece);
// Polled between prefill chunks and before each decode step; true aborts
// (Ctrl-C).
using AbortFn = bool (*)(void* user);

enum class StopReason {
  kNone,
  kEos,
  kMaxTokens,
  kCallback,
  kAborted,
  kContextFull
};
const char* StopReasonName(StopReason r);

struct GenerateOptions {
  int max_tokens = 256;  // generated tokens at most (stop token included)
  SamplingParams sampling;
  bool stream_special =
      false;  // pass special tokens' text (e.g. "<|channel>") to on_token
  TokenFn on_token = nullptr;
  AbortFn should_abort = nullptr;
  void* user = nullptr;  // passed to both callbacks
};

struct GenerateStats {
  int prompt_tokens = 0;  // ids of the prompt
  int reused_tokens =
      0;  // of those, already in the session (not prefilled again)
  double prompt_ms = 0;  // prefill time
  int generated_tokens = 0;
  double decode_ms = 0;  // sampling + decode time of the generated tokens
  StopReason stop = StopReason::kNone;
  int32_t stop_token = -1;  // the end-of-generation id that stopped it, else -1
};

class Generator {
 public:
  // Borrows the model (vocab and end-of-generation ids Gemma4Config::eos_ids),
  // the session (created over that model) and the tokenizer (may be null:
  // callbacks then get empty pieces); all must outlive the Generator.
  Generator(const Model& model, Session& session, const Tokenizer* tokenizer);

  // Makes the session hold exactly `ids` (reusing the common prefix) so its
  // logits are those of the last id. n >= 1. On error the session and history
  // are rolled back to a consistent state (possibly shorter than before).
  Status Feed(const int32_t* ids, int n, const GenerateOptions* abort_opts,
              GenerateStats* stats);
  // Appends ids at the current position (no prefix matching): the low-level
  // path.
  Status Append(const int32_t* ids, int n);
  // Appends soft tokens (encoder embeddings [n, d_model]) at the current
  // position. In a later Feed/Generate they match the multimodal placeholder
  // ids (<|audio|>, <|image|>) at their positions and nothing else, so a
  // caller feeds a media block's soft tokens and then passes the whole prompt
  // with its placeholders: only the text after them is prefilled.
  Status FeedEmbeddings(const float* embeddings, int n);

  // Feed(prompt) then sample/decode until a stop id, max_tokens, the callback
  // or abort. Stopping for those reasons is OK (see stats->stop); running out
  // of context is reported as kContextFull with stats filled and the session
  // still usable.
  Status Generate(const std::vector<int32_t>& prompt,
                  const GenerateOptions& options, GenerateStats* stats);

  // Samples and decodes from what the session holds now, as Generate does after
  // feeding its prompt: for prompts built with Append/FeedEmbeddings (soft
  // tokens cannot be written as prompt ids). kInvalidArgument if the session
  // holds nothing yet.
  Status Continue(const GenerateOptions& options, GenerateStats* stats);
  // Rewinds the session and the id history to `pos` (see Session::Rewind).
  Status Rewind(int64_t pos);
  void Reset();

  const std::vector<int32_t>& history() const { return history_; }
  bool IsStop(int32_t id) const;
  Session& session() { return session_; }

 private:
  Status Prefill(const int32_t* ids, int n, const GenerateOptions* opts);
  Status Sample(const GenerateOptions& options, GenerateStats* stats);
  Status DecodeLoop(const GenerateOptions& options, GenerateStats* stats);
  Status Step(int32_t token);
  void RollBack();

  static constexpr int32_t kSoftToken = -2;  // history_ entry of a soft token
  const Model& model_;
  Session& session_;
  const Tokenizer* tokenizer_;
  int vocab_;
  std::vector<int> eos_ids_;
  Sampler sampler_;
  std::vector<int32_t>
      history_;  // ids at positions 0..position()-1 (-1 unknown, kSoftToken)
  std::string piece_;  // text of the current token
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_GENERATE_H_
