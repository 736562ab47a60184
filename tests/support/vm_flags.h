// Test helpers: the kernel's VmFlags for an address (/proc/self/smaps), to
// check what a mapping was advised (e.g. "hg" = MADV_HUGEPAGE, "nh" =
// MADV_NOHUGEPAGE), and the resident bytes of the mapping holding it. Linux
// only; "" / -1 where smaps cannot say.
#ifndef EDGEMMA_TESTS_SUPPORT_VM_FLAGS_H_
#define EDGEMMA_TESTS_SUPPORT_VM_FLAGS_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace edgemma {
namespace testing {

// The line starting with `field` of the smaps entry holding address a (""
// when none).
inline std::string SmapsLineAt(const void* a, const char* field) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t at = reinterpret_cast<uintptr_t>(a);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> begin >> dash >> end && dash == '-' &&
        line.find(':') > line.find(' ')) {
      inside = begin <= at && at < end;
    } else if (inside && line.rfind(field, 0) == 0) {
      return line;
    }
  }
  return "";
}

// The VmFlags line of the smaps entry holding address a ("" when none).
inline std::string VmFlagsAt(const void* a) {
  return SmapsLineAt(a, "VmFlags:");
}

// Resident bytes of the mapping (smaps entry) holding address a; -1 when
// smaps cannot say.
inline int64_t ResidentBytesAt(const void* a) {
  std::istringstream rss(SmapsLineAt(a, "Rss:"));
  std::string name;
  int64_t kb = -1;
  return rss >> name >> kb ? kb * 1024 : -1;
}

// Whether a VmFlags line carries the two-letter flag.
inline bool HasVmFlag(const std::string& vm_flags, const char* flag) {
  return (vm_flags + " ").find(std::string(" ") + flag + " ") !=
         std::string::npos;
}

// Whether this kernel takes MADV_HUGEPAGE and shows VmFlags: when not, a test
// of huge-page advice has nothing to check.
inline bool HugePageAdviceVisible() {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* probe =
      ::mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return false;
  const bool ok = ::madvise(probe, page, MADV_HUGEPAGE) == 0 &&
                  HasVmFlag(VmFlagsAt(probe), "hg");
  ::munmap(probe, page);
  return ok;
}

}  // namespace testing
}  // namespace edgemma

#endif  // EDGEMMA_TESTS_SUPPORT_VM_FLAGS_H_
