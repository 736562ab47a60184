// Where the time of a forward step goes: a profile the owner of a pass (a text
// Session) attaches to its NnContext, and that Forward() fills with "laps":
// Lap(nn, part) ends the running part and starts `part`, so consecutive laps
// cover the pass without gaps; Stop() ends it. The pool's synchronisation
// (dispatch + the caller waiting for the workers) is taken out of the part it
// happened in and reported as its own figure (pool.wait_ns), so
//   sum(ns) + pool.wait_ns = wall time between the first Lap and Stop.
// Off by default (NnContext::profile null): a lap is then one branch; nothing
// is allocated per step (Attach sizes the per-thread array once).
#ifndef EDGEMMA_CORE_NN_PROFILE_H_
#define EDGEMMA_CORE_NN_PROFILE_H_

#include <cstdint>
#include <vector>

#include "core/nn/context.h"
#include "platform/thread_pool.h"

namespace edgemma {

// The parts of a text forward step (and the sampling after it).
enum class StepPart : int {
  kEmbed,         // token embedding gather + scale, soft-token copy
  kPleGather,     // PLE table row gather (+ its scale/add)
  kPleModelProj,  // per_layer_model_proj matmul (+ its scale and norm)
  kQkv,           // layer matmuls by kind (q/k/v and gate/up: one each) ...
  kO,
  kGateUp,
  kDown,
  kPleGate,  // per-layer PLE input gate matmul
  kPleProj,  // per-layer PLE projection matmul
  kAttention,
  kKvWrite,      // committing the chunk's K/V to the cache (f16 conversion)
  kNorm,         // RMSNorms (input/post/final) + the residual adds fused in
  kQkNormRope,   // per-head Q/K/V norms + RoPE, and the RoPE tables
  kElementwise,  // gated GELUs (MLP and PLE)
  kLmHead,
  kSoftcap,
  kSampling,  // the caller's pick of the next token
  kCount
};
inline constexpr int kStepParts = static_cast<int>(StepPart::kCount);

// Short snake_case name ("qkv", "lm_head", ...), for tables and JSON.
const char* StepPartName(StepPart part);

struct StepProfile {
  int64_t ns[kStepParts] = {};     // wall time per part, pool wait excluded
  int64_t calls[kStepParts] = {};  // laps per part
  PoolProfile pool;                // wait_ns, dispatches, per-thread busy
  std::vector<int64_t> busy;       // [threads] storage behind pool.busy_ns

  // Sizes the per-thread array for a pool of `threads` (the one allocation)
  // and zeroes everything.
  void Attach(int threads);
  // Zeroes the figures (keeps the per-thread array); no allocation.
  void Reset();
  // Ends the running part (if any) and starts `next`.
  void Lap(StepPart next);
  // Ends the running part.
  void Stop();
  // Sum of ns over the parts.
  int64_t PartsNs() const;

 private:
  int current_ = -1;
  int64_t t_ = 0, wait_ = 0;
  void End(int64_t now);
};

// Lap/Stop through a context: one branch when no profile is attached.
inline void Lap(const NnContext& c, StepPart next) {
  if (c.profile) c.profile->Lap(next);
}
inline void StopLaps(const NnContext& c) {
  if (c.profile) c.profile->Stop();
}

}  // namespace edgemma

#endif  // EDGEMMA_CORE_NN_PROFILE_H_
