#include "core/nn/profile.h"

#include <algorithm>

#include "platform/clock.h"

namespace edgemma {

const char* StepPartName(StepPart part) {
  static const char* const kNames[kStepParts] = {
      "embed",    "ple_gather", "ple_model_proj", "qkv",         "o",
      "gate_up",  "down",       "ple_gate",       "ple_proj",    "attention",
      "kv_write", "norm",       "qk_norm_rope",   "elementwise", "lm_head",
      "softcap",  "sampling"};
  const int i = static_cast<int>(part);
  return i >= 0 && i < kStepParts ? kNames[i] : "?";
}

void StepProfile::Attach(int threads) {
  busy.assign(static_cast<size_t>(std::max(threads, 1)), 0);
  Reset();
}

void StepProfile::Reset() {
  std::fill(ns, ns + kStepParts, 0);
  std::fill(calls, calls + kStepParts, 0);
  std::fill(busy.begin(), busy.end(), 0);
  pool.wait_ns = 0;
  pool.dispatches = 0;
  pool.busy_ns = busy.data();
  current_ = -1;
}

void StepProfile::End(int64_t now) {
  if (current_ < 0) return;
  ns[current_] += (now - t_) - (pool.wait_ns - wait_);
  ++calls[current_];
}

void StepProfile::Lap(StepPart next) {
  const int64_t now = MonotonicNs();
  End(now);
  current_ = static_cast<int>(next);
  t_ = now;
  wait_ = pool.wait_ns;
}

void StepProfile::Stop() {
  End(MonotonicNs());
  current_ = -1;
}

int64_t StepProfile::PartsNs() const {
  int64_t s = 0;
  for (int i = 0; i < kStepParts; ++i) s += ns[i];
  return s;
}

}  // namespace edgemma
