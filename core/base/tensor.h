// Non-owning tensor descriptions shared by the file readers, the weight binder
// and the tests. Shapes are always in PyTorch order (outermost first; a matrix
// is [out, in], y = W x), whatever the file: the GGUF reader reverses ggml's
// ne[] order.
#ifndef EDGEMMA_CORE_BASE_TENSOR_H_
#define EDGEMMA_CORE_BASE_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "quant/types.h"

namespace edgemma {

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // PyTorch order; {} for a scalar
  const void* data = nullptr;  // points into a mapping owned by the reader
  size_t nbytes = 0;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  // "[262144, 1536]"
  std::string ShapeString() const;
};

// View a 2-D tensor as a weight matrix (shape [rows, cols]); a 1-D tensor is
// one row. Programmer error (asserts) for other ranks; callers check shapes
// first.
WeightMatrix AsMatrix(const TensorInfo& t);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_BASE_TENSOR_H_
