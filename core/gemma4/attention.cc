// Scaled-dot-product attention of one layer over the committed cache plus the
// current chunk. Scale 1.0 (q/k are RMS-normed instead), no softcap, GQA (query
// head h reads KV head h / (n_heads / n_kv_heads)). Masks (spec 4.2): key
// position pk visible to query position pq iff pk <= pq, and on sliding layers
// also pq - pk < window.
//
// Per KV head g, the query rows (token t, head j of the group) form a matrix;
// per tile of those rows
//   scores = Q . K^T  (tiled MatMul; K = cache slots, then chunk rows, viewed
//                      as f32/f16 weight rows)
//   P      = softmax(mask(scores))   row-wise, masked keys get exactly 0
//   out    = P . V    (MatMul over the cache's transposed V for the slots,
//                      plus the chunk rows key by key)
// Key columns: [0, n_scan) cache slots (ring order), then chunk rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/gemma4/forward.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

// Query rows (token, head) per attention task.
constexpr int kTileRows = 64;

// Offsets of one thread's work area (floats).
struct WorkLayout {
  int64_t qg, o, sp, sc, row, total;
};

WorkLayout Layout(int max_hd, int ctx, int max_batch) {
  WorkLayout w{};
  const int64_t R = kTileRows;
  w.qg = 0;                      // [R, max_hd] gathered queries
  w.o = w.qg + R * max_hd;       // [R, max_hd] outputs
  w.sp = w.o + R * max_hd;       // [R, ctx] scores, then probs, of cache slots
  w.sc = w.sp + R * ctx;         // [R, max_batch] same for chunk rows
  w.row = w.sc + R * max_batch;  // [ctx + max_batch] one row's softmax
  w.total = w.row + int64_t{ctx} + max_batch;
  return w;
}

struct AttendJob {
  const Model* model;
  const ForwardBuffers* buf;
  const KvCache* cache;
  int layer, src, T, g;
  int64_t pos0;
  int n_scan;            // cache slots scanned
  const float* q;        // [T, n_heads * hd]
  const float* chunk_k;  // [T, kv_dim]
  const float* chunk_v;  // [T, kv_dim]
  float* out;            // [T, n_heads * hd]
};

// Rows [0, rows) of KV head g of a [rows, kv_dim] matrix as MatMul weights
// [rows, hd].
WeightMatrix HeadRows(const void* base, bool f16, int64_t rows, int hd,
                      int kv_dim, int g) {
  const size_t elem = f16 ? 2 : 4;
  WeightMatrix w;
  w.type = f16 ? DType::kF16 : DType::kF32;
  w.rows = rows;
  w.cols = hd;
  w.data = static_cast<const uint8_t*>(base) + elem * g * hd;
  w.row_bytes = elem * kv_dim;
  return w;
}

bool SlotVisible(int64_t pk, int64_t pos0, int64_t pq, bool sliding,
                 int window) {
  return pk >= 0 && pk < pos0 && !(sliding && pq - pk >= window);
}

// The cache's transposed V of KV head g as MatMul weights [hd, n_scan].
WeightMatrix HeadVt(const KvCache& cache, int src, int g, int n_scan) {
  const KvCache::Layer& kv = cache.layer(src);
  const size_t elem = cache.elem_bytes();
  const size_t row_bytes = elem * static_cast<size_t>(kv.capacity);
  WeightMatrix w;
  w.type = cache.type() == KvType::kF16 ? DType::kF16 : DType::kF32;
  w.rows = kv.head_dim;
  w.cols = n_scan;
  w.data = static_cast<const uint8_t*>(kv.v) +
           row_bytes * static_cast<size_t>(g) * kv.head_dim;
  w.row_bytes = row_bytes;
  return w;
}

// o[R, hd] += pc[R, nck] . chunk V rows [nck, hd], key by key.
void AddChunkV(const AttendJob& j, const float* pc, int64_t R, int nck,
               float* o) {
  const Kernels& k = j.model->kernels();
  const int kv_dim = j.cache->layer(j.src).kv_dim;
  const int hd = j.model->text().layers[j.layer].head_dim;
  for (int r = 0; r < nck; ++r) {
    const float* v = j.chunk_v + int64_t{r} * kv_dim + int64_t{j.g} * hd;
    for (int64_t i = 0; i < R; ++i) {
      const float a = pc[i * nck + r];
      if (a != 0.f) Axpy(k, a, v, o + i * hd, hd);
    }
  }
}

