// The forward pass, step by step as in the spec (section 10). T = tokens of
// this chunk, D = d_model, P = d_ple, L = n_layers, hd = the layer's head dim.
// The row-wise blocks (norms, RoPE on heads, gated GELU, Linear) are core/nn's.
#include "core/gemma4/forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/nn/blocks.h"
#include "core/nn/profile.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

void Emit(const Probe& probe, const char* name, int layer, const float* data,
          int64_t rows, int64_t cols) {
  if (probe.fn) probe.fn(probe.user, name, layer, data, rows, cols);
}

// Runs f(t0, t1, thread) over the rows [0, T) split over the pool in grains of
// `grain` rows, or on the calling thread as f(0, T, 0): for per-token work that
// needs a per-thread buffer.
template <typename F>
void ForRows(const NnContext& nn, int64_t T, int64_t grain, F&& f) {
  if (nn.pool && nn.pool->size() > 1 && T >= 2 * grain) {
    nn.pool->ParallelFor(T, grain, f);
  } else {
    f(0, T, 0);
  }
}

// Rows per grain of the per-token table reads (a pread + dequantize each).
constexpr int64_t kTokenGrain = 4;

// The id whose table rows a position uses: placeholders and soft-token
// positions use pad.
int LookupId(const Model& model, const Batch& b, int t) {
  const bool soft = b.use_embedding && b.use_embedding[t];
  const int id = b.tokens[t];
  return (soft || model.IsMultimodalPlaceholder(id)) ? model.text().pad_id : id;
}

// x[t] = E[id] * embed_scale, or the supplied soft token (not scaled).
void Embed(const Model& model, const NnContext& nn, const ForwardBuffers& buf,
           const Batch& b) {
  const int64_t D = model.text().d_model;
  Lap(nn, StepPart::kEmbed);
  ForRows(nn, b.n, kTokenGrain, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      float* x = buf.x + t * D;  // [D]
      if (b.use_embedding && b.use_embedding[t]) {
        std::memcpy(x, b.embeddings + t * D, sizeof(float) * D);
      } else {
        model.GatherEmbedRow(LookupId(model, b, static_cast<int>(t)), x);
        Scale(nn.k(), x, D, model.embed_scale());
      }
    }
  });
}

// pli[t] = (RMSNorm_P(Wpm x[t] * D^-1/2) + Eple[id] * sqrt(P)) * 2^-1/2, per
// layer chunk of P.
void PerLayerInputs(const Model& model, const NnContext& nn,
                    const ForwardBuffers& buf, const Batch& b) {
  const TextConfig& c = model.text();
  const Weights& w = model.weights();
  const int64_t LP = int64_t{c.n_layers} * c.d_ple, T = b.n;
  Lap(nn, StepPart::kPleModelProj);
  Linear(nn, w.ple_model_proj, buf.x, T, buf.pli);  // pli [T, LP]
  Scale(nn.k(), buf.pli, T * LP,
        static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.d_model))));
  NormRows(nn, buf.pli, T * c.n_layers, c.d_ple, w.ple_proj_norm, c.rms_eps);
  Lap(nn, StepPart::kPleGather);
  ForRows(nn, T, kTokenGrain, [&](int64_t t0, int64_t t1, int thread) {
    float* token = buf.gather + thread * buf.gather_stride;  // [LP] token part
    for (int64_t t = t0; t < t1; ++t) {
      float* row = buf.pli + t * LP;  // [LP]
      model.GatherPleRow(LookupId(model, b, static_cast<int>(t)), token);
      Axpy(nn.k(), model.ple_scale(), token, row, LP);
      Scale(nn.k(), row, LP, static_cast<float>(std::sqrt(0.5)));
    }
  });
}

// cos/sin tables of every RoPE group for positions pos0 .. pos0+T-1.
void RopeTables(const Model& model, const ForwardBuffers& buf, int T,
                int64_t pos0, int64_t group_stride) {
  for (int g = 0; g < model.n_rope_groups(); ++g) {
    RopeTable(model.inv_freq(model.rope_group_layer(g)), T, pos0,
              buf.cos + g * group_stride,
              buf.sin + g * group_stride);  // [T, hd/2] each
  }
}

