// The Gemma 4 text forward pass over one chunk of tokens (spec section 10), f32
// activations, every op from quant/ops.h. Callers (Session) validate the batch
// and own all buffers; Forward itself never allocates and cannot fail.
#ifndef EDGEMMA_CORE_GEMMA4_FORWARD_H_
#define EDGEMMA_CORE_GEMMA4_FORWARD_H_

#include <cstdint>
#include <vector>

#include "core/gemma4/kv_cache.h"
#include "core/gemma4/model.h"
#include "platform/thread_pool.h"
#include "quant/ops.h"

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

// Working buffers, all from the session arena. Sizes are for `max_batch` rows.
struct ForwardBuffers {
  int max_batch = 0;
  float* x = nullptr;     // [max_batch, d_model] residual stream
  float* a = nullptr;     // [max_batch, d_model] normed input of a block
  float* q = nullptr;     // [max_batch, n_heads * max_head_dim]
  float* attn = nullptr;  // [max_batch, n_heads * max_head_dim]
  float* proj =
      nullptr;  // [max_batch, d_model] output of o_proj / down / PLE projection
  float* gate = nullptr;   // [max_batch, max_d_ff]
  float* up = nullptr;     // [max_batch, max_d_ff]
  float* pli = nullptr;    // [max_batch, n_layers * d_ple]
  float* ple_g = nullptr;  // [max_batch, d_ple]
  float* cos = nullptr;    // [n_rope_groups, max_batch, max_head_dim / 2]
  float* sin = nullptr;    // [n_rope_groups, max_batch, max_head_dim / 2]
  float* gather =
      nullptr;  // [max(d_model, n_layers * d_ple)] one dequantized table row
  // Chunk K/V per layer ([max_batch, kv_dim]): dedicated buffers for kv_source
  // layers (read by the shared layers until the chunk is committed at the end),
  // one shared scratch otherwise.
  std::vector<float*> chunk_k,
      chunk_v;                      // [n_layers] (null for KV-shared layers)
  std::vector<bool> commit_at_end;  // [n_layers]
  float* logits = nullptr;          // [max_batch or 1, vocab]
  void* matmul_scratch = nullptr;
  ActType act_type = ActType::kQ8_0;  // of every MatMul with quantized weights
  // Attention scratch (attention.cc): per-thread work areas of
  // AttentionWorkFloats() floats each.
  float* attn_work = nullptr;  // [n_threads, AttentionWorkFloats(...)]
  int attn_ctx = 0;            // session ctx
  int attn_max_hd = 0;         // max head_dim over layers
  // (query, key, head_dim) products below which a layer's attention runs on
  // the calling thread alone (SessionOptions::attn_parallel_min_work).
  int64_t attn_parallel_min_work = 0;
};

// Floats of one thread's attention work area for these sizes.
int64_t AttentionWorkFloats(int max_head_dim, int ctx, int max_batch);

// Floats of one RoPE group's cos (or sin) table: max_batch * max(head_dim / 2).
int64_t RopeTableStride(const Model& model, int max_batch);

// Runs `batch` (n <= max_batch, already validated) at positions pos0 ..
// pos0+n-1 and commits its K/V to `cache`. Logits land in buf.logits: every row
// if all_logits, else only the last token's (row 0). pool may be null (single
// thread).
void Forward(const Model& model, const ForwardBuffers& buf, KvCache& cache,
             ThreadPool* pool, const Batch& batch, int64_t pos0,
             bool all_logits, const Probe& probe);

// Attention of one layer for T queries (attention.cc). q [T, n_heads *
// head_dim] (normed and rotated), the chunk's K/V of the source layer [T,
// kv_dim], the committed past in cache layer `src`. Writes out [T, n_heads *
// head_dim].
void Attend(const Model& model, const ForwardBuffers& buf, const KvCache& cache,
            ThreadPool* pool, int layer, int src, int T, int64_t pos0,
            const float* q, const float* chunk_k, const float* chunk_v,
            float* out);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_GEMMA4_FORWARD_H_
