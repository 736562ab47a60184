// safetensors reader: single file or an HF sharded directory
// (model.safetensors.index.json). Zero-copy: TensorInfo::data points into the
// memory mapping, which this object owns. Validation: header size bounded (100
// MB), JSON well-formed, known dtypes (F32/F16/BF16/I32/ I64/I8/U8/...), shape
// x dtype == byte length, offsets inside the data section, no overlaps, no
// duplicate names. Every error names the file and the tensor.
#ifndef EDGEMMA_CORE_IO_SAFETENSORS_H_
#define EDGEMMA_CORE_IO_SAFETENSORS_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/tensor.h"
#include "platform/mapped_file.h"
#include "platform/status.h"

namespace edgemma {

class SafetensorsFile {
 public:
  static Result<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* Find(std::string_view name) const;
  const MappedFile& file() const { return *file_; }

 private:
  std::unique_ptr<MappedFile> file_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> index_;
  friend class SafetensorsReaderImpl;
};

// All tensors of a checkpoint directory: model.safetensors.index.json if
// present (every shard named in weight_map must exist and hold the names mapped
// to it), else model.safetensors.
class SafetensorsModel {
 public:
  static Result<std::unique_ptr<SafetensorsModel>> OpenDir(
      const std::string& dir);
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* Find(std::string_view name) const;
  // The mapping that holds `t` (for madvise hints), or nullptr.
  const MappedFile* FileOf(const TensorInfo& t) const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> index_;
  friend class SafetensorsReaderImpl;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_SAFETENSORS_H_
