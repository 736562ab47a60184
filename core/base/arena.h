// A fixed arena: all working memory of a session is planned up front as named
// regions, allocated once (or placed in a caller-provided buffer), and never
// grows. Running past the plan is a clear kArenaFull error, never an overflow.
// Thread-safety: planning and Init are single-threaded; region pointers may
// then be used from any thread. Ownership: the arena owns its buffer unless one
// was provided by the caller.
#ifndef EDGEMMA_CORE_BASE_ARENA_H_
#define EDGEMMA_CORE_BASE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace edgemma {

class ArenaPlan {
 public:
  // Reserves `bytes` aligned to `align` (power of two, >= 8) and returns the
  // region id.
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

  // Allocates plan.total_bytes() (one aligned allocation) or uses `buffer` of
  // `size` bytes (kArenaFull if too small; kInvalidArgument if misaligned to
  // plan.alignment()).
  Status Init(const ArenaPlan& plan, void* buffer = nullptr, size_t size = 0);
  // Region base pointer (programmer error if id is invalid or Init failed).
  void* Region(int id) const;
  template <typename T>
  T* RegionAs(int id) const {
    return static_cast<T*>(Region(id));
  }
  size_t RegionBytes(int id) const;

  // Bump allocation from the space after the planned regions ("scratch tail"):
  // returns kArenaFull naming `what` if it does not fit. ResetScratch() frees
  // all of it.
  Result<void*> Allocate(size_t bytes, size_t align, const char* what);
  void ResetScratch();

  size_t capacity() const { return size_; }
  size_t high_water() const {
    return high_water_;
  }  // largest bytes in use, planned + scratch

 private:
  ArenaPlan plan_;
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  size_t planned_end_ = 0;
  size_t scratch_top_ = 0;
  size_t high_water_ = 0;
  bool owned_ = false;
};

// A list of buffers written once and used twice: Add() reserves a region in
// the plan and remembers the pointer it is for; Bind() fills every remembered
// pointer from the initialized arena. The owner of working memory (a session,
// an encoder) writes one function that Add()s each buffer into the fields of
// its views struct; running it sizes the arena (planning) and, after
// Arena::Init, Bind() turns the same list into the views (binding). Slot
// pointers must stay valid until Bind() (size any vector of slots first).
class ArenaBinder {
 public:
  explicit ArenaBinder(ArenaPlan* plan) : plan_(plan) {}

  // A region of `count` T's named `name`; *slot receives its base at Bind()
  // (slot may be null: bind it later with Also()). Returns the region id.
  template <typename T>
  int Add(std::string name, size_t count, T** slot, size_t align = 64) {
    const int id = plan_->Add(std::move(name), count * sizeof(T), align);
    if (slot) Also(id, slot);
    return id;
  }
  // Raw bytes (e.g. MatMul scratch).
  int AddBytes(std::string name, size_t bytes, void** slot, size_t align = 64) {
    const int id = plan_->Add(std::move(name), bytes, align);
    if (slot) Also(id, slot);
    return id;
  }
  // One more pointer to region `id` (buffers shared by several views).
  template <typename T>
  void Also(int id, T** slot) {
    slots_.push_back({id, slot, [](void* s, void* p) {
                        *static_cast<T**>(s) = static_cast<T*>(p);
                      }});
  }
  void Bind(const Arena& arena) const {
    for (const Slot& s : slots_) s.set(s.slot, arena.Region(s.id));
  }
  ArenaPlan& plan() { return *plan_; }

 private:
  struct Slot {
    int id;
    void* slot;
    void (*set)(void* slot, void* region);
  };
  ArenaPlan* plan_;
  std::vector<Slot> slots_;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_BASE_ARENA_H_
