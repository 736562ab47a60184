// Streaming safetensors writer (one file), written from the format
// description and sharing no code with the reader (core/io/safetensors.h), so
// reading back checks the writer against the format.
//
// Layout: 8-byte little-endian header length N, N bytes of JSON
// ({"__metadata__": {"format": "pt"}, "<name>": {"dtype", "shape",
// "data_offsets": [begin, end]}, ...}) padded with spaces to a multiple of 8,
// then the tensors' bytes back to back in the given order (offsets relative to
// the data section). The header is computed from the shapes alone, before any
// data exists; each tensor's bytes then come from its producer, one tensor at a
// time, through a 1 MiB buffer and write(2): memory stays bounded by the header
// plus the buffer, never a tensor.
#ifndef EDGEMMA_CORE_CONVERT_SAFETENSORS_WRITER_H_
#define EDGEMMA_CORE_CONVERT_SAFETENSORS_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/convert/gguf_writer.h"
#include "platform/status.h"
#include "quant/types.h"

namespace edgemma {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::kBF16;  // F32, F16 or BF16
  std::vector<int64_t> shape;  // PyTorch order; {} for a 0-d scalar
  TensorProducer producer;     // writes exactly Bytes() bytes
  uint64_t Bytes() const;      // numel x element size
};

// The header block (length prefix + padded JSON) for `entries`. Errors: an
// unsupported dtype, a negative dimension, an empty or duplicate name.
Result<std::string> SafetensorsHeader(
    const std::vector<SafetensorsEntry>& entries);

// Writes `entries` to `path`, which must not exist (O_EXCL: callers stage into
// a directory of their own and rename). Every write/fsync/close is checked; on
// any error (a producer's, a short or failed write: disk full) the file is
// removed and the error names `path`. `progress` (may be null) gets the tensor
// name and `done_base` + bytes written so far, of `total`.
Status WriteSafetensorsFile(const std::string& path,
                            const std::vector<SafetensorsEntry>& entries,
                            const WriteProgress& progress, uint64_t done_base,
                            uint64_t total);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_SAFETENSORS_WRITER_H_
