// mmproj type policy and metadata for `edgemma quantize` (contracts in
// mmproj_writer.h). Keys follow llama.cpp's converter and what
// tools/mtmd/clip.cpp reads for gemma4v / gemma4a.
#include "core/convert/mmproj_writer.h"

#include <fnmatch.h>

#include "core/io/gguf_keys.h"
#include "core/io/mmproj.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

DType PresetLinearType(QuantPreset p) {
  switch (p) {
    case QuantPreset::kDefault:
    case QuantPreset::kQ8_0:
      return DType::kQ8_0;
    case QuantPreset::kQ4_0:
      return DType::kQ4_0;
    case QuantPreset::kF16:
      return DType::kF16;
    case QuantPreset::kBF16:
      return DType::kBF16;
    case QuantPreset::kF32:
      return DType::kF32;
  }
  return DType::kF16;
}

}  // namespace

DType ChooseMmprojType(const TowerTensor& t, QuantPreset preset,
                       const std::vector<std::string>& keep_f16) {
  if (t.role == TowerRole::kF32) return DType::kF32;
  if (t.role == TowerRole::kPatch)
    return preset == QuantPreset::kF16 ? DType::kF16 : DType::kF32;
  for (const std::string& g : keep_f16) {
    if (fnmatch(g.c_str(), t.gguf_name.c_str(), 0) == 0 ||
        fnmatch(g.c_str(), t.hf_name.c_str(), 0) == 0) {
      return DType::kF16;
    }
  }
  DType type = PresetLinearType(preset);
  if (IsBlockQuantized(type) && t.shape.back() % BlockElems(type) != 0)
    return DType::kF16;
  return type;
}

void WriteMmprojMetadata(const Gemma4Config& cfg, const TowerDims& dims,
                         QuantPreset preset, const std::string& name,
                         GgufWriter& w) {
  w.AddString(kGgufArchitecture, "clip");
  w.AddString("general.type", "mmproj");
  w.AddString(kGgufName, name);
  w.SetAlignment(32);
  w.AddU32(kGgufFileType, preset == QuantPreset::kF16    ? 1
                          : preset == QuantPreset::kF32  ? 0
                          : preset == QuantPreset::kBF16 ? 32
                          : preset == QuantPreset::kQ4_0 ? 2
                                                         : 7);
  const VisionDims& v = dims.vision;
  w.AddBool("clip.has_vision_encoder", v.present);
  w.AddBool("clip.has_audio_encoder", dims.audio.present);
  if (v.present) {
    w.AddString("clip.vision.projector_type", "gemma4v");
    w.AddU32("clip.vision.projection_dim", dims.text_d);
    w.AddU32("clip.vision.image_size", 224);  // llama.cpp's placeholder
    w.AddU32("clip.vision.patch_size", v.patch);
    w.AddU32("clip.vision.embedding_length", v.d);
    w.AddU32("clip.vision.feed_forward_length", v.d_ff);
    w.AddU32("clip.vision.block_count", v.n_layers);
    w.AddU32("clip.vision.attention.head_count", v.n_heads);
    w.AddF32("clip.vision.attention.layer_norm_epsilon", v.eps);
    // Gemma 4 does not normalise (pixel / 255; the graph maps to [-1, 1]).
    w.AddF32Array("clip.vision.image_mean", {0.f, 0.f, 0.f});
    w.AddF32Array("clip.vision.image_std", {1.f, 1.f, 1.f});
    w.AddU32("clip.vision.projector.scale_factor", v.pool);
    // llama.cpp's clip loader picks the ViT MLP activation from these global
    // keys (neither set: gelu_quick); its gemma4v graph follows it, while the
    // gemma4a graph hard-codes SiLU, so the keys only speak for the vision
    // tower. ggml's plain gelu is the tanh form of gelu_pytorch_tanh.
    if (v.activation == "gelu_pytorch_tanh" || v.activation == "gelu_new")
      w.AddBool("clip.use_gelu", true);
    if (v.activation == "silu") w.AddBool("clip.use_silu", true);
    w.AddString(kEmVisionJson, cfg.vision.json);
  }
  const AudioDims& a = dims.audio;
  if (a.present) {
    w.AddString("clip.audio.projector_type", "gemma4a");
    w.AddU32("clip.audio.projection_dim", dims.text_d);
    w.AddU32("clip.audio.embedding_length", a.d);
    w.AddU32("clip.audio.feed_forward_length", a.d_ff());
    w.AddU32("clip.audio.block_count", a.n_layers);
    w.AddU32("clip.audio.attention.head_count", a.n_heads);
    w.AddU32("clip.audio.num_mel_bins", a.n_mel);
    w.AddF32("clip.audio.attention.layer_norm_epsilon", a.eps);
    w.AddString(kEmAudioJson, cfg.audio.json);
  }
  w.AddString(kEmSource, "quantize");
}

std::string DefaultMmprojPath(const std::string& out_path) {
  return MmprojPathBeside(out_path);
}

}  // namespace edgemma
