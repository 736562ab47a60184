// Streaming GGUF v3 writer. Metadata and tensor infos are collected first
// (small); tensor data are produced one tensor at a time by caller callbacks at
// write time, so memory stays bounded by the metadata plus the writer's 1 MiB
// buffer, never the model.
//
// Atomicity: WriteFile() writes `<path>.tmp.XXXXXX` in the output's directory,
// checks every write/fsync/close, and renames it over `path` only on success;
// on any error the temporary is removed and `path` is untouched. An existing
// `path` is refused unless `force`. Thread-safety: none; one writer per thread.
#ifndef EDGEMMA_CORE_CONVERT_GGUF_WRITER_H_
#define EDGEMMA_CORE_CONVERT_GGUF_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/io/gguf.h"
#include "platform/status.h"
#include "quant/types.h"

namespace edgemma {

// Receives one tensor's bytes, in order, from a producer. Write() returns an
// error once the declared tensor size would be exceeded or the disk write
// failed.
class TensorSink {
 public:
  virtual ~TensorSink() = default;
  virtual Status Write(const void* data, size_t n) = 0;
};

// Writes exactly the tensor's byte size into `sink` (row by row, chunk by
// chunk).
using TensorProducer = std::function<Status(TensorSink& sink)>;
// Progress: current tensor name, data bytes written so far, total data bytes.
using WriteProgress = std::function<void(const std::string& tensor,
                                         uint64_t done, uint64_t total)>;

class GgufWriter {
 public:
  // ggml's limit on tensor names (GGML_MAX_NAME - 1).
  static constexpr size_t kMaxTensorName = 63;

  GgufWriter() = default;

  // Metadata, written in call order. Duplicate keys are an error reported by
  // WriteFile().
  void AddU8(std::string_view key, uint8_t v);
  void AddI8(std::string_view key, int8_t v);
  void AddU16(std::string_view key, uint16_t v);
  void AddI16(std::string_view key, int16_t v);
  void AddU32(std::string_view key, uint32_t v);
  void AddI32(std::string_view key, int32_t v);
  void AddU64(std::string_view key, uint64_t v);
  void AddI64(std::string_view key, int64_t v);
  void AddF32(std::string_view key, float v);
  void AddF64(std::string_view key, double v);
  void AddBool(std::string_view key, bool v);
  void AddString(std::string_view key, std::string_view v);
  // Arrays of a plain (non-string, non-array) element type; `data` holds count
  // little-endian elements of that type.
  void AddArray(std::string_view key, GgufType elem, const void* data,
                uint64_t count);
  void AddI32Array(std::string_view key, const std::vector<int32_t>& v);
  void AddU32Array(std::string_view key, const std::vector<uint32_t>& v);
  void AddF32Array(std::string_view key, const std::vector<float>& v);
  void AddBoolArray(std::string_view key, const std::vector<bool>& v);
  void AddStringArray(std::string_view key, const std::vector<std::string>& v);
  // general.alignment (also written as metadata). Power of two, default 32.
  void SetAlignment(uint32_t alignment);

  // A tensor of PyTorch-order `shape` (written as reversed ne[]) and `type`;
  // the producer is called once, during WriteFile(), and must write exactly the
  // tensor's byte size.
  void AddTensor(std::string_view name, DType type, std::vector<int64_t> shape,
                 TensorProducer producer);

  // Total bytes of tensor data (without padding).
  uint64_t data_bytes() const;
  size_t tensor_count() const { return tensors_.size(); }

  Status WriteFile(const std::string& path, bool force,
                   const WriteProgress& progress = nullptr);

 private:
  struct PendingTensor {
    std::string name;
    DType type;
    std::vector<int64_t> shape;
    uint64_t nbytes = 0;
    uint64_t offset = 0;  // relative to the data section
    TensorProducer producer;
  };
  void Key(std::string_view key, GgufType type);
  Status Validate() const;

  std::string kv_;  // serialized key/value pairs
  uint64_t kv_count_ = 0;
  uint32_t alignment_ = 32;
  bool alignment_set_ = false;
  std::vector<std::string> key_names_;
  std::vector<PendingTensor> tensors_;
  std::string deferred_error_;  // first misuse (bad shape/type), reported by
                                // WriteFile()
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_GGUF_WRITER_H_
