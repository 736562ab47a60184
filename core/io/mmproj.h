// Tower weights for the (future) vision and audio encoders: opens an HF
// checkpoint directory or an mmproj GGUF written by `edgemma quantize` and
// binds every tensor of mmproj_plan.h's plan by name into plain structs.
// Shapes are checked against the config (config.json's vision_config /
// audio_config, or the mmproj's edgemma.{vision,audio}_config copy of them);
// errors name the tensor and the problem (missing, wrong shape, wrong dtype).
//
// Conventions: weights are [out, in] views into the file mapping (zero-copy;
// the TowerWeights object owns the mapping and must outlive the views). Shapes
// are the GGUF ones for both sources (a 0-d HF scalar reads as [1], the HF
// depthwise kernel [C, 1, K] as [C, K], the HF patch matrix [d, p*p*3] keeps
// its HF layout and says so through `pending`). ToF32() returns the values in
// the GGUF convention whatever the source (softplus applied to per_dim_scale,
// patch kernel as [d, 3, p, p]). Clip bounds are read into floats (+-inf when
// the checkpoint has none). Not supported yet: mmproj files without the
// edgemma.* config keys (e.g. llama.cpp's own), which fail with a clear error.
#ifndef EDGEMMA_CORE_IO_MMPROJ_H_
#define EDGEMMA_CORE_IO_MMPROJ_H_

#include <array>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/base/tensor.h"
#include "core/io/gguf.h"
#include "core/io/mmproj_plan.h"
#include "core/io/safetensors.h"
#include "platform/status.h"

namespace edgemma {

struct BoundTensor {
  TensorInfo t;  // data == nullptr when an optional tensor is absent
  TowerTransform pending = TowerTransform::kNone;  // still to apply (HF)
  bool present() const { return t.data != nullptr; }
};

struct ClippedLinear {
  BoundTensor w;  // [out, in]
  float in_min = -std::numeric_limits<float>::infinity();
  float in_max = std::numeric_limits<float>::infinity();
  float out_min = -std::numeric_limits<float>::infinity();
  float out_max = std::numeric_limits<float>::infinity();
};

struct VisionLayerWeights {
  BoundTensor ln1, q_norm, k_norm, attn_post_norm, ln2, ffn_post_norm;
  BoundTensor out_scale;  // optional
  ClippedLinear q, k, v, o, gate, up, down;
};

struct VisionWeights {
  BoundTensor patch;      // [d, 3, p, p] (HF source: [d, p*p*3], pending)
  BoundTensor pos;        // [2, pos_size, d]
  BoundTensor std_bias;   // [d], only when standardize
  BoundTensor std_scale;  // [d], only when standardize
  BoundTensor proj;       // [text_d, d] (embed_vision)
  std::vector<VisionLayerWeights> layers;
};

struct AudioLayerWeights {
  BoundTensor ffn_norm, ffn_post_norm, ffn_norm_1, ffn_post_norm_1;
  BoundTensor attn_pre_norm, attn_post_norm, k_rel;
  BoundTensor per_dim_scale;    // [head_dim], softplus'ed by ToF32
  BoundTensor per_dim_k_scale;  // optional
  BoundTensor pre_conv_norm;    // GGUF conv_norm (lconv1d.pre_layer_norm)
  BoundTensor conv_dw;          // [d, kernel]
  BoundTensor post_conv_norm;   // GGUF norm_conv (lconv1d.conv_norm)
  BoundTensor ln2;              // norm_out
  ClippedLinear ffn_up, ffn_down, ffn_up_1, ffn_down_1, q, k, v, o, pw1, pw2;
};

struct AudioWeights {
  std::array<BoundTensor, 2> conv;       // [c_k, c_in, 3, 3]
  std::array<BoundTensor, 2> conv_norm;  // [c_k]
  BoundTensor input_proj;                // [d, sscp_out]
  BoundTensor out_w, out_b;  // output_proj [out_dims, d], [out_dims]
  BoundTensor proj;          // [text_d, out_dims] (embed_audio)
  std::vector<AudioLayerWeights> layers;
};

// "dir/mmproj-<file>": where `edgemma quantize` writes the towers of the GGUF
// model at `model_path` (llama.cpp's naming: a separate file).
std::string MmprojPathBeside(const std::string& model_path);

// The towers of the model at `model_path`: the HF directory itself, or the
// mmproj beside a GGUF file. NotFound names what is missing; `what` says which
// tower the caller wants ("vision", "audio").
Result<std::string> TowerPathFor(const std::string& model_path,
                                 const char* what);

class TowerWeights {
 public:
  // `path`: an HF checkpoint directory or an mmproj .gguf file.
  static Result<std::unique_ptr<TowerWeights>> Open(const std::string& path);

  const TowerDims& dims() const { return dims_; }
  const VisionWeights& vision() const { return vision_; }
  const AudioWeights& audio() const { return audio_; }
  bool from_gguf() const { return gguf_ != nullptr; }

  // The tensor's values as f32 in the GGUF convention (see above).
  Result<std::vector<float>> ToF32(const BoundTensor& b) const;

 private:
  TowerDims dims_;
  VisionWeights vision_;
  AudioWeights audio_;
  std::unique_ptr<SafetensorsModel> st_;
  std::unique_ptr<GgufFile> gguf_;
  friend class TowerBinder;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_MMPROJ_H_