// q = Wq a; k = Wk a and v = Wv a unless the layer reads another layer's K/V
// (kv_shared); with k_eq_v, V is the raw K projection (large models only).
// The projections share their input: one Q8 quantization of a, one dispatch.
void QkvProjections(const NnContext& nn, const LayerSpec& s,
                    const LayerWeights& w, const float* a, int T, float* q,
                    float* k, float* v) {
  MatMulOut outs[3] = {{&w.q, q}};  // q [T, n_heads * hd]
  int count = 1;
  if (!s.kv_shared) {
    outs[count++] = {&w.k, k};                 // k [T, n_kv * hd]
    if (!s.k_eq_v) outs[count++] = {&w.v, v};  // v [T, n_kv * hd]
  }
  LinearShared(nn, outs, count, a, T);
  if (!s.kv_shared && s.k_eq_v) {
    std::memcpy(v, k, sizeof(float) * T * s.n_kv_heads * s.head_dim);
  }
}

// x += RMSNorm(Wo . attention(RoPE(norm(Wq a)), K, V)),  a = RMSNorm(x).
void AttentionBlock(const Model& model, const NnContext& nn,
                    const ForwardBuffers& buf, const ForwardOptions& opt,
                    KvCache& cache, int i, int T, int64_t pos0,
                    int64_t rope_stride) {
  const TextConfig& c = model.text();
  const LayerSpec& s = c.layers[i];
  const LayerWeights& w = model.weights().layers[i];
  const int64_t D = c.d_model;
  const float* cos = buf.cos + model.rope_group(i) * rope_stride;  // [T, hd/2]
  const float* sin = buf.sin + model.rope_group(i) * rope_stride;  // [T, hd/2]

  Lap(nn, StepPart::kNorm);
  NormRowsTo(nn, buf.x, T, D, w.input_norm, c.rms_eps, buf.a);  // a [T, D]
  float* kc = buf.chunk_k[i];  // [T, n_kv * hd] (unused when kv_shared)
  float* vc = buf.chunk_v[i];  // [T, n_kv * hd] (unused when kv_shared)
  Lap(nn, StepPart::kQkv);
  QkvProjections(nn, s, w, buf.a, T, buf.q, kc, vc);  // q [T, n_heads * hd]
  Lap(nn, StepPart::kQkNormRope);
  NormRopeHeads(nn, buf.q, T, c.n_heads, s.head_dim, w.q_norm, c.rms_eps, cos,
                sin);
  if (!s.kv_shared) {
    NormRopeHeads(nn, kc, T, s.n_kv_heads, s.head_dim, w.k_norm, c.rms_eps, cos,
                  sin);
    NormRopeHeads(nn, vc, T, s.n_kv_heads, s.head_dim, nullptr, c.rms_eps,
                  nullptr, nullptr);
  }
  const int src = s.kv_source;
  Lap(nn, StepPart::kAttention);
  Attend(model, nn, buf, cache, opt, i, src, T, pos0, buf.q, buf.chunk_k[src],
         buf.chunk_v[src],
         buf.attn);  // attn [T, n_heads * hd]
  if (!s.kv_shared && !IsSharedKvSource(c, i)) {
    Lap(nn, StepPart::kKvWrite);
    cache.Write(nn.k(), i, pos0, T, buf.chunk_k[i], buf.chunk_v[i]);
  }
  Lap(nn, StepPart::kO);
  Linear(nn, w.o, buf.attn, T, buf.proj);  // proj [T, D]
  Lap(nn, StepPart::kNorm);
  NormAddRows(nn, buf.proj, T, D, w.post_attn_norm, c.rms_eps, buf.x);
}

// x = (x + RMSNorm(down(gelu_tanh(gate a) * up a))) * scale,  a = RMSNorm(x).
void MlpBlock(const Model& model, const NnContext& nn,
              const ForwardBuffers& buf, int i, int T, float scale) {
  const TextConfig& c = model.text();
  const LayerWeights& w = model.weights().layers[i];
  const int64_t D = c.d_model, F = c.layers[i].d_ff;
  Lap(nn, StepPart::kNorm);
  NormRowsTo(nn, buf.x, T, D, w.pre_ff_norm, c.rms_eps, buf.a);  // a [T, D]
  Lap(nn, StepPart::kGateUp);
  const MatMulOut gate_up[] = {{&w.gate, buf.gate},  // gate [T, F]
                               {&w.up, buf.up}};     // up [T, F]
  LinearShared(nn, gate_up, 2, buf.a, T);            // one input, one dispatch
  Lap(nn, StepPart::kElementwise);
  GatedGelu(nn, buf.gate, buf.up, T * F);  // gate [T, F]
  Lap(nn, StepPart::kDown);
  Linear(nn, w.down, buf.gate, T, buf.proj);  // proj [T, D]
  Lap(nn, StepPart::kNorm);
  NormAddRows(nn, buf.proj, T, D, w.post_ff_norm, c.rms_eps, buf.x, scale);
}

