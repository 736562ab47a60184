/* Allocation counter behind alloc_probe.h: every malloc-family call of the
 * program (libc, libstdc++'s operator new, edgemma) lands here through
 * -Wl,--wrap and is counted while armed, from any thread (GCC atomic builtins).
 */
#include "alloc_probe.h"

#include <stddef.h>
#include <stdio.h>

void* __real_malloc(size_t size);
void* __real_calloc(size_t n, size_t size);
void* __real_realloc(void* p, size_t size);
void* __real_aligned_alloc(size_t align, size_t size);
void* __real_memalign(size_t align, size_t size);
int __real_posix_memalign(void** p, size_t align, size_t size);

void* __wrap_malloc(size_t size);
void* __wrap_calloc(size_t n, size_t size);
void* __wrap_realloc(void* p, size_t size);
void* __wrap_aligned_alloc(size_t align, size_t size);
void* __wrap_memalign(size_t align, size_t size);
int __wrap_posix_memalign(void** p, size_t align, size_t size);

static int g_armed;
static long g_count;
static size_t g_bytes;

static void Count(size_t size) {
  if (__atomic_load_n(&g_armed, __ATOMIC_RELAXED)) {
    __atomic_fetch_add(&g_count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&g_bytes, size, __ATOMIC_RELAXED);
  }
}

void* __wrap_malloc(size_t size) {
  Count(size);
  return __real_malloc(size);
}
void* __wrap_calloc(size_t n, size_t size) {
  Count(n * size);
  return __real_calloc(n, size);
}
void* __wrap_realloc(void* p, size_t size) {
  Count(size);
  return __real_realloc(p, size);
}
void* __wrap_aligned_alloc(size_t align, size_t size) {
  Count(size);
  return __real_aligned_alloc(align, size);
}
void* __wrap_memalign(size_t align, size_t size) {
  Count(size);
  return __real_memalign(align, size);
}
int __wrap_posix_memalign(void** p, size_t align, size_t size) {
  Count(size);
  return __real_posix_memalign(p, align, size);
}

void alloc_probe_arm(void) {
  __atomic_store_n(&g_count, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g_bytes, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g_armed, 1, __ATOMIC_SEQ_CST);
}

int alloc_probe_disarm(const char* phase) {
  long n;
  __atomic_store_n(&g_armed, 0, __ATOMIC_SEQ_CST);
  n = __atomic_load_n(&g_count, __ATOMIC_RELAXED);
  printf("firmware: heap allocations during %s: %ld (%lu bytes)\n", phase, n,
         (unsigned long)__atomic_load_n(&g_bytes, __ATOMIC_RELAXED));
  fflush(stdout); /* before any error message on stderr */
  return n == 0 ? 0 : 1;
}
