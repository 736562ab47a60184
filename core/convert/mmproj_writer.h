// The mmproj GGUF's writer side (`edgemma quantize`): the tower tensors' type
// policy and the general.* / clip.* / edgemma.* metadata, on top of the plan
// the runtime loader shares (core/io/mmproj_plan.h).
#ifndef EDGEMMA_CORE_CONVERT_MMPROJ_WRITER_H_
#define EDGEMMA_CORE_CONVERT_MMPROJ_WRITER_H_

#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/gguf_writer.h"
#include "core/io/config.h"
#include "core/io/mmproj_plan.h"
#include "quant/types.h"

namespace edgemma {

// Type policy: kLinear follows the preset (kDefault -> Q8_0: the towers are
// small and llama.cpp ships them in F16/Q8_0), F16 when a block type does not
// divide the row or a --keep-f16 glob matches the GGUF or HF name; kPatch F16
// under kF16 else F32 (llama.cpp's rule); kF32 always F32.
DType ChooseMmprojType(const TowerTensor& t, QuantPreset preset,
                       const std::vector<std::string>& keep_f16);

// general.* (architecture "clip", type "mmproj") and clip.* keys as
// llama.cpp's converter writes them, plus edgemma.{vision,audio}_config JSON
// (the tower loader validates shapes against them).
void WriteMmprojMetadata(const Gemma4Config& cfg, const TowerDims& dims,
                         QuantPreset preset, const std::string& name,
                         GgufWriter& w);

// "dir/mmproj-<basename of out>" (llama.cpp's naming: a separate file).
std::string DefaultMmprojPath(const std::string& out_path);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_MMPROJ_WRITER_H_
