// A monotonic clock in nanoseconds (steady_clock; a vDSO call, ~20 ns), for
// profiling timers that must not allocate or take locks.
#ifndef EDGEMMA_PLATFORM_CLOCK_H_
#define EDGEMMA_PLATFORM_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace edgemma {

inline int64_t MonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_CLOCK_H_
