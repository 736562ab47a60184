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
//                      plus AccumRows over the chunk rows)
// Key columns: cache slots [s0, s1) (ring order), then chunk rows. The slot
// range is the smallest that holds every position some row of the tile sees:
// [0, pos0) on full layers; on a sliding layer, while its ring has not wrapped
// within that window, the slots of positions [pos0 + ta - window + 1, pos0)
// for the tile's first token ta, else the whole ring. Before the window fills,
// a prefill chunk thus skips the empty slots instead of masking them.
//
// Decode (all query rows of the step fit one tile) splits the keys instead of
// the query rows across threads (as flash-decoding does): part p takes a
// contiguous range of cache slots (part 0 also the chunk rows) for every query
// row, and records per row its normalized output o_p, the max m_p of its
// visible scores and its exp-sum s_p. The caller then merges the parts:
//   out = sum_p w_p o_p / sum_p w_p,  w_p = exp(m_p - m) s_p,  m = max_p m_p,
// which is the softmax over all keys. Splitting the rows would make every
// thread stream the whole K/V of the layer; splitting the keys streams it once.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "core/gemma4/forward.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

// Query rows (token, head) per attention task.
constexpr int kTileRows = 64;

// Offsets of one thread's work area (floats).
// Cache slots per key part are a multiple of this (aligned K/V slices).
constexpr int kPartAlign = 16;

struct WorkLayout {
  int64_t qg, o, sp, sc, row, po, stat, total;
};

WorkLayout Layout(int max_hd, int ctx, int max_batch) {
  WorkLayout w{};
  const int64_t R = kTileRows;
  w.qg = 0;                      // [R, max_hd] gathered queries
  w.o = w.qg + R * max_hd;       // [R, max_hd] outputs
  w.sp = w.o + R * max_hd;       // [R, ctx] scores, then probs, of cache slots
  w.sc = w.sp + R * ctx;         // [R, max_batch] same for chunk rows
  w.row = w.sc + R * max_batch;  // [ctx + max_batch] one row's softmax
  w.po = w.row + int64_t{ctx} + max_batch;  // [R, max_hd] a key part's output
  w.stat = w.po + R * max_hd;               // [R, 2] its (max, exp-sum) per row
  w.total = w.stat + 2 * R;
  return w;
}

struct AttendJob {
  const Model* model;
  const NnContext* nn;
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

// o[R, hd] += pc[R, nck] . chunk V rows [nck, hd] (one AccumRows pass: the
// reduction runs over at most a chunk's keys, too short for MatMul's
// dot-product tiles).
void AddChunkV(const AttendJob& j, const float* pc, int64_t R, int nck,
               float* o) {
  const int kv_dim = j.cache->layer(j.src).kv_dim;
  const int hd = j.model->text().layers[j.layer].head_dim;
  AccumRows(j.nn->k(), j.chunk_v + int64_t{j.g} * hd, kv_dim, nck, hd, pc, nck,
            R, o, hd);
}

// row[ns + nck] = the raw scores of query row (token t) over cache slots
// [s0, s0 + ns) (sp[ns]) and chunk rows [0, nck) (sc[nck]), -inf where masked.
// A slot is visible iff its position is in [first, pos0) (first >= 0 also
// rejects empty slots, -1): int32 compares, so the loop vectorises.
void MaskRow(const AttendJob& j, int t, int s0, int ns, const float* sp,
             const float* sc, int nck, float* row) {
  const TextConfig& c = j.model->text();
  const bool sliding = c.layers[j.layer].type == LayerType::kSliding;
  const int32_t* pos = j.cache->layer(j.src).pos + s0;  // [ns]
  const int64_t pq = j.pos0 + t;
  const auto first = static_cast<int32_t>(
      sliding ? std::max<int64_t>(0, pq - c.window + 1) : 0);
  const auto end = static_cast<int32_t>(j.pos0);
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (int s = 0; s < ns; ++s) {
    row[s] = pos[s] >= first && pos[s] < end ? sp[s] : neg_inf;
  }
  for (int r = 0; r < nck; ++r) {
    const bool visible = r <= t && !(sliding && t - r >= c.window);
    row[ns + r] = visible ? sc[r] : neg_inf;
  }
}

// Softmax of one query row (token t) that sees at least one of its keys (cache
// slots [s0, s0 + ns) and chunk rows [0, nck)), in place over sp[ns], sc[nck].
void TileSoftmax(const AttendJob& j, int t, int s0, int ns, float* sp,
                 float* sc, int nck, float* row) {
  MaskRow(j, t, s0, ns, sp, sc, nck, row);
  Softmax(j.nn->k(), row, ns + nck);
  std::memcpy(sp, row, sizeof(float) * ns);
  std::memcpy(sc, row + ns, sizeof(float) * nck);
}

// Softmax of one query row over the visible keys of a part: cache slots
// [s0, s1) (raw scores sp[ns]) and, when nck > 0, the chunk rows (sc[nck]), in
// place. Returns (max visible score, exp-sum); (-inf, 0) and all-zero
// probabilities when nothing is visible. row: [ns + nck] scratch.
std::pair<float, float> PartSoftmax(const AttendJob& j, int t, int s0, int ns,
                                    float* sp, float* sc, int nck, float* row) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  MaskRow(j, t, s0, ns, sp, sc, nck, row);
  const int n = ns + nck;
  int best = -1;
  for (int i = 0; i < n; ++i) {
    if (row[i] != neg_inf && (best < 0 || row[i] > row[best])) best = i;
  }
  if (best < 0) {
    std::fill(sp, sp + ns, 0.f);
    std::fill(sc, sc + nck, 0.f);
    return {neg_inf, 0.f};
  }
  const float max = row[best];
  Softmax(j.nn->k(), row, n);
  std::memcpy(sp, row, sizeof(float) * ns);
  std::memcpy(sc, row + ns, sizeof(float) * nck);
  // The largest key has exp(0) = 1, so its probability is 1 / exp-sum.
  return {max, 1.0f / row[best]};
}

