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
//   out    = P . V    (key by key: each V row is read and converted once per
//                      tile, then added to every row that sees it)
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
  int64_t qg, o, v, sp, sc, p, total;
};

WorkLayout Layout(int max_hd, int ctx, int max_batch) {
  WorkLayout w{};
  const int64_t R = kTileRows;
  w.qg = 0;                    // [R, max_hd] gathered queries
  w.o = w.qg + R * max_hd;     // [R, max_hd] outputs
  w.v = w.o + R * max_hd;      // [max_hd] one V row in f32
  w.sp = w.v + max_hd;         // [R, ctx] scores vs cache slots
  w.sc = w.sp + R * ctx;       // [R, max_batch] vs chunk rows
  w.p = w.sc + R * max_batch;  // [R, ctx + max_batch] probs
  w.total = w.p + R * (int64_t{ctx} + max_batch);
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

// o[R, hd] = P[R, L] . V[L, hd] for the tile's keys. v: [hd] scratch.
void AccumulateV(const AttendJob& j, const float* p, int64_t R, int64_t L,
                 float* v, float* o) {
  const Kernels& k = j.model->kernels();
  const KvCache::Layer& kv = j.cache->layer(j.src);
  const int hd = j.model->text().layers[j.layer].head_dim;
  const bool f16 = j.cache->type() == KvType::kF16;
  std::memset(o, 0, sizeof(float) * R * hd);
  for (int64_t e = 0; e < L; ++e) {
    bool used = false;
    for (int64_t i = 0; i < R && !used; ++i) used = p[i * L + e] != 0.f;
    if (!used) continue;   // masked for the whole tile (or an empty slot)
    const float* row = v;  // [hd]
    if (e >= j.n_scan) {
      row = j.chunk_v + (e - j.n_scan) * kv.kv_dim + int64_t{j.g} * hd;
    } else {
      const size_t off =
          static_cast<size_t>(e) * kv.kv_dim + static_cast<size_t>(j.g) * hd;
      if (f16) {
        ConvertF16ToF32(static_cast<const uint16_t*>(kv.v) + off, v, hd);
      } else {
        row = static_cast<const float*>(kv.v) + off;
      }
    }
    for (int64_t i = 0; i < R; ++i) {
      const float a = p[i * L + e];
      if (a != 0.f) Axpy(k, a, row, o + i * hd, hd);
    }
  }
}

// Softmax over the visible keys of query row i (token t) into p[L], masked
// keys exactly 0. sp [n_scan] and sc [nck] are the row's raw scores.
void MaskedSoftmax(const AttendJob& j, int t, const float* sp, const float* sc,
                   int nck, float* p) {
  const TextConfig& c = j.model->text();
  const bool sliding = c.layers[j.layer].type == LayerType::kSliding;
  const int32_t* pos = j.cache->layer(j.src).pos;
  const int64_t pq = j.pos0 + t;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (int s = 0; s < j.n_scan; ++s) {
    p[s] = SlotVisible(pos[s], j.pos0, pq, sliding, c.window) ? sp[s] : neg_inf;
  }
  for (int r = 0; r < nck; ++r) {
    const bool visible = r <= t && !(sliding && t - r >= c.window);
    p[j.n_scan + r] = visible ? sc[r] : neg_inf;
  }
  Softmax(j.model->kernels(), p, j.n_scan + nck);
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
  const int64_t L = j.n_scan + nck;                     // key columns
  float* qg = work + w.qg;                              // [R, hd]
  float* o = work + w.o;                                // [R, hd]
  float* sp = work + w.sp;                              // [R, n_scan]
  float* sc = work + w.sc;                              // [R, nck]
  float* p = work + w.p;                                // [R, L]

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
                  sc + i * nck, nck, p + i * L);
  }
  AccumulateV(j, p, R, L, work + w.v, o);
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
