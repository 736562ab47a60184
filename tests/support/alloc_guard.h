// Test/debug hook proving "nothing allocated per token". While a ScopedNoAlloc
// is alive on a thread, heap allocations through operator new / malloc made by
// that thread (and by thread pool workers while a guard is active anywhere) are
// counted. Test support, not part of any library: binaries that use it link
// `edgemma_alloc_hook` (tests/support/CMakeLists.txt), which installs the
// counting allocator (AllocHookInstalled() is then true).
#ifndef EDGEMMA_TESTS_SUPPORT_ALLOC_GUARD_H_
#define EDGEMMA_TESTS_SUPPORT_ALLOC_GUARD_H_

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

#endif  // EDGEMMA_TESTS_SUPPORT_ALLOC_GUARD_H_
