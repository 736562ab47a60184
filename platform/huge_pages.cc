#include "platform/huge_pages.h"

#include <sys/mman.h>

namespace edgemma {

void AdviseHugePages(void* p, size_t length, bool on) {
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
  (void)::madvise(p, length, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
  (void)p;
  (void)length;
  (void)on;
#endif
}

}  // namespace edgemma
