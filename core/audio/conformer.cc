// One Conformer layer of the Gemma 4 audio tower, streamed (spec 2.3-2.5,
// reference gemma4ref/audio.py _conformer_layer): macaron FFN, chunked local
// self-attention with relative-position bias and logit cap, light conv with a
// causal depthwise kernel, second FFN, output norm.
#include "core/audio/conformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/nn/blocks.h"
#include "quant/simd/exp_poly.h"

namespace edgemma {
namespace {

constexpr float kNormEps = 1e-6f;  // FFN / attention / output norms (P9)

// exp(x) with the branch-free polynomial of quant/simd/exp_poly.h (about 1 ulp;
// clamped to [kExpLo, kExpHi]), written so that the compiler vectorizes the
// loops that call it (rounding by the 1.5 * 2^23 trick, no libm call).
inline float ExpPoly(float x) {
  using namespace exp_poly;
  x = std::min(std::max(x, kExpLo), kExpHi);
  constexpr float kRound = 12582912.f;  // 1.5 * 2^23
  const float n = (x * kLog2e + kRound) - kRound;
  const float r = x - n * kLn2Hi - n * kLn2Lo;
  const float p = ((((kP0 * r + kP1) * r + kP2) * r + kP3) * r + kP4) * r + kP5;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return (1.f + r + r * r * p) * scale;
}

inline float Sigmoid(float x) { return 1.f / (1.f + ExpPoly(-x)); }

void Activation(const Kernels& k, AudioAct act, float* x, int64_t n) {
  switch (act) {
    case AudioAct::kSilu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] * Sigmoid(x[i]);
      return;
    case AudioAct::kGeluTanh:
      GeluTanh(k, x, n, x);
      return;
    case AudioAct::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.f);
      return;
  }
}

// y[r] = RMSNorm(clamp(x[r], +-g)) * w for n rows of d (y may equal x).
void ClipNorm(const NnContext& nn, const float* x, int64_t n, int64_t d,
              float g, const float* w, float eps, float* y) {
  ParallelRange(nn.pool, n, kRowGrain, [&](int64_t b, int64_t e) {
    if (y != x) std::memcpy(y + b * d, x + b * d, (e - b) * d * sizeof(float));
    ClampInPlace(y + b * d, (e - b) * d, -g, g);
  });
  NormRows(nn, y, n, d, w, eps);
}

// Macaron half-step: x += residual_weight * post(CL2(act(CL1(pre(x))))).
void FeedForward(const AudioEncoder& enc, const AudioLinear& up,
                 const AudioLinear& down, const float* pre, const float* post,
                 float* x, int64_t n, const AudioScratch& sc) {
  const Kernels& k = enc.kernels();
  const AudioDims& a = enc.dims();
  const int64_t d = a.d, d_ff = a.d_ff();
  const float g = a.gradient_clipping;
  float* h = sc.h;    // [n, d]
  float* ff = sc.ff;  // [n, d_ff]
  ClipNorm(sc.nn, x, n, d, g, pre, kNormEps, h);
  AudioLinearForward(up, h, n, ff, sc);
  ParallelRange(sc.nn.pool, n, kRowGrain, [&](int64_t b, int64_t e) {
    Activation(k, enc.consts().act, ff + b * d_ff, (e - b) * d_ff);
  });
  AudioLinearForward(down, ff, n, h, sc);
  ClipNorm(sc.nn, h, n, d, g, post, kNormEps, h);
  for (int64_t i = 0; i < n * d; ++i) x[i] += a.residual_weight * h[i];
}

