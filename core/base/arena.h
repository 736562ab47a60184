// A fixed arena: all working memory of a session is planned up front as named regions,
// allocated once (or placed in a caller-provided buffer), and never grows. Running past the
// plan is a clear kArenaFull error, never an overflow.
// Thread-safety: planning and Init are single-threaded; region pointers may then be used from
// any thread. Ownership: the arena owns its buffer unless one was provided by the caller.
#ifndef EDGEMMA_CORE_BASE_ARENA_H_
#define EDGEMMA_CORE_BASE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"

namespace edgemma {

class ArenaPlan {
 public:
  // Reserves `bytes` aligned to `align` (power of two, >= 8) and returns the region id.
  int Add(std::string name, size_t bytes, size_t align = 64);
  size_t total_bytes() const { return total_; }  // sum incl. alignment padding
  size_t alignment() const { return max_align_; }
  struct Region {
    std::string name;
    size_t offset;
    size_t bytes;
  };
  const std::vector<Region>& regions() const { return regions_; }
  // Human-readable table "name bytes" (for `edgemma info`/bench).
  std::string Describe() const;

 private:
  std::vector<Region> regions_;
  size_t total_ = 0;
  size_t max_align_ = 64;
};

class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Allocates plan.total_bytes() (one aligned allocation) or uses `buffer` of `size` bytes
  // (kArenaFull if too small; kInvalidArgument if misaligned to plan.alignment()).
  Status Init(const ArenaPlan& plan, void* buffer = nullptr, size_t size = 0);
  // Region base pointer (programmer error if id is invalid or Init failed).
  void* Region(int id) const;
  template <typename T>
  T* RegionAs(int id) const { return static_cast<T*>(Region(id)); }
  size_t RegionBytes(int id) const;

  // Bump allocation from the space after the planned regions ("scratch tail"): returns
  // kArenaFull naming `what` if it does not fit. ResetScratch() frees all of it.
  Result<void*> Allocate(size_t bytes, size_t align, const char* what);
  void ResetScratch();

  size_t capacity() const { return size_; }
  size_t high_water() const { return high_water_; }  // largest bytes in use, planned + scratch

 private:
  ArenaPlan plan_;
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  size_t planned_end_ = 0;
  size_t scratch_top_ = 0;
  size_t high_water_ = 0;
  bool owned_ = false;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_BASE_ARENA_H_
