// Bytes of weights a decoded token reads, and MACs a prefilled token costs,
// computed from the bound tensors of a loaded model (their real types and
// row sizes), not from nominal parameter counts.
#ifndef EDGEMMA_BENCH_E2E_WEIGHT_TRAFFIC_H_
#define EDGEMMA_BENCH_E2E_WEIGHT_TRAFFIC_H_

#include <cstdint>

#include "core/gemma4/model.h"

namespace edgemma {

struct WeightTraffic {
  // Bytes read per decoded token.
  int64_t attention = 0;   // q, k, v, o of every layer (K/V only where owned)
  int64_t mlp = 0;         // gate, up, down
  int64_t ple_layers = 0;  // per-layer gate/proj + per_layer_model_proj
  int64_t lm_head = 0;     // the whole [vocab, d_model] matrix
  int64_t embed_row = 0;   // one gathered token-embedding row
  int64_t ple_row = 0;     // one gathered PLE row (all layers)
  int64_t vectors = 0;     // norm weights (f32, owned)
  int64_t total = 0;
  // Not read per token: only touched rows (reported for residency).
  int64_t embed_table = 0;  // token embedding table bytes (== lm_head if tied)
  int64_t ple_table = 0;    // PLE table bytes
  // Multiply-accumulates per token: body (all layer matrices +
  // per_layer_model_proj) and the LM head (prefill runs it for the last token
  // only).
  int64_t body_macs = 0;
  int64_t lm_head_macs = 0;
};

WeightTraffic ComputeWeightTraffic(const Model& model);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_E2E_WEIGHT_TRAFFIC_H_
