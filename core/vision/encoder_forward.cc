// The steps of VisionEncoder::Encode() (encoder.cc). Notation as there: n real
// patches, d hidden, H / KV heads of hd, F MLP width, k pooling kernel, N soft
// tokens, R rows of the current chunk.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/nn/blocks.h"
#include "core/vision/attention.h"
#include "core/vision/encoder.h"
#include "core/vision/encoder_internal.h"

namespace edgemma {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

void Clamp(float* x, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], lo), hi);
}

// Gemma4ClippableLinear: y[R, out] = clamp(W clamp(x, in bounds), out
// bounds). The input clamp goes through `tmp` [R, in] so that x stays intact
// (q, k and v share their input). Bounds at +-inf are skipped.
void ClippedProj(const NnContext& nn, const ClippedLinear& l, const float* x,
                 int64_t R, float* y, float* tmp) {
  const WeightMatrix w = VisionMatrix(l.w);
  const float* src = x;
  if (l.in_min > -kInf || l.in_max < kInf) {
    const float lo = l.in_min, hi = l.in_max;
    for (int64_t i = 0; i < R * w.cols; ++i)
      tmp[i] = std::min(std::max(x[i], lo), hi);
    src = tmp;
  }
  Linear(nn, w, src, R, y);
  if (l.out_min > -kInf || l.out_max < kInf)
    Clamp(y, R * w.rows, l.out_min, l.out_max);
}

// x[R, n] += RMSNorm(b[R, n]) * w (the sandwich norm on a branch output).
void AddNormed(const NnContext& nn, float* b, int64_t R, int64_t n,
               const float* w, float eps, float* x) {
  NormRows(nn, b, R, n, w, eps);
  Add(nn.k(), b, x, R * n);
}

}  // namespace

// x = W_in (2 px - 1) + T[0][x_pos] + T[1][y_pos]  (patch embedder, spec 2.2
// and 2.3). The HF patch matrix takes the (dy, dx, c) rows as they are; the
// GGUF conv kernel wants (c, dy, dx).
void VisionEncoder::EmbedPatches(const VisionInput& in, const Grid& g) {
  const VisionBuffers& b = *buf_;
  const VisionDims& v = dims_.vision;
  const VisionWeights& w = weights_.vision();
  const int64_t pp = int64_t{v.patch} * v.patch, pix = 3 * pp, d = v.d;
  const WeightMatrix patch = VisionMatrix(w.patch);
  const WeightMatrix table = VisionMatrix(w.pos);  // [2, pos_size, d] as rows
  WeightMatrix rows = table;
  rows.rows = 2 * int64_t{v.pos_size};
  rows.cols = d;
  rows.row_bytes = table.row_bytes / v.pos_size;
  for (int r0 = 0; r0 < g.n; r0 += kVisionChunkRows) {
    const int R = std::min(kVisionChunkRows, g.n - r0);
    for (int t = 0; t < R; ++t) {
      const float* src = in.patches + (r0 + t) * pix;  // [3pp] (dy, dx, c)
      float* dst = b.in + t * pix;                     // [3pp]
      for (int64_t i = 0; i < pix; ++i) {
        const int64_t j = patch_conv_layout_ ? (i % 3) * pp + i / 3 : i;
        dst[j] = 2.f * (src[i] - 0.5f);
      }
    }
    float* x = b.x + int64_t{r0} * d;  // [R, d]
    Linear(nn_, patch, b.in, R, x);
    for (int t = 0; t < R; ++t) {
      const int32_t* p = in.positions + 2 * (r0 + t);  // (x, y)
      DequantizeRow(rows, p[0], b.gather);
      Add(kernels_, b.gather, x + t * d, d);
      DequantizeRow(rows, v.pos_size + p[1], b.gather);
      Add(kernels_, b.gather, x + t * d, d);
    }
  }
}

