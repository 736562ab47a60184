// The forward pass, step by step as in the spec (section 10). T = tokens of
// this chunk, D = d_model, P = d_ple, L = n_layers, hd = the layer's head dim.
#include "core/gemma4/forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/ops.h"

namespace edgemma {
namespace {

void Emit(const Probe& probe, const char* name, int layer, const float* data,
          int64_t rows, int64_t cols) {
  if (probe.fn) probe.fn(probe.user, name, layer, data, rows, cols);
}

// Runs f(begin, end) over [0, n), split over the pool when there are at least
// two grains of work (waking the workers costs microseconds).
template <typename F>
void ParallelRange(ThreadPool* pool, int64_t n, int64_t grain, F&& f) {
  if (pool && pool->size() > 1 && n >= 2 * grain) {
    pool->ParallelFor(n, grain,
                      [&f](int64_t begin, int64_t end, int) { f(begin, end); });
  } else {
    f(0, n);
  }
}

// Rows per parallel grain of the row-wise f32 ops (one row: ~d_model floats).
constexpr int64_t kRowGrain = 8;
// Elements per parallel grain of the gated GELU (scalar tanh: ~10 ns each).
constexpr int64_t kGeluGrain = 2048;

// y = RMSNorm(x) row-wise, x and y [rows, n] (y == x allowed; w null: no
// weight).
void NormRowsTo(const Kernels& k, ThreadPool* pool, const float* x,
                int64_t rows, int64_t n, const float* w, float eps, float* y) {
  ParallelRange(pool, rows, kRowGrain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      RmsNorm(k, x + r * n, w, n, eps, y + r * n);
  });
}

// Row-wise RMSNorm in place over x[rows, n].
void NormRows(const Kernels& k, ThreadPool* pool, float* x, int64_t rows,
              int64_t n, const float* w, float eps) {
  NormRowsTo(k, pool, x, rows, n, w, eps, x);
}

// The id whose table rows a position uses: placeholders and soft-token
// positions use pad.
int LookupId(const Model& model, const Batch& b, int t) {
  const bool soft = b.use_embedding && b.use_embedding[t];
  const int id = b.tokens[t];
  return (soft || model.IsMultimodalPlaceholder(id)) ? model.text().pad_id : id;
}

// x[t] = E[id] * embed_scale, or the supplied soft token (not scaled).
void Embed(const Model& model, const ForwardBuffers& buf, const Batch& b) {
  const int64_t D = model.text().d_model;
  for (int t = 0; t < b.n; ++t) {
    float* x = buf.x + t * D;  // [D]
    if (b.use_embedding && b.use_embedding[t]) {
      std::memcpy(x, b.embeddings + t * D, sizeof(float) * D);
    } else {
      DequantizeRow(model.weights().embed, LookupId(model, b, t), x);
      Scale(model.kernels(), x, D, model.embed_scale());
    }
  }
}

// pli[t] = (RMSNorm_P(Wpm x[t] * D^-1/2) + Eple[id] * sqrt(P)) * 2^-1/2, per
// layer chunk of P.
void PerLayerInputs(const Model& model, const ForwardBuffers& buf,
                    ThreadPool* pool, const Batch& b) {
  const TextConfig& c = model.text();
  const Kernels& k = model.kernels();
  const Weights& w = model.weights();
  const int64_t LP = int64_t{c.n_layers} * c.d_ple, T = b.n;
  MatMul(k, w.ple_model_proj, buf.x, T, buf.pli, buf.matmul_scratch, pool,
         buf.act_type);  // [T, LP]
  Scale(k, buf.pli, T * LP,
        static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.d_model))));
  NormRows(k, pool, buf.pli, T * c.n_layers, c.d_ple, w.ple_proj_norm,
           c.rms_eps);
  for (int t = 0; t < T; ++t) {
    float* row = buf.pli + t * LP;                          // [LP]
    model.GatherPleRow(LookupId(model, b, t), buf.gather);  // [LP] token part
    Axpy(k, model.ple_scale(), buf.gather, row, LP);
    Scale(k, row, LP, static_cast<float>(std::sqrt(0.5)));
  }
}

// cos/sin tables of every RoPE group for positions pos0 .. pos0+T-1.
void RopeTables(const Model& model, const ForwardBuffers& buf, int T,
                int64_t pos0, int64_t group_stride) {
  for (int g = 0; g < model.n_rope_groups(); ++g) {
    const std::vector<double>& f =
        model.inv_freq(model.rope_group_layer(g));  // [hd/2]
    const int64_t half = static_cast<int64_t>(f.size());
    for (int t = 0; t < T; ++t) {
      float* cs = buf.cos + g * group_stride + t * half;  // [hd/2]
      float* sn = buf.sin + g * group_stride + t * half;  // [hd/2]
      for (int64_t j = 0; j < half; ++j) {
        const double angle = static_cast<double>(pos0 + t) * f[j];
        cs[j] = static_cast<float>(std::cos(angle));
        sn[j] = static_cast<float>(std::sin(angle));
      }
    }
  }
}

