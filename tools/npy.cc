#include "tools/npy.h"

#include <cstring>
#include <memory>

namespace edgemma {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "npy helpers assume a little-endian host");

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

size_t ElemSize(const std::string& d) {
  if (d == "<f4" || d == "<i4") return 4;
  if (d == "<f8" || d == "<i8") return 8;
  if (d == "|u1" || d == "|b1" || d == "|i1") return 1;
  return 0;
}

// Value of `key` in the header dict text, e.g. "'descr': '<f4'" -> "'<f4'".
std::string HeaderField(const std::string& header, const std::string& key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) return "";
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) return "";
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) return "";
  size_t end = header[start] == '(' ? header.find(')', start) + 1
                                    : header.find(',', start);
  if (end == std::string::npos || end == 0) return "";
  return header.substr(start, end - start);
}

Result<std::vector<int64_t>> ParseShape(const std::string& text,
                                        const std::string& path) {
  std::vector<int64_t> shape;
  if (text.size() < 2 || text.front() != '(')
    return Corrupt(path + ": bad npy shape " + text);
  size_t i = 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] == ')') break;
    char* end = nullptr;
    long long v = std::strtoll(text.c_str() + i, &end, 10);
    if (end == text.c_str() + i || v < 0)
      return Corrupt(path + ": bad npy shape " + text);
    shape.push_back(v);
    i = static_cast<size_t>(end - text.c_str());
  }
  return shape;
}

std::string ShapeTuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
    if (i + 1 < shape.size()) s += " ";
  }
  return s + ")";
}

