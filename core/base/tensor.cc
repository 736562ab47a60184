#include "core/base/tensor.h"

#include <cassert>

namespace edgemma {

std::string TensorInfo::ShapeString() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

WeightMatrix AsMatrix(const TensorInfo& t) {
  assert(t.shape.size() == 1 || t.shape.size() == 2);
  WeightMatrix m;
  m.type = t.dtype;
  m.rows = t.shape.size() == 2 ? t.shape[0] : 1;
  m.cols = t.shape.back();
  m.data = t.data;
  m.row_bytes = m.rows > 0 ? t.nbytes / static_cast<size_t>(m.rows) : 0;
  return m;
}

}  // namespace edgemma
