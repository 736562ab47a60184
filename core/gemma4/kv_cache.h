// The KV cache of one session. Layers that compute K/V own storage; KV-shared
// layers own none (they read their kv_source's). Sliding layers keep a ring of
// `ring_size` slots (slot = position mod ring_size; ring_size = window + rewind
// slack, window by default) with the position stored per slot so masks stay
// exact after wrap-around; full layers keep one slot per position up to ctx.
// Elements are f32 or f16; K is stored after k_norm + RoPE, V after v_norm.
// K rows are slots ([capacity, kv_dim]); V is stored transposed per KV head
// ([n_kv_heads, head_dim, capacity]: slot = column) so attention's P . V is a
// plain MatMul. V starts zeroed and only ever holds finite values, so the
// zero probabilities of empty or masked slots contribute exactly nothing.
//
// Memory: all storage lives in the session arena (Plan() adds regions, Bind()
// takes pointers); nothing here allocates after Bind(). Not thread-safe for
// writes; concurrent reads are fine.
#ifndef EDGEMMA_CORE_GEMMA4_KV_CACHE_H_
#define EDGEMMA_CORE_GEMMA4_KV_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/base/arena.h"
#include "core/io/config.h"
#include "quant/ops.h"

namespace edgemma {

enum class KvType { kF32, kF16 };

class KvCache {
 public:
  struct Layer {
    bool owned = false;  // false: KV-shared layer (no storage)
    bool ring = false;   // sliding layer
    int capacity = 0;    // slots
    int kv_dim = 0;      // n_kv_heads * head_dim
    int head_dim = 0;
    void* k = nullptr;       // [capacity, kv_dim] of f32 or f16
    void* v = nullptr;       // [n_kv_heads, head_dim, capacity] (transposed)
    int32_t* pos = nullptr;  // [capacity] stored position per slot, -1 = empty
    int k_region = -1, v_region = -1, pos_region = -1;
  };

  // Adds the regions for `cfg` to `plan`. ring_size >= window.
  void Plan(const TextConfig& cfg, int ctx, int ring_size, KvType type,
            ArenaPlan* plan);
  // Takes the region pointers, zeroes V and clears the cache.
  void Bind(const Arena& arena);

  KvType type() const { return type_; }
  const Layer& layer(int i) const { return layers_[i]; }
  int Slot(int i, int64_t pos) const {
    const Layer& l = layers_[i];
    return static_cast<int>(l.ring ? pos % l.capacity : pos);
  }
  // Slots worth scanning for queries at positions < limit (ring: all; full: [0,
  // limit)).
  int ScanSlots(int i, int64_t limit) const {
    const Layer& l = layers_[i];
    return l.ring ? l.capacity : static_cast<int>(limit);
  }
  // Stores K/V rows k[n, kv_dim], v[n, kv_dim] of positions pos0.. pos0+n-1
  // (f32 input, converted to the cache type). Of more than `capacity` rows only
  // the last ones are kept.
  void Write(const Kernels& kern, int i, int64_t pos0, int n, const float* k,
             const float* v);
  // Forgets every entry at position >= pos (all layers).
  void Truncate(int64_t pos);
  // The oldest position still needed to continue from `pos` is present in every
  // ring, given that the cache currently holds everything before `current`.
  bool CanRewind(int64_t current, int64_t pos) const;
  size_t elem_bytes() const { return type_ == KvType::kF32 ? 4 : 2; }

 private:
  // Stores V row vr[kv_dim] as column `slot` of the transposed V of l.
  void WriteVColumn(const Kernels& kern, const Layer& l, int slot,
                    const float* vr);

  std::vector<Layer> layers_;
  KvType type_ = KvType::kF32;
  int window_ = 0;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_GEMMA4_KV_CACHE_H_
