// Scaled-dot-product attention of one layer over the committed cache plus the
// current chunk. Scale 1.0 (q/k are RMS-normed instead), no softcap, GQA (query
// head h reads KV head h / (n_heads / n_kv_heads)). Masks (spec 4.2): key
// position pk visible to query position pq iff pk <= pq, and on sliding layers
// also pq - pk < window.
#include <cstring>

#include "core/gemma4/forward.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

struct AttendJob {
  const Model* model;
  const ForwardBuffers* buf;
  const KvCache* cache;
  int layer, src, T;
  int64_t pos0;
  const float* q;        // [T, n_heads * hd]
  const float* chunk_k;  // [T, kv_dim]
  const float* chunk_v;  // [T, kv_dim]
  float* out;            // [T, n_heads * hd]
};

// One (query token, head) pair.
void AttendOne(const AttendJob& j, int t, int h, int thread) {
  const TextConfig& c = j.model->text();
  const Kernels& k = j.model->kernels();
  const LayerSpec& s = c.layers[j.layer];
  const KvCache::Layer& kv = j.cache->layer(j.src);
  const int hd = s.head_dim, kv_dim = kv.kv_dim;
  const int g = h / (c.n_heads / s.n_kv_heads);
  const bool sliding = s.type == LayerType::kSliding;
  const int64_t pq = j.pos0 + t;
  const float* qv =
      j.q + (static_cast<int64_t>(t) * c.n_heads + h) * hd;          // [hd]
  float* scores = j.buf->attn_scores + thread * j.buf->attn_stride;  // [keys]
  int32_t* keys = j.buf->attn_keys + thread * j.buf->attn_stride;    // [keys]
  const bool f16 = j.cache->type() == KvType::kF16;

  // Committed past: slots with a position before this chunk inside the window.
  // Keys >= 0 are cache slots, keys < 0 encode chunk rows (-1 - row).
  int m = 0;
  const int n_scan = j.cache->ScanSlots(j.src, j.pos0);
  for (int slot = 0; slot < n_scan; ++slot) {
    const int64_t pk = kv.pos[slot];
    if (pk < 0 || pk >= j.pos0 || (sliding && pq - pk >= c.window)) continue;
    const size_t off =
        static_cast<size_t>(slot) * kv_dim + static_cast<size_t>(g) * hd;
    scores[m] =
        f16 ? DotF16(k, qv, static_cast<const uint16_t*>(kv.k) + off, hd)
            : Dot(k, qv, static_cast<const float*>(kv.k) + off, hd);
    keys[m++] = slot;
  }
  for (int r = 0; r <= t; ++r) {
    if (sliding && t - r >= c.window) continue;
    scores[m] =
        Dot(k, qv, j.chunk_k + static_cast<int64_t>(r) * kv_dim + g * hd, hd);
    keys[m++] = -1 - r;
  }
  Softmax(k, scores, m);

  float* o = j.out + (static_cast<int64_t>(t) * c.n_heads + h) * hd;  // [hd]
  std::memset(o, 0, sizeof(float) * hd);
  for (int e = 0; e < m; ++e) {
    if (keys[e] < 0) {
      const int r = -1 - keys[e];
      Axpy(k, scores[e], j.chunk_v + static_cast<int64_t>(r) * kv_dim + g * hd,
           o, hd);
      continue;
    }
    const size_t off =
        static_cast<size_t>(keys[e]) * kv_dim + static_cast<size_t>(g) * hd;
    if (f16) {
      AxpyF16(k, scores[e], static_cast<const uint16_t*>(kv.v) + off, o, hd);
    } else {
      Axpy(k, scores[e], static_cast<const float*>(kv.v) + off, o, hd);
    }
  }
}

}  // namespace

void Attend(const Model& model, const ForwardBuffers& buf, const KvCache& cache,
            ThreadPool* pool, int layer, int src, int T, int64_t pos0,
            const float* q, const float* chunk_k, const float* chunk_v,
            float* out) {
  const AttendJob job{&model, &buf, &cache,  layer,   src, T,
                      pos0,   q,    chunk_k, chunk_v, out};
  const int heads = model.text().n_heads;
  auto run = [&job, heads](int64_t begin, int64_t end, int thread) {
    for (int64_t task = begin; task < end; ++task) {
      AttendOne(job, static_cast<int>(task / heads),
                static_cast<int>(task % heads), thread);
    }
  };
  const int64_t tasks = int64_t{T} * heads;
  // Waking the pool costs microseconds: only worth it with enough (query, key)
  // work.
  const int64_t work = tasks * (cache.ScanSlots(src, pos0) + T) *
                       model.text().layers[layer].head_dim;
  if (pool && pool->size() > 1 && work >= (int64_t{1} << 16)) {
    pool->ParallelFor(tasks, 1, run);
  } else {
    run(0, tasks, 0);
  }
}

}  // namespace edgemma