// Cache slots [*s0, *s1) of a tile whose first token is ta (see the top).
void TileSlots(const AttendJob& j, int64_t ta, int* s0, int* s1) {
  const TextConfig& c = j.model->text();
  const KvCache::Layer& kv = j.cache->layer(j.src);
  *s0 = 0;
  *s1 = j.n_scan;
  if (!kv.ring || c.layers[j.layer].type != LayerType::kSliding) return;
  const int64_t lo = std::max<int64_t>(0, j.pos0 + ta - c.window + 1);
  if (lo >= j.pos0) {  // only chunk rows are visible
    *s1 = 0;
    return;
  }
  const int first = j.cache->Slot(j.src, lo);
  const int64_t n = j.pos0 - lo;
  if (first + n <= kv.capacity) {
    *s0 = first;
    *s1 = static_cast<int>(first + n);
  }
}

// Query rows [r0, r1) of KV head j.g; row i = token i / gs, head g * gs + i %
// gs.
void AttendTile(const AttendJob& j, int64_t r0, int64_t r1, int thread) {
  const TextConfig& c = j.model->text();
  const Kernels& k = j.nn->k();
  const ForwardBuffers& b = *j.buf;
  const KvCache::Layer& kv = j.cache->layer(j.src);
  const int hd = c.layers[j.layer].head_dim, kv_dim = kv.kv_dim;
  const int gs = c.n_heads / c.layers[j.layer].n_kv_heads;
  const WorkLayout w = Layout(b.attn_max_hd, b.attn_ctx, b.max_batch);
  float* work = b.attn_work + thread * w.total;
  const int64_t R = r1 - r0;
  const int nck = static_cast<int>((r1 - 1) / gs) + 1;  // chunk keys needed
  int s0 = 0, s1 = 0;
  TileSlots(j, r0 / gs, &s0, &s1);
  const int ns = s1 - s0;
  float* qg = work + w.qg;  // [R, hd]
  float* o = work + w.o;    // [R, hd]
  float* sp = work + w.sp;  // [R, ns]
  float* sc = work + w.sc;  // [R, nck]

  auto head_row = [&](int64_t i) {  // offset of row i in q / out
    return (i / gs * c.n_heads + int64_t{j.g} * gs + i % gs) * hd;
  };
  for (int64_t i = r0; i < r1; ++i) {
    std::memcpy(qg + (i - r0) * hd, j.q + head_row(i), sizeof(float) * hd);
  }
  const bool f16 = j.cache->type() == KvType::kF16;
  const size_t elem = j.cache->elem_bytes();
  if (ns > 0) {
    const void* k0 = static_cast<const uint8_t*>(kv.k) + elem * s0 * kv_dim;
    MatMul(k, HeadRows(k0, f16, ns, hd, kv_dim, j.g), qg, R, sp, nullptr,
           nullptr);  // sp [R, ns]
  }
  MatMul(k, HeadRows(j.chunk_k, false, nck, hd, kv_dim, j.g), qg, R, sc,
         nullptr, nullptr);  // sc [R, nck]
  for (int64_t i = 0; i < R; ++i) {
    TileSoftmax(j, static_cast<int>((r0 + i) / gs), s0, ns, sp + i * ns,
                sc + i * nck, nck, work + w.row);
  }
  if (ns > 0) {
    WeightMatrix vt = HeadVt(*j.cache, j.src, j.g, ns);
    vt.data = static_cast<const uint8_t*>(vt.data) +
              elem * s0;  // columns [s0, s1) of the transposed V
    MatMul(k, vt, sp, R, o, nullptr, nullptr);  // o = P_slots . V_slots
  } else {
    std::fill(o, o + R * hd, 0.f);
  }
  AddChunkV(j, sc, R, nck, o);
  for (int64_t i = r0; i < r1; ++i) {
    std::memcpy(j.out + head_row(i), o + (i - r0) * hd, sizeof(float) * hd);
  }
}

