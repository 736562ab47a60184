// `edgemma quantize`, tower part: resolves the mmproj plan (mmproj_plan.h)
// against an HF checkpoint and queues every tower tensor on a GgufWriter.
// All checks happen here, before any file exists: a planned tensor missing
// (unless optional), a wrong shape or dtype, or a tower tensor in the
// checkpoint that the plan does not map (it would be dropped silently).
#ifndef EDGEMMA_CORE_CONVERT_QUANTIZE_MMPROJ_H_
#define EDGEMMA_CORE_CONVERT_QUANTIZE_MMPROJ_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/convert/gguf_writer.h"
#include "core/convert/mmproj_writer.h"
#include "core/io/config.h"
#include "core/io/safetensors.h"
#include "platform/status.h"

namespace edgemma {

struct MmprojTally {
  int tensors = 0;
  uint64_t data_bytes = 0;
  std::map<std::string, int> type_counts;  // "q8_0" -> tensors
};

// Fills `w` (metadata + tensor producers reading from `st`, which must outlive
// w.WriteFile()). `dims` must have a tower (dims.any()).
Status PrepareMmproj(const Gemma4Config& cfg, const TowerDims& dims,
                     const SafetensorsModel& st, QuantPreset preset,
                     const std::vector<std::string>& keep_f16,
                     const std::string& name, GgufWriter& w,
                     MmprojTally* tally);

// Tower tensors of the checkpoint (the count a text-only conversion skips).
int CountTowerTensors(const SafetensorsModel& st);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_QUANTIZE_MMPROJ_H_
