#include "core/base/arena.h"

#include <cassert>
#include <cstdlib>

#include "platform/huge_pages.h"

namespace edgemma {
namespace {

bool IsPowerOfTwo(size_t x) { return x != 0 && (x & (x - 1)) == 0; }
size_t AlignUp(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

}  // namespace

int ArenaPlan::Add(std::string name, size_t bytes, size_t align) {
  assert(IsPowerOfTwo(align) && align >= 8 && "ArenaPlan::Add: bad alignment");
  const size_t offset = AlignUp(total_, align);
  regions_.push_back(Region{std::move(name), offset, bytes});
  total_ = offset + bytes;
  if (align > max_align_) max_align_ = align;
  return static_cast<int>(regions_.size()) - 1;
}

std::string ArenaPlan::Describe() const {
  std::string s;
  for (const Region& r : regions_) {
    s += r.name + " " + std::to_string(r.bytes) + "\n";
  }
  s += "total " + std::to_string(total_) + "\n";
  return s;
}

Arena::~Arena() {
  if (owned_) std::free(base_);
}

Status Arena::Init(const ArenaPlan& plan, void* buffer, size_t size) {
  if (base_ != nullptr) return InvalidArgument("arena: Init called twice");
  const size_t need = plan.total_bytes();
  if (buffer != nullptr) {
    // Size first: a buffer that is too small is reported as such even if also
    // misaligned.
    if (size < need) {
      return ArenaFull("arena: caller buffer of " + std::to_string(size) +
                       " bytes is smaller than the plan (" +
                       std::to_string(need) + " bytes)");
    }
    if (reinterpret_cast<uintptr_t>(buffer) % plan.alignment() != 0) {
      return InvalidArgument("arena: caller buffer is not aligned to " +
                             std::to_string(plan.alignment()) + " bytes");
    }
    base_ = static_cast<uint8_t*>(buffer);
    size_ = size;
    owned_ = false;
  } else {
    // aligned_alloc wants a size that is a multiple of the alignment; never 0.
    // An arena of 2 MiB or more is 2 MiB aligned and asks for 2 MiB pages:
    // the KV cache and activations are streamed every step (huge_pages.h).
    const bool huge = need >= kHugePageBytes;
    const size_t align = huge && plan.alignment() < kHugePageBytes
                             ? kHugePageBytes
                             : plan.alignment();
    const size_t alloc = AlignUp(need > 0 ? need : 1, align);
    void* p = std::aligned_alloc(align, alloc);
    if (p == nullptr) {
      return OutOfMemory("arena: cannot allocate " + std::to_string(alloc) +
                         " bytes");
    }
    if (huge) AdviseHugePages(p, alloc, true);
    base_ = static_cast<uint8_t*>(p);
    size_ = alloc;
    owned_ = true;
  }
  plan_ = plan;
  planned_end_ = need;
  scratch_top_ = need;
  high_water_ = need;
  return Status::Ok();
}

void* Arena::Region(int id) const {
  assert(base_ != nullptr && id >= 0 &&
         static_cast<size_t>(id) < plan_.regions().size());
  return base_ + plan_.regions()[static_cast<size_t>(id)].offset;
}

size_t Arena::RegionBytes(int id) const {
  assert(id >= 0 && static_cast<size_t>(id) < plan_.regions().size());
  return plan_.regions()[static_cast<size_t>(id)].bytes;
}

Result<void*> Arena::Allocate(size_t bytes, size_t align, const char* what) {
  if (base_ == nullptr) {
    return InvalidArgument(std::string("arena: Allocate('") + what +
                           "') before Init");
  }
  if (!IsPowerOfTwo(align)) {
    return InvalidArgument(std::string("arena: Allocate('") + what +
                           "') alignment " + std::to_string(align) +
                           " is not a power of two");
  }
  // Align the address, not the offset: a caller buffer is only plan-aligned.
  const uintptr_t base = reinterpret_cast<uintptr_t>(base_);
  const size_t offset = AlignUp(base + scratch_top_, align) - base;
  if (offset > size_ || bytes > size_ - offset) {
    return ArenaFull(
        std::string("arena: '") + what + "' needs " + std::to_string(bytes) +
        " bytes but only " +
        std::to_string(size_ > scratch_top_ ? size_ - scratch_top_ : 0) +
        " of " + std::to_string(size_) + " remain");
  }
  scratch_top_ = offset + bytes;
  if (scratch_top_ > high_water_) high_water_ = scratch_top_;
  return static_cast<void*>(base_ + offset);
}

void Arena::ResetScratch() { scratch_top_ = planned_end_; }

}  // namespace edgemma
