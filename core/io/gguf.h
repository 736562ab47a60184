// GGUF v3 reader (llama.cpp's format). Zero-copy: tensor data are views into
// the mapping. Validation: magic/version, counts bounded by file size,
// strings/arrays inside the file, known value types, known ggml types, ne[0] a
// multiple of the block size, offsets aligned to general.alignment and inside
// the data section, no overlaps. Errors name the file and item. Shapes in
// TensorInfo are PyTorch order (ggml ne[] reversed).
#ifndef EDGEMMA_CORE_IO_GGUF_H_
#define EDGEMMA_CORE_IO_GGUF_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/tensor.h"
#include "platform/mapped_file.h"
#include "platform/status.h"

namespace edgemma {

enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// One metadata value. Scalars are widened; arrays keep their element type and a
// pointer to the raw little-endian elements in the mapping (strings: use
// ArrayString()).
struct GgufValue {
  GgufType type = GgufType::kU8;
  GgufType elem_type = GgufType::kU8;  // arrays only
  uint64_t u = 0;                      // unsigned/bool scalars
  int64_t i = 0;                       // signed scalars
  double f = 0;                        // float scalars
  std::string_view str;                // kString (view into the mapping)
  uint64_t count = 0;                  // arrays: element count
  const uint8_t* data = nullptr;       // arrays: first element
  // For string arrays: offsets of each element's length prefix (built once at
  // load).
  std::vector<const uint8_t*> string_elems;

  std::string_view ArrayString(uint64_t idx) const;
  int64_t ArrayInt(uint64_t idx) const;   // integer/bool arrays
  double ArrayFloat(uint64_t idx) const;  // f32/f64 arrays
};

class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> Open(const std::string& path);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* Find(std::string_view name) const;
  const GgufValue* Get(std::string_view key) const;
  const std::vector<std::string>& keys() const {
    return keys_;
  }  // in file order

  // Typed getters: kNotFound if missing, kCorrupt (naming the key) if the type
  // is wrong.
  Result<int64_t> GetInt(std::string_view key) const;
  Result<double> GetFloat(std::string_view key) const;
  Result<std::string> GetString(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;

  const MappedFile& file() const { return *file_; }
  size_t data_offset() const { return data_offset_; }

 private:
  std::unique_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  size_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
  std::vector<std::string> keys_;
  std::unordered_map<std::string, GgufValue> kv_;
  friend class GgufReaderImpl;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_GGUF_H_