// cos/sin of patch t: [x * inv_freq (hd/4), y * inv_freq (hd/4)], angles in
// double (spec 2.7).
void VisionEncoder::RopeTables(const VisionInput& in, const Grid& g) {
  const VisionBuffers& b = *buf_;
  const int half = dims_.vision.head_dim / 2, quarter = half / 2;
  for (int t = 0; t < g.n; ++t) {
    for (int axis = 0; axis < 2; ++axis) {
      const double p = in.positions[2 * t + axis];
      for (int j = 0; j < quarter; ++j) {
        const double angle = p * inv_freq_[j];
        b.cos[int64_t{t} * half + axis * quarter + j] =
            static_cast<float>(std::cos(angle));
        b.sin[int64_t{t} * half + axis * quarter + j] =
            static_cast<float>(std::sin(angle));
      }
    }
  }
}

// One sandwich block (spec 2.5): attention over all patches between two
// chunked passes.
void VisionEncoder::EncoderLayer(int layer, const Grid& g) {
  const VisionBuffers& b = *buf_;
  const VisionDims& v = dims_.vision;
  for (int r0 = 0; r0 < g.n; r0 += kVisionChunkRows)
    AttentionInputs(layer, r0, std::min(g.n, r0 + kVisionChunkRows));
  VisionAttentionShape s{g.n, v.n_heads, v.n_kv_heads, v.head_dim};
  BidirectionalAttention(kernels_, pool_, s, b.q, b.k, b.vt, max_patches_,
                         b.attn_work);  // q <- attention output [n, H*hd]
  for (int r0 = 0; r0 < g.n; r0 += kVisionChunkRows)
    AttentionOutputAndMlp(layer, r0, std::min(g.n, r0 + kVisionChunkRows));
}

// Rows [r0, r1): a = RMS(x); q = RoPE(RMS(CL_q a)), k = RoPE(RMS(CL_k a)),
// v = RMS(CL_v a) per head; v is stored transposed for the P.V products.
void VisionEncoder::AttentionInputs(int layer, int r0, int r1) {
  const VisionBuffers& b = *buf_;
  const VisionDims& v = dims_.vision;
  const VisionLayerWeights& w = weights_.vision().layers[layer];
  const LayerF32& n = norms_[layer];
  const int R = r1 - r0, hd = v.head_dim, half = hd / 2;
  const int64_t d = v.d, QD = int64_t{v.n_heads} * hd,
                KD = int64_t{v.n_kv_heads} * hd;
  float* q = b.q + r0 * QD;                                       // [R, H*hd]
  float* k = b.k + r0 * KD;                                       // [R, KV*hd]
  NormRowsTo(nn_, b.x + r0 * d, R, d, n.ln1.data(), v.eps, b.a);  // [R, d]
  ClippedProj(nn_, w.q, b.a, R, q, b.in);
  ClippedProj(nn_, w.k, b.a, R, k, b.in);
  ClippedProj(nn_, w.v, b.a, R, b.v, b.in);  // [R, KV*hd]
  NormRopeHeads(nn_, q, R, v.n_heads, hd, n.q_norm.data(), v.eps, nullptr,
                nullptr);
  NormRopeHeads(nn_, k, R, v.n_kv_heads, hd, n.k_norm.data(), v.eps, nullptr,
                nullptr);
  NormRopeHeads(nn_, b.v, R, v.n_kv_heads, hd, nullptr, v.eps, nullptr,
                nullptr);
  for (int t = 0; t < R; ++t) {
    // 2-D RoPE: channels [0, hd/2) by the column, [hd/2, hd) by the row.
    const float* c = b.cos + int64_t{r0 + t} * half;  // [hd/2]
    const float* s = b.sin + int64_t{r0 + t} * half;
    auto rope = [&](float* head) {
      RopeNeoxCosSin(kernels_, head, half, c, s);
      RopeNeoxCosSin(kernels_, head + half, half, c + half / 2, s + half / 2);
    };
    for (int h = 0; h < v.n_heads; ++h) rope(q + t * QD + h * hd);
    for (int h = 0; h < v.n_kv_heads; ++h) rope(k + t * KD + h * hd);
    for (int64_t ch = 0; ch < KD; ++ch)
      b.vt[ch * max_patches_ + r0 + t] = b.v[t * KD + ch];
  }
}

