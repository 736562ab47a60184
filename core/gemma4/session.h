// One conversation over a shared Model: its KV cache, working buffers and
// position.
//
// Memory: everything a session needs (activations, logits, KV cache, MatMul and
// per-thread attention scratch) is planned at creation into one Arena,
// optionally in a caller-provided buffer of RequiredBytes(); after Create(),
// Prefill/Decode/Rewind allocate nothing. Threads: a session is used from one
// thread at a time; it owns a ThreadPool of n_threads (or uses
// SessionOptions::pool) for MatMul and attention heads. Many sessions may share
// a Model.
#ifndef EDGEMMA_CORE_GEMMA4_SESSION_H_
#define EDGEMMA_CORE_GEMMA4_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/base/arena.h"
#include "core/gemma4/forward.h"
#include "core/gemma4/kv_cache.h"
#include "core/gemma4/model.h"
#include "core/nn/profile.h"
#include "platform/status.h"
#include "platform/thread_pool.h"

namespace edgemma {

struct SessionOptions {
  int ctx =
      4096;  // positions this session may hold (<= max_position_embeddings)
  // Tokens per forward chunk (longer prefills are split); 0: the kernels'
  // prefill_chunk (options() reports the value used).
  int max_batch = 0;
  int n_threads = 1;  // pool size when `pool` is null
  ThreadPool* pool =
      nullptr;  // optional shared pool (not owned; not used concurrently)
  KvType kv_type = KvType::kF32;
  // Activations of MatMuls with q4_0/q8_0 weights: kQ8_0 (int8 kernels, fast)
  // or kF32 (exact: the f32 result on the dequantized weights). See ActType.
  ActType act_type = ActType::kQ8_0;
  bool all_logits = false;  // keep the logits of every token of the last chunk
                            // (else last only)
  // Extra sliding-ring slots beyond `window`: Rewind(pos) works for pos >=
  // position() - 1 - rewind_slack (and always for pos 0, or while position() <
  // window).
  int rewind_slack = 0;
  // Attention of a layer uses the pool only when T * n_heads * keys * head_dim
  // reaches this (waking the workers costs microseconds); decode then splits
  // the keys across threads. Tests set 0 to run the parallel paths on tiny
  // models.
  int64_t attn_parallel_min_work = int64_t{1} << 18;
};

class Session {
 public:
  // Arena bytes Create() needs for these options (the buffer must be aligned to
  // 64 bytes).
  static Result<size_t> RequiredBytes(const Model& model,
                                      const SessionOptions& options);
  // buffer/size: optional caller-owned memory of >= RequiredBytes() (must
  // outlive the session).
  static Result<std::unique_ptr<Session>> Create(const Model& model,
                                                 const SessionOptions& options,
                                                 void* buffer = nullptr,
                                                 size_t size = 0);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Feeds batch.n >= 1 tokens at position(), in chunks of max_batch. Validates
  // everything first (ids < vocab, soft-token buffers, context room:
  // kContextFull if position() + n > ctx), so an error leaves the session
  // unchanged.
  Status Prefill(const Batch& batch);
  Status Decode(int32_t token);
  // Feeds n >= 1 soft tokens (encoder embeddings [n, d_model], already in the
  // text space) at position(). Their ids (pad: it only selects the PLE row) and
  // embedding flags live in buffers planned at creation, so this allocates
  // nothing. Checks the context room first (kContextFull, session unchanged).
  Status PrefillEmbeddings(const float* embeddings, int n);

  // Logits of the last token fed [vocab] (null before the first call or after
  // Rewind).
  const float* logits() const;
  // all_logits: row r < last_chunk_rows() of the last chunk [vocab].
  const float* logits_row(int r) const;
  int last_chunk_rows() const { return logit_rows_; }

  int64_t position() const { return position_; }
  int ctx() const { return options_.ctx; }
  const SessionOptions& options() const { return options_; }
  // Forgets positions >= pos. kInvalidArgument (session unchanged) if pos >
  // position() or the sliding rings no longer hold the window before pos (see
  // SessionOptions::rewind_slack).
  Status Rewind(int64_t pos);
  void Reset();

  void set_probe(const Probe& probe) { probe_ = probe; }
  // Attaches a step profile to every following Prefill/Decode (null
  // detaches). Sizes its per-thread array for this session's pool (the only
  // allocation) and zeroes it; the session's pool times its dispatches into
  // it. The profile must outlive the attachment.
  void set_profile(StepProfile* profile);
  const ArenaPlan& plan() const { return plan_; }

 private:
  explicit Session(const Model& model) : model_(model) {}
  Status Init(const SessionOptions& options, void* buffer, size_t size);
  Status Validate(const Batch& batch) const;
  void RunChunk(const Batch& chunk, bool logits);

  const Model& model_;
  SessionOptions options_;
  ArenaPlan plan_;
  Arena arena_;
  KvCache cache_;
  ForwardBuffers buf_;           // views into arena_
  int32_t* soft_ids_ = nullptr;  // [max_batch] pad ids of soft tokens (arena)
  uint8_t* soft_use_ = nullptr;  // [max_batch] all 1 (arena)
  NnContext nn_;            // kernels, pool, MatMul scratch, activation type
  ForwardOptions forward_;  // from options_
  std::unique_ptr<ThreadPool> own_pool_;
  Probe probe_;
  int64_t position_ = 0;
  int logit_rows_ = 0;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_GEMMA4_SESSION_H_