// Softmax over the visible keys of query row (token t), masked keys exactly 0,
// in place over its raw scores sp[n_scan] (cache slots) and sc[nck] (chunk
// rows). row: [n_scan + nck] scratch.
void MaskedSoftmax(const AttendJob& j, int t, float* sp, float* sc, int nck,
                   float* row) {
  const TextConfig& c = j.model->text();
  const bool sliding = c.layers[j.layer].type == LayerType::kSliding;
  const int32_t* pos = j.cache->layer(j.src).pos;
  const int64_t pq = j.pos0 + t;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (int s = 0; s < j.n_scan; ++s) {
    row[s] =
        SlotVisible(pos[s], j.pos0, pq, sliding, c.window) ? sp[s] : neg_inf;
  }
  for (int r = 0; r < nck; ++r) {
    const bool visible = r <= t && !(sliding && t - r >= c.window);
    row[j.n_scan + r] = visible ? sc[r] : neg_inf;
  }
  Softmax(j.model->kernels(), row, j.n_scan + nck);
  std::memcpy(sp, row, sizeof(float) * j.n_scan);
  std::memcpy(sc, row + j.n_scan, sizeof(float) * nck);
}

// Query rows [r0, r1) of KV head j.g; row i = token i / gs, head g * gs + i %
// gs.
void AttendTile(const AttendJob& j, int64_t r0, int64_t r1, int thread) {
  const TextConfig& c = j.model->text();
  const Kernels& k = j.model->kernels();
  const ForwardBuffers& b = *j.buf;
  const KvCache::Layer& kv = j.cache->layer(j.src);
  const int hd = c.layers[j.layer].head_dim, kv_dim = kv.kv_dim;
  const int gs = c.n_heads / c.layers[j.layer].n_kv_heads;
  const WorkLayout w = Layout(b.attn_max_hd, b.attn_ctx, b.max_batch);
  float* work = b.attn_work + thread * w.total;
  const int64_t R = r1 - r0;
  const int nck = static_cast<int>((r1 - 1) / gs) + 1;  // chunk keys needed
  float* qg = work + w.qg;                              // [R, hd]
  float* o = work + w.o;                                // [R, hd]
  float* sp = work + w.sp;                              // [R, n_scan]
  float* sc = work + w.sc;                              // [R, nck]

  auto head_row = [&](int64_t i) {  // offset of row i in q / out
    return (i / gs * c.n_heads + int64_t{j.g} * gs + i % gs) * hd;
  };
  for (int64_t i = r0; i < r1; ++i) {
    std::memcpy(qg + (i - r0) * hd, j.q + head_row(i), sizeof(float) * hd);
  }
  const bool f16 = j.cache->type() == KvType::kF16;
  MatMul(k, HeadRows(kv.k, f16, j.n_scan, hd, kv_dim, j.g), qg, R, sp, nullptr,
         nullptr);
  MatMul(k, HeadRows(j.chunk_k, false, nck, hd, kv_dim, j.g), qg, R, sc,
         nullptr, nullptr);
  for (int64_t i = 0; i < R; ++i) {
    MaskedSoftmax(j, static_cast<int>((r0 + i) / gs), sp + i * j.n_scan,
                  sc + i * nck, nck, work + w.row);
  }
  MatMul(k, HeadVt(*j.cache, j.src, j.g, j.n_scan), sp, R, o, nullptr,
         nullptr);  // o = P_slots . V_slots, [R, hd]
  AddChunkV(j, sc, R, nck, o);
  for (int64_t i = r0; i < r1; ++i) {
    std::memcpy(j.out + head_row(i), o + (i - r0) * hd, sizeof(float) * hd);
  }
}

}  // namespace

int64_t AttentionWorkFloats(int max_head_dim, int ctx, int max_batch) {
  return Layout(max_head_dim, ctx, max_batch).total;
}

void Attend(const Model& model, const ForwardBuffers& buf, const KvCache& cache,
            ThreadPool* pool, int layer, int src, int T, int64_t pos0,
            const float* q, const float* chunk_k, const float* chunk_v,
            float* out) {
  const LayerSpec& s = model.text().layers[layer];
  const int gs = model.text().n_heads / s.n_kv_heads;
  const int n_scan = cache.ScanSlots(src, pos0);
  // Waking the pool costs microseconds: only worth it with enough (query, key)
  // work.
  const int64_t work =
      int64_t{T} * model.text().n_heads * (n_scan + T) * s.head_dim;
  const bool parallel = pool && pool->size() > 1 && work >= (int64_t{1} << 18);
  const int threads = parallel ? pool->size() : 1;
  const int64_t rows = int64_t{T} * gs;  // query rows per KV head
  const int64_t tile =
      std::min<int64_t>(kTileRows, (rows + threads - 1) / threads);
  const int64_t tiles = (rows + tile - 1) / tile;
  for (int g = 0; g < s.n_kv_heads; ++g) {
    const AttendJob job{&model, &buf,   &cache, layer,   src,     T,  g,
                        pos0,   n_scan, q,      chunk_k, chunk_v, out};
    auto attend = [&job, tile, rows](int64_t t0, int64_t t1, int thread) {
      for (int64_t t = t0; t < t1; ++t) {
        AttendTile(job, t * tile, std::min(rows, (t + 1) * tile), thread);
      }
    };
    if (parallel) {
      pool->ParallelFor(tiles, 1, attend);
    } else {
      attend(0, tiles, 0);
    }
  }
}

}  // namespace edgemma
