// Process memory figures for the end-to-end benchmark (Linux /proc; elsewhere
// every figure reads -1).
//
// What they mean: VmRSS = resident now, VmHWM = peak resident (the "peak RSS"
// users see), RssAnon = heap/arena/owned buffers, RssFile = pages of mapped
// files (the model) present in this process's page tables. ResidentBytes()
// answers the finer question "which part of one mapping is resident", e.g. how
// much of the per-layer-embedding table a run has pulled in.
#ifndef EDGEMMA_BENCH_E2E_PROC_MEMORY_H_
#define EDGEMMA_BENCH_E2E_PROC_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace edgemma {

struct ProcMemory {
  int64_t vm_rss = -1;  // bytes
  int64_t vm_hwm = -1;
  int64_t rss_anon = -1;
  int64_t rss_file = -1;
  // Of rss_file, the bytes mapped with 2 MiB page-table entries (smaps_rollup
  // FilePmdMapped): model pages cached in 2 MiB folios. Decode streams the
  // weights ~20% faster so (platform/mapped_file.cc); whether the page cache
  // holds such folios depends on how the file came in (kernel, file system,
  // the writer's write sizes), so runs record it.
  int64_t file_pmd_mapped = -1;
};

// Reads /proc/self/status and /proc/self/smaps_rollup (-1 where unavailable).
ProcMemory ReadProcMemory();

// Bytes of [p, p + len) (rounded out to pages) present in this process's page
// tables, from /proc/self/pagemap; -1 when pagemap cannot be read.
int64_t ResidentBytes(const void* p, size_t len);

// The first three fields of /proc/loadavg ("" when unavailable): other work
// on the machine skews every timing, so runs record it.
std::string ReadLoadAvg();

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_E2E_PROC_MEMORY_H_
