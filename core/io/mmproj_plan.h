// The vision + audio towers as llama.cpp's mmproj GGUF holds them (spec
// formats 4.5, vision spec 6.2, audio spec 4.3): tower sizes parsed from
// config.json's vision_config / audio_config, the tensor plan (HF name ->
// llama.cpp `v.` / `a.` / `mm.` name, HF shape, GGUF shape, the transform
// llama.cpp's converter (`Gemma4VisionAudioModel`) applies), the type policy
// and the clip.* metadata. Shared by `edgemma quantize` (writer) and the tower
// loader (core/io/mmproj.h). Every size comes from the config; nothing here
// knows E2B or E4B.
#ifndef EDGEMMA_CORE_IO_MMPROJ_PLAN_H_
#define EDGEMMA_CORE_IO_MMPROJ_PLAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/config.h"
#include "platform/status.h"
#include "quant/types.h"

namespace edgemma {

struct VisionDims {
  bool present = false;
  int d = 0;             // hidden_size
  int d_ff = 0;          // intermediate_size
  int n_layers = 0;      // num_hidden_layers
  int n_heads = 0;       // num_attention_heads
  int n_kv_heads = 0;    // num_key_value_heads (default n_heads)
  int head_dim = 0;      // head_dim (default d / n_heads)
  int patch = 0;         // patch_size
  int pos_size = 0;      // position_embedding_size
  int pool = 0;          // pooling_kernel_size
  bool clipped = false;  // use_clipped_linears
  bool standardize = false;
  float eps = 1e-6f;        // rms_norm_eps
  double rope_theta = 100;  // rope_parameters.rope_theta (2-D RoPE)
  std::string activation;   // hidden_activation ("gelu_pytorch_tanh")
};

struct AudioDims {
  bool present = false;
  int d = 0;                 // hidden_size
  int n_layers = 0;          // num_hidden_layers
  int n_heads = 0;           // num_attention_heads
  int conv0 = 0, conv1 = 0;  // subsampling_conv_channels
  int kernel = 0;            // conv_kernel_size (light-conv depthwise)
  int out_dims = 0;          // output_proj_dims
  int n_mel = 128;           // input_feat_size (default 128)
  bool clipped = false;      // use_clipped_linears
  float eps = 1e-6f;         // rms_norm_eps
  // Chunked local attention and the rest of the Conformer (HF defaults when
  // the config omits them; the encoder in core/audio reads these).
  int chunk = 12;                   // attention_chunk_size
  int context_left = 13;            // attention_context_left (keys t-left+2..t)
  int context_right = 0;            // attention_context_right
  float logit_cap = 50.f;           // attention_logit_cap
  float invalid_logit = -1e9f;      // attention_invalid_logits_value
  float residual_weight = 0.5f;     // macaron FFN residual weight
  float gradient_clipping = 1e10f;  // clamp bound of the residual stream
  std::string act = "silu";         // hidden_act
  int d_ff() const { return 4 * d; }  // Gemma4AudioFeedForward: 4 x hidden
  int head_dim() const { return n_heads > 0 ? d / n_heads : 0; }
  // HF sizes input_proj_linear's input as (channels[0] / 4) * channels[1].
  int sscp_out() const { return conv0 / 4 * conv1; }
};

struct TowerDims {
  VisionDims vision;
  AudioDims audio;
  int text_d = 0;  // the projectors' output width (text hidden_size)
  bool any() const { return vision.present || audio.present; }
};

// From the parsed config (its vision/audio sub-config JSON). Errors name the
// field ("vision_config.hidden_size: missing").
Result<TowerDims> TowerDimsFromConfig(const Gemma4Config& cfg);

// What the converter does to the HF data on the way into the GGUF.
enum class TowerTransform {
  kNone,        // same values, same layout (0-d scalars become [1])
  kSoftplus,    // audio per_dim_scale: GGUF holds log(1 + e^x)
  kPatchToConv  // vision patch: HF [d, p*p*3] (dy, dx, c) -> [d, 3, p, p]
};

// How a tower tensor is typed (ChooseMmprojType).
enum class TowerRole {
  kLinear,  // 2-D weight [out, in]: follows --type
  kPatch,   // patch embedding conv kernel: F16 under --type f16, else F32
  kF32      // norms, biases, clip bounds, scales, position table, audio convs
};

struct TowerTensor {
  std::string gguf_name;          // "v.blk.0.attn_q.weight"
  std::string hf_name;            // full HF name ("model.vision_tower....")
  std::vector<int64_t> hf_shape;  // as in the checkpoint ({} for 0-d scalars)
  std::vector<int64_t> shape;     // GGUF, PyTorch order ([1] for scalars)
  TowerTransform transform = TowerTransform::kNone;
  TowerRole role = TowerRole::kF32;
  bool optional = false;  // absent in the checkpoint: skipped, not an error
};

// Every tower tensor for `dims`, in file order (vision, its projector, audio,
// its projector). Optional entries (vision layer_scalar, audio
// per_dim_key_scale) are dropped by the caller when the source lacks them.
std::vector<TowerTensor> PlanTowerTensors(const TowerDims& dims);

// Is `hf_name` a tower tensor (model.vision_tower/audio_tower/embed_*)?
bool IsTowerTensorName(std::string_view hf_name);

// Applies t.transform to one HF row of `cols` values in place (every
// transform is row-local: a patch row [p*p*3] becomes the conv row [3*p*p]).
// `tmp` is scratch; it grows to `cols` once.
void ApplyTowerTransform(const TowerTensor& t, float* row, int64_t cols,
                         std::vector<float>& tmp);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_MMPROJ_PLAN_H_
