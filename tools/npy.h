// Minimal NumPy .npy (format v1.0/v2.0) reader and writer: little-endian, C
// order, the dtypes the golden files and `edgemma logits` use (<f4, <f8, <i4,
// <i8, |u1, |b1). Used by tests (to read goldens) and developer tools (to write
// logits); not on the inference path.
#ifndef EDGEMMA_TOOLS_NPY_H_
#define EDGEMMA_TOOLS_NPY_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "platform/status.h"

namespace edgemma {

struct NpyArray {
  std::string descr;           // "<f4", "<i4", ...
  std::vector<int64_t> shape;  // C order; {} for a scalar
  std::vector<uint8_t> data;   // raw little-endian elements

  int64_t numel() const;
  // Element-wise conversions (error if the dtype is not numeric).
  Result<std::vector<float>> ToFloat() const;
  Result<std::vector<int64_t>> ToInt() const;
};

// Reads a whole .npy file. Errors name the path and the problem (bad magic,
// fortran order, big-endian or unsupported dtype, truncated data).
Result<NpyArray> ReadNpy(const std::string& path);

// Writes a float32 array in one call.
Status WriteNpyF32(const std::string& path, const float* data,
                   const std::vector<int64_t>& shape);

// Writes a bool array ('|b1', numpy's bool): nonzero bytes of `data` become
// True.
Status WriteNpyBool(const std::string& path, const uint8_t* data,
                    const std::vector<int64_t>& shape);

// Streaming float32 writer: the header (with the final shape) first, then rows
// appended in order. Finish() checks that exactly numel elements were written.
class NpyF32Writer {
 public:
  NpyF32Writer() = default;
  ~NpyF32Writer();
  NpyF32Writer(const NpyF32Writer&) = delete;
  NpyF32Writer& operator=(const NpyF32Writer&) = delete;

  Status Open(const std::string& path, const std::vector<int64_t>& shape);
  Status Append(const float* data, int64_t n);
  Status Finish();

 private:
  std::string path_;
  FILE* f_ = nullptr;
  int64_t expected_ = 0;
  int64_t written_ = 0;
};

// Writes an int32 array ('<i4') in one call (positions, ids).
Status WriteNpyI32(const std::string& path, const int32_t* data,
                   const std::vector<int64_t>& shape);

}  // namespace edgemma

#endif  // EDGEMMA_TOOLS_NPY_H_