// Softmax attention of the m pending queries t = n_done + r over their keys
// j in [t - max_past + 1, t + future] that exist: logit = q.k + q.R[max_past +
// j - t] (if that row exists), capped by tanh, softmax. o [m, d].
void LocalAttention(const AudioEncoder& enc, const AudioEncoder::Layer& L,
                    const AudioLayerState& s, int64_t m, const AudioScratch& sc,
                    float* o) {
  const Kernels& k = enc.kernels();
  const AudioEncoder::Consts& c = enc.consts();
  const int64_t d = enc.dims().d, H = enc.dims().n_heads, D = c.head_dim;
  const float cap = enc.dims().logit_cap;
  const int stride = c.max_past + c.future;
  auto work = [&](int64_t begin, int64_t end, int thread) {
    float* logit = sc.attn + static_cast<int64_t>(thread) * stride;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = i / H, h = i % H;  // query row, head
      const int64_t t = s.n_done + r;
      const int64_t s0 = std::max<int64_t>(0, t - c.max_past + 1);
      const int64_t s1 = std::min<int64_t>(s.n_in - 1, t + c.future);
      const float* qh = s.q + r * d + h * D;  // [D]
      for (int64_t j = s0; j <= s1; ++j) {
        const float* kh = s.k + (j - s.kv_first) * d + h * D;  // [D]
        float l = Dot(k, qh, kh, D);
        const int64_t row = c.max_past + (j - t);  // relative-table row
        if (row >= 0 && row < c.rel_rows)
          l += Dot(k, qh, L.rel_k + row * d + h * D, D);
        logit[j - s0] = l;
      }
      const int64_t n_keys = s1 - s0 + 1;
      Softcap(k, logit, n_keys, cap);
      Softmax(k, logit, n_keys);
      float* oh = o + r * d + h * D;  // [D]
      std::memset(oh, 0, D * sizeof(float));
      for (int64_t j = s0; j <= s1; ++j)
        Axpy(k, logit[j - s0], s.v + (j - s.kv_first) * d + h * D, oh, D);
    }
  };
  if (sc.nn.pool && m * H > 1) {
    sc.nn.pool->ParallelFor(m * H, 1, work);
  } else {
    work(0, m * H, 0);
  }
}

// q, k, v of n new tokens (h [n, d], normed) appended to the layer state.
void ProjectQkv(const AudioEncoder& enc, const AudioEncoder::Layer& L,
                AudioLayerState& s, const float* h, int64_t n,
                const AudioScratch& sc) {
  const Kernels& k = enc.kernels();
  const int64_t d = enc.dims().d, D = enc.consts().head_dim;
  float* q = s.q + (s.n_in - s.n_done) * d;     // [n, d]
  float* kk = s.k + (s.n_in - s.kv_first) * d;  // [n, d]
  float* v = s.v + (s.n_in - s.kv_first) * d;   // [n, d]
  AudioLinearForward(L.q, h, n, q, sc);
  AudioLinearForward(L.k, h, n, kk, sc);
  AudioLinearForward(L.v, h, n, v, sc);
  for (int64_t r = 0; r < n * d; r += D) {
    for (int64_t i = 0; i < D; ++i) q[r + i] *= L.q_scale[i];
  }
  Scale(k, kk, n * d, enc.consts().k_scale);
}

// Light conv (spec 2.5): x += CL_end(act(norm(clamp(dwconv(GLU(CL_start(
// pre(x)))))))). The depthwise conv is causal: tap K-1 is the current token.
void LightConv(const AudioEncoder& enc, const AudioEncoder::Layer& L,
               AudioLayerState& s, float* x, int64_t m,
               const AudioScratch& sc) {
  const Kernels& k = enc.kernels();
  const AudioDims& a = enc.dims();
  const int64_t d = a.d, K = a.kernel;
  float* h = sc.h;   // [m, d]
  float* u = sc.ff;  // [m, 2d]
  NormRowsTo(sc.nn, x, m, d, L.conv_pre, a.eps, h);
  AudioLinearForward(L.conv_start, h, m, u, sc);
  float* g = s.conv + (K - 1) * d;  // [m, d] GLU outputs after K-1 history rows
  ParallelRange(sc.nn.pool, m, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* ur = u + r * 2 * d;
      for (int64_t c = 0; c < d; ++c) g[r * d + c] = ur[c] * Sigmoid(ur[d + c]);
    }
  });
  ParallelRange(sc.nn.pool, m, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      float* y = h + r * d;  // [d]
      std::memset(y, 0, d * sizeof(float));
      for (int64_t j = 0; j < K; ++j) {
        const float* w = L.dw + j * d;           // [d]
        const float* in = s.conv + (r + j) * d;  // token r - (K-1) + j
        for (int64_t c = 0; c < d; ++c) y[c] += w[c] * in[c];
      }
    }
  });
  std::memmove(s.conv, s.conv + m * d, (K - 1) * d * sizeof(float));
  ClipNorm(sc.nn, h, m, d, a.gradient_clipping, L.conv_norm, a.eps, h);
  ParallelRange(sc.nn.pool, m, kRowGrain, [&](int64_t b, int64_t e) {
    Activation(k, enc.consts().act, h + b * d, (e - b) * d);
  });
  AudioLinearForward(L.conv_end, h, m, sc.o, sc);
  Add(k, sc.o, x, m * d);
}

}  // namespace

