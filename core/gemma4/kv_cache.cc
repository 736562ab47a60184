#include "core/gemma4/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "quant/ops.h"

namespace edgemma {

void KvCache::Plan(const TextConfig& cfg, int ctx, int ring_size, KvType type,
                   ArenaPlan* plan) {
  type_ = type;
  window_ = cfg.window;
  layers_.assign(cfg.n_layers, Layer{});
  for (int i = 0; i < cfg.n_layers; ++i) {
    const LayerSpec& s = cfg.layers[i];
    Layer& l = layers_[i];
    if (s.kv_shared) continue;
    l.owned = true;
    l.ring = s.type == LayerType::kSliding;
    l.capacity = l.ring ? std::min(ring_size, ctx) : ctx;
    l.kv_dim = s.n_kv_heads * s.head_dim;
    l.head_dim = s.head_dim;
    size_t bytes = static_cast<size_t>(l.capacity) * l.kv_dim * elem_bytes();
    std::string name = "kv." + std::to_string(i);
    l.k_region = plan->Add(name + ".k", bytes);
    l.v_region = plan->Add(name + ".v", bytes);
    l.pos_region = plan->Add(name + ".pos", sizeof(int32_t) * l.capacity);
  }
}

void KvCache::Bind(const Arena& arena) {
  for (Layer& l : layers_) {
    if (!l.owned) continue;
    l.k = arena.Region(l.k_region);
    l.v = arena.Region(l.v_region);
    l.pos = arena.RegionAs<int32_t>(l.pos_region);
    std::memset(l.v, 0,
                static_cast<size_t>(l.capacity) * l.kv_dim * elem_bytes());
  }
  Truncate(0);
}

void KvCache::Write(const Kernels& kern, int i, int64_t pos0, int n,
                    const float* k, const float* v) {
  Layer& l = layers_[i];
  const int first = std::max(0, n - l.capacity);
  for (int t = first; t < n; ++t) {
    const int64_t p = pos0 + t;
    const int slot = Slot(i, p);
    const float* kr = k + static_cast<size_t>(t) * l.kv_dim;  // [kv_dim]
    const float* vr = v + static_cast<size_t>(t) * l.kv_dim;  // [kv_dim]
    const size_t off = static_cast<size_t>(slot) * l.kv_dim;
    if (type_ == KvType::kF32) {
      std::memcpy(static_cast<float*>(l.k) + off, kr, sizeof(float) * l.kv_dim);
    } else {
      ConvertF32ToF16(kern, kr, static_cast<uint16_t*>(l.k) + off, l.kv_dim);
    }
    WriteVColumn(kern, l, slot, vr);
    l.pos[slot] = static_cast<int32_t>(p);
  }
}

void KvCache::WriteVColumn(const Kernels& kern, const Layer& l, int slot,
                           const float* vr) {
  // Element e of the row (KV head e / head_dim, dim e % head_dim) lands in
  // row e of the transposed store: [n_kv_heads * head_dim, capacity].
  const size_t cap = static_cast<size_t>(l.capacity);
  if (type_ == KvType::kF32) {
    float* col = static_cast<float*>(l.v) + slot;
    for (int e = 0; e < l.kv_dim; ++e) col[e * cap] = vr[e];
    return;
  }
  uint16_t* col = static_cast<uint16_t*>(l.v) + slot;
  uint16_t half[64];
  for (int e0 = 0; e0 < l.kv_dim; e0 += 64) {
    const int n = std::min(64, l.kv_dim - e0);
    ConvertF32ToF16(kern, vr + e0, half, n);
    for (int e = 0; e < n; ++e) col[(e0 + e) * cap] = half[e];
  }
}

void KvCache::Truncate(int64_t pos) {
  for (Layer& l : layers_) {
    if (!l.owned) continue;
    for (int s = 0; s < l.capacity; ++s) {
      if (l.pos[s] >= pos) l.pos[s] = -1;
    }
  }
}

bool KvCache::CanRewind(int64_t current, int64_t pos) const {
  if (pos < 0 || pos > current) return false;
  for (const Layer& l : layers_) {
    if (!l.owned || !l.ring) continue;
    // Queries from `pos` on need positions [pos - window + 1, pos); the ring
    // holds [current - capacity, current).
    if (pos == 0) return true;
    const int64_t need = std::max<int64_t>(0, pos - window_ + 1);
    const int64_t have = std::max<int64_t>(0, current - l.capacity);
    if (need < have) return false;
  }
  return true;
}

}  // namespace edgemma