// Per-head RMSNorm (weight w, may be null) then optional RoPE over x[T, heads,
// hd].
void NormRopeHeads(const Kernels& k, ThreadPool* pool, float* x, int T,
                   int heads, int hd, const float* w, float eps,
                   const float* cos, const float* sin) {
  ParallelRange(pool, T, kRowGrain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      for (int h = 0; h < heads; ++h) {
        float* v = x + (t * heads + h) * hd;  // [hd]
        RmsNorm(k, v, w, hd, eps, v);
        if (cos)
          RopeNeoxCosSin(k, v, hd, cos + t * (hd / 2), sin + t * (hd / 2));
      }
    }
  });
}

// x += RMSNorm(Wo . attention(RoPE(norm(Wq a)), K, V)),  a = RMSNorm(x).
void AttentionBlock(const Model& model, const ForwardBuffers& buf,
                    KvCache& cache, ThreadPool* pool, int i, int T,
                    int64_t pos0, int64_t rope_stride) {
  const TextConfig& c = model.text();
  const LayerSpec& s = c.layers[i];
  const LayerWeights& w = model.weights().layers[i];
  const Kernels& k = model.kernels();
  const int64_t D = c.d_model;
  const float* cos = buf.cos + model.rope_group(i) * rope_stride;  // [T, hd/2]
  const float* sin = buf.sin + model.rope_group(i) * rope_stride;  // [T, hd/2]

  NormRowsTo(k, pool, buf.x, T, D, w.input_norm, c.rms_eps, buf.a);  // a [T, D]
  MatMul(k, w.q, buf.a, T, buf.q, buf.matmul_scratch, pool,
         buf.act_type);  // q [T, n_heads * hd]
  NormRopeHeads(k, pool, buf.q, T, c.n_heads, s.head_dim, w.q_norm, c.rms_eps,
                cos, sin);

  if (!s.kv_shared) {
    float* kc = buf.chunk_k[i];  // [T, n_kv * hd]
    float* vc = buf.chunk_v[i];  // [T, n_kv * hd]
    MatMul(k, w.k, buf.a, T, kc, buf.matmul_scratch, pool, buf.act_type);
    if (s.k_eq_v) {  // V is the raw K projection (large models only)
      std::memcpy(vc, kc, sizeof(float) * T * s.n_kv_heads * s.head_dim);
    } else {
      MatMul(k, w.v, buf.a, T, vc, buf.matmul_scratch, pool, buf.act_type);
    }
    NormRopeHeads(k, pool, kc, T, s.n_kv_heads, s.head_dim, w.k_norm, c.rms_eps,
                  cos, sin);
    NormRopeHeads(k, pool, vc, T, s.n_kv_heads, s.head_dim, nullptr, c.rms_eps,
                  nullptr, nullptr);
  }
  const int src = s.kv_source;
  Attend(model, buf, cache, pool, i, src, T, pos0, buf.q, buf.chunk_k[src],
         buf.chunk_v[src],
         buf.attn);  // attn [T, n_heads * hd]
  if (!s.kv_shared && !buf.commit_at_end[i]) {
    cache.Write(i, pos0, T, buf.chunk_k[i], buf.chunk_v[i]);
  }
  MatMul(k, w.o, buf.attn, T, buf.proj, buf.matmul_scratch, pool,
         buf.act_type);  // proj [T, D]
  NormRows(k, pool, buf.proj, T, D, w.post_attn_norm, c.rms_eps);
  Add(k, buf.proj, buf.x, T * D);
}

// x += RMSNorm(down(gelu_tanh(gate a) * up a)),  a = RMSNorm(x).
void MlpBlock(const Model& model, const ForwardBuffers& buf, ThreadPool* pool,
              int i, int T) {
  const TextConfig& c = model.text();
  const LayerWeights& w = model.weights().layers[i];
  const Kernels& k = model.kernels();
  const int64_t D = c.d_model, F = c.layers[i].d_ff;
  NormRowsTo(k, pool, buf.x, T, D, w.pre_ff_norm, c.rms_eps,
             buf.a);  // a [T, D]
  MatMul(k, w.gate, buf.a, T, buf.gate, buf.matmul_scratch, pool,
         buf.act_type);  // gate [T, F]
  MatMul(k, w.up, buf.a, T, buf.up, buf.matmul_scratch, pool,
         buf.act_type);  // up [T, F]
  ParallelRange(pool, T * F, kGeluGrain, [&](int64_t e0, int64_t e1) {
    GeluTanhMul(k, buf.gate + e0, buf.up + e0, e1 - e0);
  });
  MatMul(k, w.down, buf.gate, T, buf.proj, buf.matmul_scratch, pool,
         buf.act_type);  // proj [T, D]
  NormRows(k, pool, buf.proj, T, D, w.post_ff_norm, c.rms_eps);
  Add(k, buf.proj, buf.x, T * D);
}