// Rows [r0, r1): x += RMS(CL_o attn); x += RMS(CL_down(gelu(CL_gate m) *
// CL_up m)) with m = RMS(x).
void VisionEncoder::AttentionOutputAndMlp(int layer, int r0, int r1) {
  const VisionBuffers& b = *buf_;
  const VisionDims& v = dims_.vision;
  const VisionLayerWeights& w = weights_.vision().layers[layer];
  const LayerF32& n = norms_[layer];
  const int R = r1 - r0;
  const int64_t d = v.d, QD = int64_t{v.n_heads} * v.head_dim, F = v.d_ff;
  float* x = b.x + r0 * d;                                // [R, d]
  ClippedProj(nn_, w.o, b.q + r0 * QD, R, b.proj, b.in);  // [R, d]
  AddNormed(nn_, b.proj, R, d, n.attn_post.data(), v.eps, x);
  NormRowsTo(nn_, x, R, d, n.ln2.data(), v.eps, b.a);  // [R, d]
  ClippedProj(nn_, w.gate, b.a, R, b.gate, b.in);      // [R, F]
  ClippedProj(nn_, w.up, b.a, R, b.up, b.in);          // [R, F]
  GatedGelu(nn_, b.gate, b.up, R * F);                 // [R, F]
  ClippedProj(nn_, w.down, b.gate, R, b.proj, b.in);   // [R, d]
  AddNormed(nn_, b.proj, R, d, n.ffn_post.data(), v.eps, x);
}

// pooled[cell] = mean of its k x k patches (cells in raster order over the
// pooled grid), times sqrt(d); then (pooled - std_bias) * std_scale when the
// config standardizes (spec 3).
void VisionEncoder::PoolAndScale(const VisionInput& in, const Grid& g) {
  const VisionBuffers& b = *buf_;
  const VisionDims& v = dims_.vision;
  const int64_t d = v.d;
  const int k = v.pool, cells_per_row = g.wp / k;
  std::memset(b.pooled, 0, sizeof(float) * g.n_soft * d);
  for (int t = 0; t < g.n; ++t) {
    const int32_t* p = in.positions + 2 * t;  // (x, y)
    const int64_t cell = int64_t{p[1] / k} * cells_per_row + p[0] / k;
    Add(kernels_, b.x + t * d, b.pooled + cell * d, d);
  }
  Scale(kernels_, b.pooled, g.n_soft * d, 1.f / static_cast<float>(k * k));
  Scale(kernels_, b.pooled, g.n_soft * d,
        static_cast<float>(std::sqrt(static_cast<double>(d))));
  if (!v.standardize) return;
  for (int c = 0; c < g.n_soft; ++c) {
    float* row = b.pooled + c * d;  // [d]
    for (int64_t i = 0; i < d; ++i)
      row[i] = (row[i] - std_bias_[i]) * std_scale_[i];
  }
}

// out = W_proj RMS(pooled) (Gemma4MultimodalEmbedder, no norm weight, spec
// 4.1). The pooled rows are normed in place.
void VisionEncoder::EmbedIntoText(const Grid& g, float* out) {
  const VisionBuffers& b = *buf_;
  const VisionDims& v = dims_.vision;
  const WeightMatrix proj = VisionMatrix(weights_.vision().proj);
  NormRows(nn_, b.pooled, g.n_soft, v.d, nullptr, v.eps);
  for (int r0 = 0; r0 < g.n_soft; r0 += kVisionChunkRows) {
    const int R = std::min(kVisionChunkRows, g.n_soft - r0);
    Linear(nn_, proj, b.pooled + int64_t{r0} * v.d, R,
           out + int64_t{r0} * dims_.text_d);
  }
}

}  // namespace edgemma
