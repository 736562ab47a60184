// Test-only counting allocator (target `edgemma_alloc_hook`, an OBJECT library
// so these definitions are always linked in). Replaces every global operator
// new/delete and, through -Wl,--wrap (set on the target's link interface),
// malloc/calloc/realloc/aligned_alloc/ posix_memalign of the objects linked
// into the test binary. Allocations are counted while any ScopedNoAlloc is
// alive (tests/support/alloc_guard.cc). Works under ASan: the __real_*
// functions resolve to the sanitizer's interceptors.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace edgemma::alloc_internal {
// Defined in tests/support/alloc_guard.cc.
extern std::atomic<int> g_guards_active;
extern std::atomic<int64_t> g_allocations;
extern std::atomic<bool> g_hook_installed;
}  // namespace edgemma::alloc_internal

extern "C" {
void* __real_malloc(size_t size);
void* __real_calloc(size_t n, size_t size);
void* __real_realloc(void* p, size_t size);
void* __real_aligned_alloc(size_t align, size_t size);
int __real_posix_memalign(void** p, size_t align, size_t size);
}

namespace {

using edgemma::alloc_internal::g_allocations;
using edgemma::alloc_internal::g_guards_active;

inline void Count() {
  if (g_guards_active.load(std::memory_order_relaxed) > 0) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
}

struct Installer {
  Installer() { edgemma::alloc_internal::g_hook_installed.store(true); }
} g_installer;

void* NewImpl(size_t size) {
  Count();
  void* p = __real_malloc(size ? size : 1);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* NewAlignedImpl(size_t size, std::align_val_t align) {
  Count();
  size_t a = static_cast<size_t>(align);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (__real_posix_memalign(&p, a, size ? size : 1) != 0)
    throw std::bad_alloc();
  return p;
}

}  // namespace

extern "C" {
void* __wrap_malloc(size_t size) {
  Count();
  return __real_malloc(size);
}
void* __wrap_calloc(size_t n, size_t size) {
  Count();
  return __real_calloc(n, size);
}
void* __wrap_realloc(void* p, size_t size) {
  Count();
  return __real_realloc(p, size);
}
void* __wrap_aligned_alloc(size_t align, size_t size) {
  Count();
  return __real_aligned_alloc(align, size);
}
int __wrap_posix_memalign(void** p, size_t align, size_t size) {
  Count();
  return __real_posix_memalign(p, align, size);
}
}

void* operator new(size_t size) { return NewImpl(size); }
void* operator new[](size_t size) { return NewImpl(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return NewImpl(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  try {
    return NewImpl(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(size_t size, std::align_val_t a) {
  return NewAlignedImpl(size, a);
}
void* operator new[](size_t size, std::align_val_t a) {
  return NewAlignedImpl(size, a);
}
void* operator new(size_t size, std::align_val_t a,
                   const std::nothrow_t&) noexcept {
  try {
    return NewAlignedImpl(size, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t size, std::align_val_t a,
                     const std::nothrow_t&) noexcept {
  try {
    return NewAlignedImpl(size, a);
  } catch (...) {
    return nullptr;
  }
}

// All deletes release memory obtained from __real_malloc/__real_posix_memalign.
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  std::free(p);
}