// x += RMSNorm(Wproj (gelu_tanh(Wgate x) * pli[:, i])); the gate reads the
// un-normed stream.
void PerLayerBlock(const Model& model, const ForwardBuffers& buf,
                   ThreadPool* pool, int i, int T) {
  const TextConfig& c = model.text();
  const LayerWeights& w = model.weights().layers[i];
  const Kernels& k = model.kernels();
  const int64_t D = c.d_model, P = c.d_ple, LP = int64_t{c.n_layers} * P;
  MatMul(k, w.ple_gate, buf.x, T, buf.ple_g, buf.matmul_scratch, pool,
         buf.act_type);  // ple_g [T, P]
  ParallelRange(pool, T, kRowGrain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      GeluTanhMul(k, buf.ple_g + t * P, buf.pli + t * LP + i * P, P);
  });
  MatMul(k, w.ple_proj, buf.ple_g, T, buf.proj, buf.matmul_scratch, pool,
         buf.act_type);  // proj [T, D]
  NormRows(k, pool, buf.proj, T, D, w.ple_post_norm, c.rms_eps);
  Add(k, buf.proj, buf.x, T * D);
}

// logits[r] = softcap(E . RMSNorm(x[row r])) for the last row or every row.
void FinalNormAndLogits(const Model& model, const ForwardBuffers& buf,
                        ThreadPool* pool, int T, bool all_logits) {
  const TextConfig& c = model.text();
  const Kernels& k = model.kernels();
  const int64_t D = c.d_model;
  const int rows = all_logits ? T : 1;
  const float* x = buf.x + (all_logits ? 0 : (T - 1) * D);  // [rows, D]
  NormRowsTo(k, pool, x, rows, D, model.weights().final_norm, c.rms_eps,
             buf.a);  // a [rows, D]
  MatMul(k, model.weights().lm_head, buf.a, rows, buf.logits,
         buf.matmul_scratch, pool, buf.act_type);
  if (c.final_softcap > 0.f)
    Softcap(k, buf.logits, rows * int64_t{c.vocab}, c.final_softcap);
}

}  // namespace

int64_t RopeTableStride(const Model& model, int max_batch) {
  size_t half = 0;
  for (int g = 0; g < model.n_rope_groups(); ++g) {
    half = std::max(half, model.inv_freq(model.rope_group_layer(g)).size());
  }
  return int64_t{max_batch} * static_cast<int64_t>(half);
}

void Forward(const Model& model, const ForwardBuffers& buf, KvCache& cache,
             ThreadPool* pool, const Batch& batch, int64_t pos0,
             bool all_logits, const Probe& probe) {
  const TextConfig& c = model.text();
  const int T = batch.n;
  const int64_t D = c.d_model;

  Embed(model, buf, batch);  // x [T, D]
  Emit(probe, "embeddings", -1, buf.x, T, D);
  if (c.d_ple > 0) {
    PerLayerInputs(model, buf, pool, batch);  // pli [T, L * P]
    Emit(probe, "per_layer_inputs", -1, buf.pli, T,
         int64_t{c.n_layers} * c.d_ple);
  }
  const int64_t table_stride = RopeTableStride(model, buf.max_batch);
  RopeTables(model, buf, T, pos0, table_stride);

  for (int i = 0; i < c.n_layers; ++i) {
    AttentionBlock(model, buf, cache, pool, i, T, pos0, table_stride);
    MlpBlock(model, buf, pool, i, T);
    if (c.d_ple > 0) PerLayerBlock(model, buf, pool, i, T);
    Scale(model.kernels(), buf.x, T * D,
          model.weights().layers[i].layer_scalar);
    Emit(probe, "layer_output", i, buf.x, T, D);
  }
  for (int i = 0; i < c.n_layers; ++i) {
    if (buf.commit_at_end[i])
      cache.Write(i, pos0, T, buf.chunk_k[i], buf.chunk_v[i]);
  }
  FinalNormAndLogits(model, buf, pool, T, all_logits);
}

}  // namespace edgemma
