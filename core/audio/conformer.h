// Internal to core/audio: the bound audio tower (AudioEncoder::Consts), the
// per-layer streaming state and the Forward() of each part. Shapes in the
// comments: d = hidden_size, d_ff = 4 d, H = n_heads, D = head_dim, K =
// depthwise kernel, P = rows of the relative-position table, O =
// output_proj_dims.
#ifndef EDGEMMA_CORE_AUDIO_CONFORMER_H_
#define EDGEMMA_CORE_AUDIO_CONFORMER_H_

#include <cstdint>
#include <vector>

#include "core/audio/audio_encoder.h"
#include "core/nn/context.h"

namespace edgemma {

enum class AudioAct { kSilu, kGeluTanh, kRelu };

// y = clamp(clamp(x, in) W^T, out) when `clipped`, else y = x W^T.
struct AudioLinear {
  WeightMatrix w;  // [out, in], a view into the tower mapping
  bool clipped = false;
  float in_min = 0, in_max = 0, out_min = 0, out_max = 0;
};

struct AudioEncoder::Layer {
  AudioLinear ffn1_up, ffn1_down, ffn2_up, ffn2_down;  // [d_ff, d], [d, d_ff]
  AudioLinear q, k, v, post;                           // [d, d]
  AudioLinear conv_start, conv_end;                    // [2d, d], [d, d]
  const float* ffn1_pre = nullptr;                     // [d] norm weights
  const float* ffn1_post = nullptr;
  const float* ffn2_pre = nullptr;
  const float* ffn2_post = nullptr;
  const float* attn_pre = nullptr;
  const float* attn_post = nullptr;
  const float* conv_pre = nullptr;   // lconv1d.pre_layer_norm
  const float* conv_norm = nullptr;  // lconv1d.conv_norm
  const float* norm_out = nullptr;
  const float* q_scale =
      nullptr;                   // [D] softplus(per_dim_scale) / (sqrt(D) ln 2)
  const float* rel_k = nullptr;  // [P, d] relative_k_proj(table row r)
  const float* dw = nullptr;     // [K, d] depthwise taps, tap K-1 = now
};

struct AudioEncoder::Consts {
  AudioAct act = AudioAct::kSilu;
  int head_dim = 0;
  // Attention window (reference _local_attention): query t sees keys
  // t - max_past + 1 .. t + future, max_past = context_left - 1 (self
  // included), future = max(0, context_right - 1); the relative bias of key j
  // is row max_past + (j - t) of rel_k when that row exists.
  int max_past = 0;
  int future = 0;
  int rel_rows = 0;    // P = (chunk + context_left - 1 + context_right) / 2 + 1
  float k_scale = 0;   // log2(1 + e)
  int f0 = 0, f1 = 0;  // mel positions after conv 0 / conv 1
  const float* conv0 = nullptr;  // [9, C0]: tap (dy * 3 + dx), channel fastest
  const float* norm0 = nullptr;  // [C0]
  WeightMatrix conv1;            // [C1, 9 * C0] f32, column (dy*3+dx)*C0 + c
  const float* norm1 = nullptr;  // [C1]
  WeightMatrix input_proj;       // [d, F1 * C1]
  std::vector<AudioEncoder::Layer> layers;
  WeightMatrix out_w;                       // [O, d]
  const float* out_b = nullptr;             // [O]
  WeightMatrix embed;                       // [text_d, O]
  std::vector<std::vector<float>> storage;  // owns the f32 constants
};

// One Conformer layer's history in the stream arena. Rows are tokens:
// k/v hold [kv_first, n_in), x1/q the pending queries [n_done, n_in), conv
// the GLU outputs of the K-1 tokens before n_done then the current block.
struct AudioLayerState {
  float* k = nullptr;     // [kv_cap, d] scaled keys
  float* v = nullptr;     // [kv_cap, d]
  float* x1 = nullptr;    // [pend_cap, d] residual after the first FFN
  float* q = nullptr;     // [pend_cap, d] scaled queries
  float* conv = nullptr;  // [K - 1 + block_cap, d]
  int64_t kv_first = 0, n_in = 0, n_done = 0;
};

// Block-sized working buffers shared by all layers (stream arena).
struct AudioScratch {
  int block_cap = 0;         // rows of every [block_cap, .] buffer
  float* h = nullptr;        // [block_cap, d]
  float* o = nullptr;        // [block_cap, d]
  float* ff = nullptr;       // [block_cap, max(d_ff, 2d)]
  float* clip_in = nullptr;  // [block_cap, max(d_ff, 2d)] clamped MatMul input
  float* attn = nullptr;     // [threads, max_past + future] logits
  // Kernels, pool, MatMul scratch (the largest weight's MatMulScratchBytes)
  // and the activation precision of the Conformer/projection Linears.
  NnContext nn;
};

// Pushes n new tokens x [n, d] (layer input) through layer `l`; writes the m
// tokens that became final (m returned; all pending ones when `final`) to
// x[0..m) as the layer output. n + pending must fit the state's buffers.
int64_t ConformerLayerForward(const AudioEncoder& enc, int l,
                              AudioLayerState& s, const AudioScratch& sc,
                              float* x, int64_t n, bool final);

// y = CL(x) for n rows; x may be clamped in place through sc.clip_in.
void AudioLinearForward(const AudioLinear& L, const float* x, int64_t n,
                        float* y, const AudioScratch& sc);

// x[i] = min(max(x[i], lo), hi) over n values.
void ClampInPlace(float* x, int64_t n, float lo, float hi);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_AUDIO_CONFORMER_H_
