#include "bench/e2e/proc_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace edgemma {

ProcMemory ReadProcMemory() {
  ProcMemory m;
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return m;
  char line[256];
  while (std::fgets(line, sizeof(line), f)) {
    long long kb = 0;
    if (std::sscanf(line, "VmRSS: %lld kB", &kb) == 1) m.vm_rss = kb * 1024;
    if (std::sscanf(line, "VmHWM: %lld kB", &kb) == 1) m.vm_hwm = kb * 1024;
    if (std::sscanf(line, "RssAnon: %lld kB", &kb) == 1) m.rss_anon = kb * 1024;
    if (std::sscanf(line, "RssFile: %lld kB", &kb) == 1) m.rss_file = kb * 1024;
  }
  std::fclose(f);
  f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return m;
  while (std::fgets(line, sizeof(line), f)) {
    long long kb = 0;
    if (std::sscanf(line, "FilePmdMapped: %lld kB", &kb) == 1) {
      m.file_pmd_mapped = kb * 1024;
    }
  }
  std::fclose(f);
  return m;
}

std::string ReadLoadAvg() {
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "";
  char a[32] = {0}, b[32] = {0}, c[32] = {0};
  const int n = std::fscanf(f, "%31s %31s %31s", a, b, c);
  std::fclose(f);
  return n == 3 ? std::string(a) + " " + b + " " + c : "";
}

int64_t ResidentBytes(const void* p, size_t len) {
  if (p == nullptr || len == 0) return 0;
  const long page_l = sysconf(_SC_PAGESIZE);
  if (page_l <= 0) return -1;
  const uintptr_t page = static_cast<uintptr_t>(page_l);
  const uintptr_t first = reinterpret_cast<uintptr_t>(p) / page;
  const uintptr_t last = (reinterpret_cast<uintptr_t>(p) + len - 1) / page;
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  // One 64-bit entry per page; bit 63 = present. Read in 64 KiB batches.
  std::vector<uint64_t> entries(8192);
  int64_t present = 0;
  for (uintptr_t pg = first; pg <= last;) {
    const size_t n = std::min<uintptr_t>(entries.size(), last - pg + 1);
    const ssize_t got =
        pread(fd, entries.data(), n * 8, static_cast<off_t>(pg * 8));
    if (got <= 0 || got % 8 != 0) {
      close(fd);
      return -1;
    }
    const size_t k = static_cast<size_t>(got) / 8;
    for (size_t i = 0; i < k; ++i) present += (entries[i] >> 63) & 1;
    pg += k;
  }
  close(fd);
  return present * static_cast<int64_t>(page);
}

}  // namespace edgemma