// The v1.0 preamble + header padded so the data starts at a multiple of 64
// bytes.
std::string MakeHeader(const std::vector<int64_t>& shape,
                       const char* descr = "<f4") {
  std::string dict =
      std::string("{'descr': '") + descr +
      "', 'fortran_order': False, 'shape': " + ShapeTuple(shape) + ", }";
  size_t total = 10 + dict.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  uint16_t len = static_cast<uint16_t>(dict.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + dict;
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Result<std::vector<float>> NpyArray::ToFloat() const {
  if (descr != "<f4" && descr != "<f8") {
    EM_ASSIGN_OR_RETURN(std::vector<int64_t> ints, ToInt());
    return std::vector<float>(ints.begin(), ints.end());
  }
  std::vector<float> out(static_cast<size_t>(numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    if (descr == "<f4") {
      std::memcpy(&out[i], data.data() + i * 4, 4);
    } else {
      double d;
      std::memcpy(&d, data.data() + i * 8, 8);
      out[i] = static_cast<float>(d);
    }
  }
  return out;
}

Result<std::vector<int64_t>> NpyArray::ToInt() const {
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t* p = data.data() + i * ElemSize(descr);
    if (descr == "<i4") {
      int32_t v;
      std::memcpy(&v, p, 4);
      out[i] = v;
    } else if (descr == "<i8") {
      std::memcpy(&out[i], p, 8);
    } else if (descr == "|u1" || descr == "|b1") {
      out[i] = *p;
    } else if (descr == "|i1") {
      out[i] = static_cast<int8_t>(*p);
    } else {
      return InvalidArgument("npy dtype " + descr + " is not an integer type");
    }
  }
  return out;
}

Result<NpyArray> ReadNpy(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return NotFound(path + ": cannot open");
  uint8_t pre[10];
  if (std::fread(pre, 1, 8, f.get()) != 8 ||
      std::memcmp(pre, "\x93NUMPY", 6) != 0) {
    return Corrupt(path + ": not a .npy file (bad magic)");
  }
  size_t header_len = 0;
  if (pre[6] == 1) {
    if (std::fread(pre + 8, 1, 2, f.get()) != 2)
      return Corrupt(path + ": truncated header");
    header_len = pre[8] | (pre[9] << 8);
  } else if (pre[6] == 2 || pre[6] == 3) {
    uint8_t l[4];
    if (std::fread(l, 1, 4, f.get()) != 4)
      return Corrupt(path + ": truncated header");
    header_len =
        l[0] | (l[1] << 8) | (l[2] << 16) | (static_cast<size_t>(l[3]) << 24);
    if (header_len > (1u << 20)) return Corrupt(path + ": header too large");
  } else {
    return Unsupported(path + ": npy version " + std::to_string(pre[6]));
  }
  std::string header(header_len, '\0');
  if (std::fread(header.data(), 1, header_len, f.get()) != header_len) {
    return Corrupt(path + ": truncated header");
  }
  NpyArray a;
  std::string descr = HeaderField(header, "descr");
  if (descr.size() < 2) return Corrupt(path + ": npy header without descr");
  a.descr = descr.substr(1, descr.size() - 2);
  if (a.descr == "<u1" || a.descr == "<b1") a.descr[0] = '|';
  if (ElemSize(a.descr) == 0)
    return Unsupported(path + ": npy dtype " + a.descr);
  if (HeaderField(header, "fortran_order").rfind("False", 0) != 0) {
    return Unsupported(path + ": fortran-order npy");
  }
  EM_ASSIGN_OR_RETURN(a.shape, ParseShape(HeaderField(header, "shape"), path));
  size_t bytes = static_cast<size_t>(a.numel()) * ElemSize(a.descr);
  a.data.resize(bytes);
  if (bytes && std::fread(a.data.data(), 1, bytes, f.get()) != bytes) {
    return Corrupt(path + ": truncated data (expected " +
                   std::to_string(bytes) + " bytes)");
  }
  return a;
}

Status WriteNpyF32(const std::string& path, const float* data,
                   const std::vector<int64_t>& shape) {
  NpyF32Writer w;
  EM_RETURN_IF_ERROR(w.Open(path, shape));
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  EM_RETURN_IF_ERROR(w.Append(data, n));
  return w.Finish();
}

Status WriteNpyBool(const std::string& path, const uint8_t* data,
                    const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return IoError(path + ": cannot open for writing");
  const std::string h = MakeHeader(shape, "|b1");
  bool ok = std::fwrite(h.data(), 1, h.size(), f) == h.size();
  for (int64_t i = 0; ok && i < n; ++i)
    ok = std::fputc(data[i] ? 1 : 0, f) != EOF;
  if (std::fclose(f) != 0) ok = false;
  return ok ? Status::Ok() : IoError(path + ": write failed (disk full?)");
}

NpyF32Writer::~NpyF32Writer() {
  if (f_) std::fclose(f_);
}

Status NpyF32Writer::Open(const std::string& path,
                          const std::vector<int64_t>& shape) {
  path_ = path;
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) return IoError(path + ": cannot open for writing");
  expected_ = 1;
  for (int64_t d : shape) expected_ *= d;
  written_ = 0;
  std::string h = MakeHeader(shape);
  if (std::fwrite(h.data(), 1, h.size(), f_) != h.size())
    return IoError(path + ": write failed");
  return Status::Ok();
}

Status NpyF32Writer::Append(const float* data, int64_t n) {
  if (!f_) return Internal("NpyF32Writer::Append before Open");
  if (written_ + n > expected_)
    return Internal(path_ + ": more elements than the shape holds");
  if (n && std::fwrite(data, sizeof(float), static_cast<size_t>(n), f_) !=
               static_cast<size_t>(n)) {
    return IoError(path_ + ": write failed (disk full?)");
  }
  written_ += n;
  return Status::Ok();
}

Status NpyF32Writer::Finish() {
  if (!f_) return Internal("NpyF32Writer::Finish before Open");
  int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0) return IoError(path_ + ": close failed (disk full?)");
  if (written_ != expected_) {
    return Internal(path_ + ": wrote " + std::to_string(written_) + " of " +
                    std::to_string(expected_) + " elements");
  }
  return Status::Ok();
}

Status WriteNpyI32(const std::string& path, const int32_t* data,
                   const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return IoError(path + ": cannot open for writing");
  const std::string h = MakeHeader(shape, "<i4");
  bool ok =
      std::fwrite(h.data(), 1, h.size(), f) == h.size() &&
      (n == 0 || std::fwrite(data, sizeof(int32_t), static_cast<size_t>(n),
                             f) == static_cast<size_t>(n));
  if (std::fclose(f) != 0) ok = false;
  return ok ? Status::Ok() : IoError(path + ": write failed (disk full?)");
}

}  // namespace edgemma
