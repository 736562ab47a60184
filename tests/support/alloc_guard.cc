#include "tests/support/alloc_guard.h"

#include <atomic>

// The counters live here, beside the guard; the counting allocator
// (tests/support/alloc_hook.cc, same `edgemma_alloc_hook` target) increments
// them from its replacement operator new / wrapped malloc.
namespace edgemma::alloc_internal {
// Number of ScopedNoAlloc objects alive in the process (any thread). While it
// is non-zero every allocation in the process is counted: that covers the
// guarded thread and the thread-pool workers it dispatches to (tests do not run
// unrelated threads concurrently).
std::atomic<int> g_guards_active{0};
// Allocations observed while g_guards_active > 0.
std::atomic<int64_t> g_allocations{0};
// Set by the hook's static initializer.
std::atomic<bool> g_hook_installed{false};
}  // namespace edgemma::alloc_internal

namespace edgemma {

using alloc_internal::g_allocations;
using alloc_internal::g_guards_active;

bool AllocHookInstalled() {
  return alloc_internal::g_hook_installed.load(std::memory_order_acquire);
}

ScopedNoAlloc::ScopedNoAlloc() {
  // Read the count before activating so allocations() covers exactly the
  // guarded span.
  start_ = g_allocations.load(std::memory_order_acquire);
  g_guards_active.fetch_add(1, std::memory_order_acq_rel);
}

ScopedNoAlloc::~ScopedNoAlloc() {
  g_guards_active.fetch_sub(1, std::memory_order_acq_rel);
}

int64_t ScopedNoAlloc::allocations() const {
  return g_allocations.load(std::memory_order_acquire) - start_;
}

}  // namespace edgemma
