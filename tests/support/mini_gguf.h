// A minimal GGUF v3 reader written from the format description (spec
// formats 4.1) for the tests only. It shares no code with
// core/convert/gguf_writer.cc or h1's core/io/gguf.cc, so a round trip through
// it checks the writer against the format, not against itself. Reads the whole
// file.
#ifndef EDGEMMA_TESTS_SUPPORT_MINI_GGUF_H_
#define EDGEMMA_TESTS_SUPPORT_MINI_GGUF_H_

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace edgemma::test {

struct MiniValue {
  uint32_t type = 0;       // GGUF value type
  uint32_t elem_type = 0;  // arrays
  uint64_t u = 0;          // unsigned/bool scalars
  int64_t i = 0;           // signed scalars (also set for unsigned)
  double f = 0;            // f32/f64
  std::string s;           // strings
  std::vector<MiniValue> arr;
};

struct MiniTensor {
  std::string name;
  std::vector<uint64_t> ne;  // ggml order
  uint32_t type = 0;
  uint64_t offset = 0;
};

struct MiniGguf {
  uint32_t version = 0;
  std::vector<std::string> key_order;
  std::map<std::string, MiniValue> kv;
  std::vector<MiniTensor> tensors;
  uint64_t data_start = 0;
  std::string bytes;  // the whole file

  const MiniTensor* Find(const std::string& n) const {
    for (const MiniTensor& t : tensors) {
      if (t.name == n) return &t;
    }
    return nullptr;
  }
  const char* Data(const MiniTensor& t) const {
    return bytes.data() + data_start + t.offset;
  }
};

class MiniReader {
 public:
  explicit MiniReader(std::string b) : b_(std::move(b)) {}

  MiniGguf Parse() {
    MiniGguf g;
    if (b_.size() < 4 || b_.compare(0, 4, "GGUF") != 0)
      throw std::runtime_error("bad magic");
    p_ = 4;
    g.version = Get<uint32_t>();
    uint64_t nt = Get<uint64_t>(), nk = Get<uint64_t>();
    for (uint64_t k = 0; k < nk; ++k) {
      std::string key = Str();
      uint32_t type = Get<uint32_t>();
      g.key_order.push_back(key);
      g.kv[key] = Value(type);
    }
    for (uint64_t t = 0; t < nt; ++t) {
      MiniTensor ti;
      ti.name = Str();
      uint32_t nd = Get<uint32_t>();
      for (uint32_t d = 0; d < nd; ++d) ti.ne.push_back(Get<uint64_t>());
      ti.type = Get<uint32_t>();
      ti.offset = Get<uint64_t>();
      g.tensors.push_back(ti);
    }
    uint64_t align =
        g.kv.count("general.alignment") ? g.kv["general.alignment"].u : 32;
    g.data_start = (p_ + align - 1) / align * align;
    g.bytes = std::move(b_);
    return g;
  }

  static MiniGguf ReadFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << f.rdbuf();
    return MiniReader(ss.str()).Parse();
  }

 private:
  template <typename T>
  T Get() {
    if (p_ + sizeof(T) > b_.size()) throw std::runtime_error("truncated");
    T v;
    std::memcpy(&v, b_.data() + p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  std::string Str() {
    uint64_t n = Get<uint64_t>();
    if (p_ + n > b_.size()) throw std::runtime_error("truncated string");
    std::string s = b_.substr(p_, n);
    p_ += n;
    return s;
  }
  MiniValue Value(uint32_t type) {
    MiniValue v;
    v.type = type;
    switch (type) {
      case 0:
        v.u = Get<uint8_t>();
        v.i = int64_t(v.u);
        break;
      case 1:
        v.i = Get<int8_t>();
        break;
      case 2:
        v.u = Get<uint16_t>();
        v.i = int64_t(v.u);
        break;
      case 3:
        v.i = Get<int16_t>();
        break;
      case 4:
        v.u = Get<uint32_t>();
        v.i = int64_t(v.u);
        break;
      case 5:
        v.i = Get<int32_t>();
        break;
      case 6:
        v.f = Get<float>();
        break;
      case 7:
        v.u = Get<uint8_t>();
        v.i = int64_t(v.u);
        break;
      case 8:
        v.s = Str();
        break;
      case 9: {
        v.elem_type = Get<uint32_t>();
        uint64_t n = Get<uint64_t>();
        for (uint64_t k = 0; k < n; ++k) v.arr.push_back(Value(v.elem_type));
        break;
      }
      case 10:
        v.u = Get<uint64_t>();
        v.i = int64_t(v.u);
        break;
      case 11:
        v.i = Get<int64_t>();
        break;
      case 12:
        v.f = Get<double>();
        break;
      default:
        throw std::runtime_error("bad value type " + std::to_string(type));
    }
    return v;
  }
  std::string b_;
  size_t p_ = 0;
};

}  // namespace edgemma::test

#endif  // EDGEMMA_TESTS_SUPPORT_MINI_GGUF_H_
