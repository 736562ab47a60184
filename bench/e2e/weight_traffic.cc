#include "bench/e2e/weight_traffic.h"

namespace edgemma {
namespace {

int64_t Bytes(const WeightMatrix& w) {
  return w.data ? w.rows * static_cast<int64_t>(w.row_bytes) : 0;
}
int64_t Macs(const WeightMatrix& w) { return w.data ? w.rows * w.cols : 0; }

}  // namespace

WeightTraffic ComputeWeightTraffic(const Model& model) {
  const TextConfig& c = model.text();
  const Weights& w = model.weights();
  WeightTraffic t;
  const int64_t f = sizeof(float);
  for (int i = 0; i < c.n_layers; ++i) {
    const LayerWeights& l = w.layers[i];
    const LayerSpec& s = c.layers[i];
    const bool kv = !s.kv_shared;
    const bool v = kv && !s.k_eq_v;
    t.attention +=
        Bytes(l.q) + (kv ? Bytes(l.k) : 0) + (v ? Bytes(l.v) : 0) + Bytes(l.o);
    t.body_macs +=
        Macs(l.q) + (kv ? Macs(l.k) : 0) + (v ? Macs(l.v) : 0) + Macs(l.o);
    t.mlp += Bytes(l.gate) + Bytes(l.up) + Bytes(l.down);
    t.body_macs += Macs(l.gate) + Macs(l.up) + Macs(l.down);
    t.ple_layers += Bytes(l.ple_gate) + Bytes(l.ple_proj);
    t.body_macs += Macs(l.ple_gate) + Macs(l.ple_proj);
    // input, post-attn, pre-ff, post-ff, ple-post norms [D]; q/k norms [hd].
    t.vectors += f * (5 * int64_t{c.d_model} + 2 * s.head_dim);
  }
  t.ple_layers += Bytes(w.ple_model_proj);
  t.body_macs += Macs(w.ple_model_proj);
  t.vectors += f * (int64_t{c.d_model} + c.d_ple);
  t.lm_head = Bytes(w.lm_head);
  t.lm_head_macs = Macs(w.lm_head);
  t.embed_row = static_cast<int64_t>(w.embed.row_bytes);
  t.ple_row =
      w.ple_table.data ? static_cast<int64_t>(w.ple_table.row_bytes) : 0;
  t.embed_table = Bytes(w.embed);
  t.ple_table = Bytes(w.ple_table);
  t.total = t.attention + t.mlp + t.ple_layers + t.lm_head + t.embed_row +
            t.ple_row + t.vectors;
  return t;
}

}  // namespace edgemma