// Key part [s0, s1) of the cache (part 0 adds the chunk rows) for every query
// row of KV head j.g: normalized output into po, (max, exp-sum) into stat, both
// indexed like `out` ([T, n_heads] rows).
void AttendPart(const AttendJob& j, int s0, int s1, bool with_chunk, int thread,
                float* po, float* stat) {
  const TextConfig& c = j.model->text();
  const Kernels& k = j.nn->k();
  const ForwardBuffers& b = *j.buf;
  const KvCache::Layer& kv = j.cache->layer(j.src);
  const int hd = c.layers[j.layer].head_dim, kv_dim = kv.kv_dim;
  const int gs = c.n_heads / c.layers[j.layer].n_kv_heads;
  const WorkLayout w = Layout(b.attn_max_hd, b.attn_ctx, b.max_batch);
  float* work = b.attn_work + thread * w.total;
  const int64_t R = int64_t{j.T} * gs;  // query rows of this KV head
  const int ns = s1 - s0, nck = with_chunk ? j.T : 0;
  float* qg = work + w.qg;          // [R, hd]
  float* o = work + w.o;            // [R, hd]
  float* sp = work + w.sp;          // [R, ns]
  float* sc = work + w.sc;          // [R, nck]
  auto head_row = [&](int64_t i) {  // row of query row i in [T, n_heads]
    return i / gs * c.n_heads + int64_t{j.g} * gs + i % gs;
  };
  for (int64_t i = 0; i < R; ++i) {
    std::memcpy(qg + i * hd, j.q + head_row(i) * hd, sizeof(float) * hd);
  }
  const bool f16 = j.cache->type() == KvType::kF16;
  const size_t elem = j.cache->elem_bytes();
  if (ns > 0) {
    const void* k0 = static_cast<const uint8_t*>(kv.k) + elem * s0 * kv_dim;
    MatMul(k, HeadRows(k0, f16, ns, hd, kv_dim, j.g), qg, R, sp, nullptr,
           nullptr);  // sp [R, ns]
  }
  if (nck > 0) {
    MatMul(k, HeadRows(j.chunk_k, false, nck, hd, kv_dim, j.g), qg, R, sc,
           nullptr, nullptr);  // sc [R, nck]
  }
  for (int64_t i = 0; i < R; ++i) {
    const auto [max, sum] =
        PartSoftmax(j, static_cast<int>(i / gs), s0, ns, sp + i * ns,
                    sc + i * nck, nck, work + w.row);
    stat[2 * head_row(i)] = max;
    stat[2 * head_row(i) + 1] = sum;
  }
  if (ns > 0) {
    WeightMatrix vt = HeadVt(*j.cache, j.src, j.g, ns);
    vt.data = static_cast<const uint8_t*>(vt.data) +
              elem * s0;  // columns [s0, s1) of the transposed V
    MatMul(k, vt, sp, R, o, nullptr, nullptr);  // o [R, hd]
  } else {
    std::fill(o, o + R * hd, 0.f);
  }
  if (nck > 0) AddChunkV(j, sc, R, nck, o);
  for (int64_t i = 0; i < R; ++i) {
    std::memcpy(po + head_row(i) * hd, o + i * hd, sizeof(float) * hd);
  }
}