void ClampInPlace(float* x, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], lo), hi);
}

void AudioLinearForward(const AudioLinear& L, const float* x, int64_t n,
                        float* y, const AudioScratch& sc) {
  const int64_t in = L.w.cols, out = L.w.rows;
  const bool clip_in =
      L.clipped && (std::isfinite(L.in_min) || std::isfinite(L.in_max));
  if (clip_in) {
    ParallelRange(sc.nn.pool, n, kRowGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b * in; i < e * in; ++i)  // clamped copy, one pass
        sc.clip_in[i] = std::min(std::max(x[i], L.in_min), L.in_max);
    });
    x = sc.clip_in;
  }
  Linear(sc.nn, L.w, x, n, y);
  if (L.clipped) {
    ParallelRange(sc.nn.pool, n, kRowGrain, [&](int64_t b, int64_t e) {
      ClampInPlace(y + b * out, (e - b) * out, L.out_min, L.out_max);
    });
  }
}

int64_t ConformerLayerForward(const AudioEncoder& enc, int l,
                              AudioLayerState& s, const AudioScratch& sc,
                              float* x, int64_t n, bool final) {
  const AudioEncoder::Layer& L = enc.consts().layers[l];
  const AudioEncoder::Consts& c = enc.consts();
  const AudioDims& a = enc.dims();
  const int64_t d = a.d;
  const float g = a.gradient_clipping;
  if (n > 0) {
    FeedForward(enc, L.ffn1_up, L.ffn1_down, L.ffn1_pre, L.ffn1_post, x, n, sc);
    std::memcpy(s.x1 + (s.n_in - s.n_done) * d, x, n * d * sizeof(float));
    ClipNorm(sc.nn, x, n, d, g, L.attn_pre, kNormEps, sc.h);  // h [n, d]
    ProjectQkv(enc, L, s, sc.h, n, sc);
    s.n_in += n;
  }
  // Queries whose right context (c.future tokens) has arrived are final.
  const int64_t m = final ? s.n_in - s.n_done
                          : std::max<int64_t>(0, s.n_in - c.future - s.n_done);
  if (m == 0) return 0;
  LocalAttention(enc, L, s, m, sc, sc.o);         // o [m, d]
  AudioLinearForward(L.post, sc.o, m, sc.h, sc);  // h [m, d]
  ClipNorm(sc.nn, sc.h, m, d, g, L.attn_post, kNormEps, sc.h);
  for (int64_t i = 0; i < m * d; ++i) x[i] = s.x1[i] + sc.h[i];  // x [m, d]
  LightConv(enc, L, s, x, m, sc);
  FeedForward(enc, L.ffn2_up, L.ffn2_down, L.ffn2_pre, L.ffn2_post, x, m, sc);
  ClipNorm(sc.nn, x, m, d, g, L.norm_out, kNormEps, x);

  // Drop what no later query needs: pending rows [n_done, n_done + m) and
  // keys before (new n_done) - max_past + 1.
  const int64_t pending = s.n_in - s.n_done - m;
  std::memmove(s.x1, s.x1 + m * d, pending * d * sizeof(float));
  std::memmove(s.q, s.q + m * d, pending * d * sizeof(float));
  s.n_done += m;
  const int64_t keep_from =
      std::max<int64_t>(s.kv_first, s.n_done - c.max_past + 1);
  const int64_t drop = keep_from - s.kv_first, kept = s.n_in - keep_from;
  std::memmove(s.k, s.k + drop * d, kept * d * sizeof(float));
  std::memmove(s.v, s.v + drop * d, kept * d * sizeof(float));
  s.kv_first = keep_from;
  return m;
}

}  // namespace edgemma
