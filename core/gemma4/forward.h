// The Gemma 4 text forward pass over one chunk of tokens (spec section 10), f32
// activations, every op from quant/ops.h. Callers (Session) validate the batch
// and own all buffers; Forward itself never allocates and cannot fail.
#ifndef EDGEMMA_CORE_GEMMA4_FORWARD_H_
#define EDGEMMA_CORE_GEMMA4_FORWARD_H_

#include <cstdint>
#include <vector>

#include "core/gemma4/kv_cache.h"
#include "core/gemma4/model.h"
#include "core/nn/context.h"

namespace edgemma {

// Tokens of one call. Positions where use_embedding[i] != 0 take embeddings[i]
// (a soft token from an audio/vision encoder, already in text space: NOT scaled
// by sqrt(d_model)) as their embedding and the pad row for the PLE token part.
// Multimodal placeholder ids without a supplied embedding are embedded as pad
// (both lookups), as HF does.
struct Batch {
  const int32_t* tokens = nullptr;  // [n]
  int n = 0;
  const float* embeddings =
      nullptr;  // [n, d_model] or null (rows of other positions unused)
  const uint8_t* use_embedding = nullptr;  // [n] or null (null: none)
};

// Debug probe, called synchronously on the forward thread at named points:
// "embeddings" (layer -1) [T, d_model]; "per_layer_inputs" (layer -1) [T,
// n_layers * d_ple]; "layer_output" (layer i) [T, d_model] = residual stream
// after layer i. Null by default.
using ProbeFn = void (*)(void* user, const char* name, int layer,
                         const float* data, int64_t rows, int64_t cols);
struct Probe {
  ProbeFn fn = nullptr;
  void* user = nullptr;
};

// Views of the working buffers, all in the session arena (listed once in
// session.cc, which plans and binds them). Sizes are for `max_batch` rows. Data
// only: how a pass runs is NnContext and ForwardOptions.
struct ForwardBuffers {
  int max_batch = 0;
  float* x = nullptr;      // [max_batch, d_model] residual stream
  float* a = nullptr;      // [max_batch, d_model] normed input of a block
  float* q = nullptr;      // [max_batch, n_heads * max_head_dim]
  float* attn = nullptr;   // [max_batch, n_heads * max_head_dim]
  float* proj = nullptr;   // [max_batch, d_model] o_proj / down / PLE output
  float* gate = nullptr;   // [max_batch, max_d_ff]
  float* up = nullptr;     // [max_batch, max_d_ff]
  float* pli = nullptr;    // [max_batch, n_layers * d_ple]
  float* ple_g = nullptr;  // [max_batch, d_ple]
  float* cos = nullptr;    // [n_rope_groups, max_batch, max_head_dim / 2]
  float* sin = nullptr;    // [n_rope_groups, max_batch, max_head_dim / 2]
  // One gathered table row per pool thread: [n_threads, gather_stride],
  // gather_stride = n_layers * d_ple.
  float* gather = nullptr;
  int64_t gather_stride = 0;
  // Chunk K/V per layer ([max_batch, kv_dim]): dedicated buffers for layers
  // whose K/V KV-shared layers read (committed after the last layer, see
  // IsSharedKvSource), one shared scratch otherwise; null for KV-shared layers.
  std::vector<float*> chunk_k, chunk_v;  // [n_layers]
  float* logits = nullptr;               // [max_batch or 1, vocab]
  // Attention scratch (attention.cc): per-thread work areas of
  // AttentionWorkFloats(attn_max_hd, attn_ctx, max_batch) floats each.
  float* attn_work = nullptr;  // [n_threads, AttentionWorkFloats(...)]
  int attn_ctx = 0;            // session ctx
  int attn_max_hd = 0;         // max head_dim over layers
};

// How a pass runs (from SessionOptions).
struct ForwardOptions {
  bool all_logits = false;  // logits of every row, else of the last only
  // No final norm / LM head at all: a prefill chunk that is not the last of
  // its call (nobody reads its logits; the head streams the whole vocab
  // matrix, as much as a decode step's body on E2B).
  bool skip_logits = false;
  // (query, key, head_dim) products below which a layer's attention runs on
  // the calling thread alone (SessionOptions::attn_parallel_min_work).
  int64_t attn_parallel_min_work = 0;
};

// True when KV-shared layers read layer i's K/V (its chunk is kept in a
// dedicated buffer and committed to the cache after the last layer).
bool IsSharedKvSource(const TextConfig& c, int i);

// Floats of one thread's attention work area for these sizes.
int64_t AttentionWorkFloats(int max_head_dim, int ctx, int max_batch);

// Floats of one RoPE group's cos (or sin) table: max_batch * max(head_dim / 2).
int64_t RopeTableStride(const Model& model, int max_batch);

// Runs `batch` (n <= max_batch, already validated) at positions pos0 ..
// pos0+n-1 and commits its K/V to `cache`. Logits land in buf.logits: every row
// if opt.all_logits, else only the last token's (row 0).
void Forward(const Model& model, const NnContext& nn, const ForwardBuffers& buf,
             KvCache& cache, const Batch& batch, int64_t pos0,
             const ForwardOptions& opt, const Probe& probe);

// Attention of one layer for T queries (attention.cc). q [T, n_heads *
// head_dim] (normed and rotated), the chunk's K/V of the source layer [T,
// kv_dim], the committed past in cache layer `src`. Writes out [T, n_heads *
// head_dim]. Uses nn.pool when the work reaches opt.attn_parallel_min_work.
void Attend(const Model& model, const NnContext& nn, const ForwardBuffers& buf,
            const KvCache& cache, const ForwardOptions& opt, int layer, int src,
            int T, int64_t pos0, const float* q, const float* chunk_k,
            const float* chunk_v, float* out);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_GEMMA4_FORWARD_H_