// x = (x + RMSNorm(Wproj (gelu_tanh(Wgate x) * pli[:, i]))) * scale; the gate
// reads the un-normed stream.
void PerLayerBlock(const Model& model, const NnContext& nn,
                   const ForwardBuffers& buf, int i, int T, float scale) {
  const TextConfig& c = model.text();
  const LayerWeights& w = model.weights().layers[i];
  const int64_t D = c.d_model, P = c.d_ple, LP = int64_t{c.n_layers} * P;
  Lap(nn, StepPart::kPleGate);
  Linear(nn, w.ple_gate, buf.x, T, buf.ple_g);  // ple_g [T, P]
  Lap(nn, StepPart::kElementwise);
  ParallelRange(nn.pool, T, kRowGrain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      GeluTanhMul(nn.k(), buf.ple_g + t * P, buf.pli + t * LP + i * P, P);
  });
  Lap(nn, StepPart::kPleProj);
  Linear(nn, w.ple_proj, buf.ple_g, T, buf.proj);  // proj [T, D]
  Lap(nn, StepPart::kNorm);
  NormAddRows(nn, buf.proj, T, D, w.ple_post_norm, c.rms_eps, buf.x, scale);
}

// logits[r] = softcap(E . RMSNorm(x[row r])) for the last row or every row.
void FinalNormAndLogits(const Model& model, const NnContext& nn,
                        const ForwardBuffers& buf, int T, bool all_logits) {
  const TextConfig& c = model.text();
  const int64_t D = c.d_model;
  const int rows = all_logits ? T : 1;
  const float* x = buf.x + (all_logits ? 0 : (T - 1) * D);  // [rows, D]
  Lap(nn, StepPart::kNorm);
  NormRowsTo(nn, x, rows, D, model.weights().final_norm, c.rms_eps,
             buf.a);  // a [rows, D]
  Lap(nn, StepPart::kLmHead);
  Linear(nn, model.weights().lm_head, buf.a, rows,
         buf.logits);  // logits [rows, vocab]
  Lap(nn, StepPart::kSoftcap);
  if (c.final_softcap > 0.f)
    Softcap(nn.k(), buf.logits, rows * int64_t{c.vocab}, c.final_softcap);
}

}  // namespace

bool IsSharedKvSource(const TextConfig& c, int i) {
  for (const LayerSpec& s : c.layers) {
    if (s.kv_shared && s.kv_source == i) return true;
  }
  return false;
}

int64_t RopeTableStride(const Model& model, int max_batch) {
  size_t half = 0;
  for (int g = 0; g < model.n_rope_groups(); ++g) {
    half = std::max(half, model.inv_freq(model.rope_group_layer(g)).size());
  }
  return int64_t{max_batch} * static_cast<int64_t>(half);
}

void Forward(const Model& model, const NnContext& nn, const ForwardBuffers& buf,
             KvCache& cache, const Batch& batch, int64_t pos0,
             const ForwardOptions& opt, const Probe& probe) {
  const TextConfig& c = model.text();
  const int T = batch.n;
  const int64_t D = c.d_model;

  Embed(model, nn, buf, batch);  // x [T, D]
  Emit(probe, "embeddings", -1, buf.x, T, D);
  if (c.d_ple > 0) {
    PerLayerInputs(model, nn, buf, batch);  // pli [T, L * P]
    Emit(probe, "per_layer_inputs", -1, buf.pli, T,
         int64_t{c.n_layers} * c.d_ple);
  }
  const int64_t table_stride = RopeTableStride(model, buf.max_batch);
  Lap(nn, StepPart::kQkNormRope);
  RopeTables(model, buf, T, pos0, table_stride);

  for (int i = 0; i < c.n_layers; ++i) {
    // The layer's output scalar is applied by its last block's residual add.
    const float scalar = model.weights().layers[i].layer_scalar;
    AttentionBlock(model, nn, buf, opt, cache, i, T, pos0, table_stride);
    MlpBlock(model, nn, buf, i, T, c.d_ple > 0 ? 1.f : scalar);
    if (c.d_ple > 0) PerLayerBlock(model, nn, buf, i, T, scalar);
    Emit(probe, "layer_output", i, buf.x, T, D);
  }
  Lap(nn, StepPart::kKvWrite);
  for (int i = 0; i < c.n_layers; ++i) {
    if (IsSharedKvSource(c, i))
      cache.Write(nn.k(), i, pos0, T, buf.chunk_k[i], buf.chunk_v[i]);
  }
  if (!opt.skip_logits) FinalNormAndLogits(model, nn, buf, T, opt.all_logits);
  StopLaps(nn);
}

}  // namespace edgemma
