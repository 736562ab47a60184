// Tiled bidirectional attention (contracts in attention.h).
//
// One key block of one query row: s = q . K_b^T, then Softmax (the kernel
// subtracts the block max mb, so the max element becomes exp(0) / sum_b and
// the block's exp-sum is sum_b = 1 / p[argmax]); with the row's running max
// m and m' = max(m, mb):
//   o <- o * exp(m - m') + exp(mb - m') * sum_b * (p . V_b)
//   l <- l * exp(m - m') + exp(mb - m') * sum_b
// and at the end out = o / l, the softmax over every key.
#include "core/vision/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace edgemma {
namespace {

struct Work {
  float* qg;    // [kVisionQueryTile, hd] the tile's queries
  float* o;     // [kVisionQueryTile, hd] running unnormalised output
  float* ov;    // [kVisionQueryTile, hd] p . V of the current block
  float* s;     // [kVisionQueryTile, kVisionKeyBlock] scores, then p
  float* m;     // [kVisionQueryTile] running max
  float* l;     // [kVisionQueryTile] running exp-sum
  float* beta;  // [kVisionQueryTile] weight of the current block's p . V
};

Work Carve(float* base, int hd) {
  const int64_t R = kVisionQueryTile;
  Work w;
  w.qg = base;
  w.o = w.qg + R * hd;
  w.ov = w.o + R * hd;
  w.s = w.ov + R * hd;
  w.m = w.s + R * kVisionKeyBlock;
  w.l = w.m + R;
  w.beta = w.l + R;
  return w;
}

struct Job {
  const Kernels* k;
  VisionAttentionShape s;
  float* qo;
  const float* kmat;
  const float* vt;
  int64_t ld_vt;
  float* work;
  int n_tiles;  // query tiles per head
};

// Keys [kb, kb + nk) of KV head g as MatMul weights [nk, hd].
WeightMatrix KeyBlock(const Job& j, int g, int kb, int nk) {
  const int hd = j.s.head_dim;
  WeightMatrix w;
  w.type = DType::kF32;
  w.rows = nk;
  w.cols = hd;
  w.data = j.kmat + (int64_t{kb} * j.s.n_kv_heads + g) * hd;
  w.row_bytes = sizeof(float) * j.s.n_kv_heads * hd;
  return w;
}

// Values of keys [kb, kb + nk) of KV head g, transposed: weights [hd, nk].
WeightMatrix ValueBlock(const Job& j, int g, int kb, int nk) {
  WeightMatrix w;
  w.type = DType::kF32;
  w.rows = j.s.head_dim;
  w.cols = nk;
  w.data = j.vt + int64_t{g} * j.s.head_dim * j.ld_vt + kb;
  w.row_bytes = sizeof(float) * j.ld_vt;
  return w;
}

// Index of the largest of x[n] (n >= 1).
int64_t ArgMax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) best = x[i] > x[best] ? i : best;
  return best;
}

// Query rows [q0, q0 + R) of head h.
void AttendTile(const Job& j, int h, int q0, int R, const Work& w) {
  const Kernels& k = *j.k;
  const int hd = j.s.head_dim, n = j.s.n;
  const int64_t q_stride = int64_t{j.s.n_heads} * hd;
  const int g = h / (j.s.n_heads / j.s.n_kv_heads);
  for (int i = 0; i < R; ++i) {
    std::memcpy(w.qg + int64_t{i} * hd, j.qo + (q0 + i) * q_stride + h * hd,
                sizeof(float) * hd);
    w.m[i] = -std::numeric_limits<float>::infinity();
    w.l[i] = 0.f;
  }
  std::memset(w.o, 0, sizeof(float) * R * hd);
  for (int kb = 0; kb < n; kb += kVisionKeyBlock) {
    const int nk = std::min(kVisionKeyBlock, n - kb);
    MatMul(k, KeyBlock(j, g, kb, nk), w.qg, R, w.s, nullptr, nullptr);
    for (int i = 0; i < R; ++i) {
      float* row = w.s + int64_t{i} * nk;  // [nk] scores, then p
      const int64_t arg = ArgMax(row, nk);
      const float mb = row[arg];
      Softmax(k, row, nk);
      const float sum_b = 1.f / row[arg];
      const float m_new = std::max(w.m[i], mb);
      const float alpha = std::exp(w.m[i] - m_new);
      w.beta[i] = std::exp(mb - m_new) * sum_b;
      Scale(k, w.o + int64_t{i} * hd, hd, alpha);
      w.l[i] = w.l[i] * alpha + w.beta[i];
      w.m[i] = m_new;
    }
    MatMul(k, ValueBlock(j, g, kb, nk), w.s, R, w.ov, nullptr, nullptr);
    for (int i = 0; i < R; ++i) {
      Axpy(k, w.beta[i], w.ov + int64_t{i} * hd, w.o + int64_t{i} * hd, hd);
    }
  }
  for (int i = 0; i < R; ++i) {
    float* out = j.qo + (q0 + i) * q_stride + h * hd;  // [hd]
    std::memcpy(out, w.o + int64_t{i} * hd, sizeof(float) * hd);
    Scale(k, out, hd, 1.f / w.l[i]);
  }
}

void RunTasks(void* ctx, int64_t begin, int64_t end, int thread) {
  const Job& j = *static_cast<const Job*>(ctx);
  const Work w = Carve(
      j.work + thread * VisionAttentionWorkFloats(j.s.head_dim), j.s.head_dim);
  for (int64_t t = begin; t < end; ++t) {
    const int h = static_cast<int>(t / j.n_tiles);
    const int q0 = static_cast<int>(t % j.n_tiles) * kVisionQueryTile;
    AttendTile(j, h, q0, std::min(kVisionQueryTile, j.s.n - q0), w);
  }
}

}  // namespace

int64_t VisionAttentionWorkFloats(int head_dim) {
  const int64_t R = kVisionQueryTile;
  return 3 * R * head_dim + R * kVisionKeyBlock + 3 * R;
}

void BidirectionalAttention(const Kernels& k, ThreadPool* pool,
                            const VisionAttentionShape& s, float* qo,
                            const float* kmat, const float* vt, int64_t ld_vt,
                            float* work) {
  if (s.n <= 0) return;
  Job j{&k, s,     qo,   kmat,
        vt, ld_vt, work, (s.n + kVisionQueryTile - 1) / kVisionQueryTile};
  const int64_t tasks = int64_t{j.n_tiles} * s.n_heads;
  if (pool != nullptr && pool->size() > 1 && tasks > 1) {
    pool->ParallelFor(tasks, 1, RunTasks, &j);
  } else {
    RunTasks(&j, 0, tasks, 0);
  }
}

}  // namespace edgemma
