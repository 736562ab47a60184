// Test/debug hook proving "nothing allocated per token". While a ScopedNoAlloc is alive on a
// thread, heap allocations through operator new / malloc made by that thread (and by thread
// pool workers while a guard is active anywhere) are counted. The counting allocator is only
// installed in binaries that link `edgemma_alloc_hook` (tests); elsewhere the counters stay 0
// and AllocHookInstalled() returns false.
#ifndef EDGEMMA_CORE_BASE_ALLOC_GUARD_H_
#define EDGEMMA_CORE_BASE_ALLOC_GUARD_H_

#include <cstdint>

namespace edgemma {

bool AllocHookInstalled();

class ScopedNoAlloc {
 public:
  ScopedNoAlloc();
  ~ScopedNoAlloc();
  ScopedNoAlloc(const ScopedNoAlloc&) = delete;
  ScopedNoAlloc& operator=(const ScopedNoAlloc&) = delete;
  // Allocations observed since construction.
  int64_t allocations() const;

 private:
  int64_t start_;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_BASE_ALLOC_GUARD_H_