// out rows [T, n_heads] = the parts' outputs weighted by exp(m_p - m) s_p.
void MergeParts(const Model& model, const NnContext& nn,
                const ForwardBuffers& buf, int parts, int T, int hd,
                float* out) {
  const Kernels& k = nn.k();
  const WorkLayout w = Layout(buf.attn_max_hd, buf.attn_ctx, buf.max_batch);
  const int64_t rows = int64_t{T} * model.text().n_heads;
  for (int64_t r = 0; r < rows; ++r) {
    float m = -std::numeric_limits<float>::infinity();
    for (int p = 0; p < parts; ++p) {
      m = std::max(m, buf.attn_work[p * w.total + w.stat + 2 * r]);
    }
    float* y = out + r * hd;
    std::fill(y, y + hd, 0.f);
    float z = 0.f;
    for (int p = 0; p < parts; ++p) {
      const float* stat = buf.attn_work + p * w.total + w.stat + 2 * r;
      if (stat[1] == 0.f) continue;  // nothing visible in this part
      const float wp = std::exp(stat[0] - m) * stat[1];
      Axpy(k, wp, buf.attn_work + p * w.total + w.po + r * hd, y, hd);
      z += wp;
    }
    Scale(k, y, hd, 1.0f / z);  // z > 0: a query always sees its own key
  }
}

// Decode: the cache slots split into `parts` key ranges, one per thread.
void AttendSplitKeys(const AttendJob& base, ThreadPool* pool, int parts,
                     int n_kv_heads, int hd, float* out) {
  const ForwardBuffers& b = *base.buf;
  const WorkLayout w = Layout(b.attn_max_hd, b.attn_ctx, b.max_batch);
  auto bound = [&](int p) {
    const int64_t s = int64_t{base.n_scan} * p / parts;
    return p == parts ? base.n_scan
                      : static_cast<int>(s / kPartAlign * kPartAlign);
  };
  auto part = [&](int64_t p0, int64_t p1, int thread) {
    for (int64_t p = p0; p < p1; ++p) {
      const int ip = static_cast<int>(p);
      float* area = b.attn_work + p * w.total;
      for (int g = 0; g < n_kv_heads; ++g) {
        AttendJob j = base;
        j.g = g;
        AttendPart(j, bound(ip), bound(ip + 1), ip == 0, thread, area + w.po,
                   area + w.stat);
      }
    }
  };
  pool->ParallelFor(parts, 1, part);
  MergeParts(*base.model, *base.nn, b, parts, base.T, hd, out);
}

}  // namespace

int64_t AttentionWorkFloats(int max_head_dim, int ctx, int max_batch) {
  return Layout(max_head_dim, ctx, max_batch).total;
}

void Attend(const Model& model, const NnContext& nn, const ForwardBuffers& buf,
            const KvCache& cache, const ForwardOptions& opt, int layer, int src,
            int T, int64_t pos0, const float* q, const float* chunk_k,
            const float* chunk_v, float* out) {
  ThreadPool* pool = nn.pool;
  const LayerSpec& s = model.text().layers[layer];
  const int gs = model.text().n_heads / s.n_kv_heads;
  const int n_scan = cache.ScanSlots(src, pos0);
  // Waking the pool costs microseconds: only worth it with enough (query, key)
  // work.
  const int64_t work =
      int64_t{T} * model.text().n_heads * (n_scan + T) * s.head_dim;
  const bool parallel =
      pool && pool->size() > 1 && work >= opt.attn_parallel_min_work;
  const int threads = parallel ? pool->size() : 1;
  if (parallel && int64_t{T} * model.text().n_heads <= kTileRows) {
    const AttendJob job{&model, &nn,  &buf,   &cache, layer,   src,     T,
                        0,      pos0, n_scan, q,      chunk_k, chunk_v, out};
    AttendSplitKeys(job, pool, threads, s.n_kv_heads, s.head_dim, out);
    return;
  }
  const int64_t rows = int64_t{T} * gs;  // query rows per KV head
  const int64_t tile =
      std::min<int64_t>(kTileRows, (rows + threads - 1) / threads);
  const int64_t tiles = (rows + tile - 1) / tile;
  for (int g = 0; g < s.n_kv_heads; ++g) {
    const AttendJob job{&model, &nn,  &buf,   &cache, layer,   src,     T,
                        g,      pos0, n_scan, q,      chunk_k, chunk_v, out};
    // Last tiles first: causal masking gives them the most keys, and the
    // pool hands out tiles dynamically.
    auto attend = [&job, tile, rows, tiles](int64_t t0, int64_t t1,
                                            int thread) {
      for (int64_t t = tiles - 1 - t0; t > tiles - 1 - t1; --t) {
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
