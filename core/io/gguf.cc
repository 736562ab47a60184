#include "core/io/gguf.h"

#include <algorithm>
#include <cstring>

namespace edgemma {
namespace {

constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS
constexpr uint64_t kMaxNameBytes =
    65536;  // keys and tensor names (ggml uses 64 for names)

size_t ScalarSize(GgufType t) {
  switch (t) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
      return 8;
    default:
      return 0;  // string, array
  }
}

bool KnownValueType(uint32_t t) {
  return t <= static_cast<uint32_t>(GgufType::kF64);
}

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // little-endian file, little-endian targets
  return v;
}

// Reads a scalar of type `t` at p into the widened fields of `v`.
void DecodeScalar(GgufType t, const uint8_t* p, GgufValue* v) {
  switch (t) {
    case GgufType::kU8:
      v->u = Load<uint8_t>(p);
      break;
    case GgufType::kBool:
      v->u = Load<uint8_t>(p) != 0;
      break;
    case GgufType::kU16:
      v->u = Load<uint16_t>(p);
      break;
    case GgufType::kU32:
      v->u = Load<uint32_t>(p);
      break;
    case GgufType::kU64:
      v->u = Load<uint64_t>(p);
      break;
    case GgufType::kI8:
      v->i = Load<int8_t>(p);
      break;
    case GgufType::kI16:
      v->i = Load<int16_t>(p);
      break;
    case GgufType::kI32:
      v->i = Load<int32_t>(p);
      break;
    case GgufType::kI64:
      v->i = Load<int64_t>(p);
      break;
    case GgufType::kF32:
      v->f = Load<float>(p);
      break;
    case GgufType::kF64:
      v->f = Load<double>(p);
      break;
    default:
      break;
  }
}

bool IsUnsigned(GgufType t) {
  return t == GgufType::kU8 || t == GgufType::kU16 || t == GgufType::kU32 ||
         t == GgufType::kU64;
}
bool IsSigned(GgufType t) {
  return t == GgufType::kI8 || t == GgufType::kI16 || t == GgufType::kI32 ||
         t == GgufType::kI64;
}

}  // namespace

std::string_view GgufValue::ArrayString(uint64_t idx) const {
  if (idx >= string_elems.size()) return {};
  const uint8_t* p = string_elems[idx];
  const uint64_t len = Load<uint64_t>(p);  // bounds were checked at load
  return std::string_view(reinterpret_cast<const char*>(p + 8), len);
}

int64_t GgufValue::ArrayInt(uint64_t idx) const {
  if (type != GgufType::kArray || idx >= count || !ScalarSize(elem_type))
    return 0;
  GgufValue v;
  DecodeScalar(elem_type, data + idx * ScalarSize(elem_type), &v);
  return IsSigned(elem_type) ? v.i : static_cast<int64_t>(v.u);
}

double GgufValue::ArrayFloat(uint64_t idx) const {
  if (type != GgufType::kArray || idx >= count) return 0;
  if (elem_type != GgufType::kF32 && elem_type != GgufType::kF64) {
    return static_cast<double>(ArrayInt(idx));
  }
  GgufValue v;
  DecodeScalar(elem_type, data + idx * ScalarSize(elem_type), &v);
  return v.f;
}

// Parses the mapping front to back; every read is bounds-checked against the
// file size before use, and every count is checked against the bytes left
// before anything is reserved.
class GgufReaderImpl {
 public:
  GgufReaderImpl(GgufFile* g)
      : g_(g), f_(*g->file_), p_(f_.data()), size_(f_.size()) {}

  Status Parse() {
    if (size_ < 24)
      return Err("file of " + std::to_string(size_) + " bytes is too short");
    if (std::memcmp(p_, "GGUF", 4) != 0)
      return Err("bad magic (not a GGUF file)");
    pos_ = 4;
    uint64_t n_tensors = 0, n_kv = 0;
    g_->version_ = Load<uint32_t>(p_ + 4);
    pos_ = 8;
    if (g_->version_ != 2 && g_->version_ != 3) {
      return Status(StatusCode::kUnsupported, f_.path() + ": GGUF version " +
                                                  std::to_string(g_->version_) +
                                                  " is not supported (2 or 3)");
    }
    EM_RETURN_IF_ERROR(U64("tensor count", &n_tensors));
    EM_RETURN_IF_ERROR(U64("metadata count", &n_kv));
    // Lower bounds on the encoded size: a KV pair >= 13 bytes, a tensor info >=
    // 24 bytes.
    if (n_kv > Left() / 13)
      return Err("metadata count " + std::to_string(n_kv) +
                 " exceeds the file");
    if (n_tensors > Left() / 24) {
      return Err("tensor count " + std::to_string(n_tensors) +
                 " exceeds the file");
    }
    g_->keys_.reserve(n_kv);
    for (uint64_t k = 0; k < n_kv; ++k) EM_RETURN_IF_ERROR(ParseKv(k));
    EM_RETURN_IF_ERROR(ReadAlignment());
    g_->tensors_.reserve(n_tensors);
    std::vector<uint64_t> offsets;
    offsets.reserve(n_tensors);
    for (uint64_t t = 0; t < n_tensors; ++t)
      EM_RETURN_IF_ERROR(ParseTensorInfo(t, &offsets));
    return PlaceData(offsets);
  }

 private:
  Status Err(const std::string& what) const {
    return Corrupt(f_.path() + ": " + what);
  }
  uint64_t Left() const { return size_ - pos_; }

  Status Need(uint64_t n, const std::string& what) const {
    if (n > Left()) {
      return Err(what + " (" + std::to_string(n) + " bytes at offset " +
                 std::to_string(pos_) + ") runs past the end of the file");
    }
    return Status::Ok();
  }
  Status U32(const std::string& what, uint32_t* out) {
    EM_RETURN_IF_ERROR(Need(4, what));
    *out = Load<uint32_t>(p_ + pos_);
    pos_ += 4;
    return Status::Ok();
  }
  Status U64(const std::string& what, uint64_t* out) {
    EM_RETURN_IF_ERROR(Need(8, what));
    *out = Load<uint64_t>(p_ + pos_);
    pos_ += 8;
    return Status::Ok();
  }
  Status Str(const std::string& what, std::string_view* out) {
    uint64_t len = 0;
    EM_RETURN_IF_ERROR(U64(what + " length", &len));
    EM_RETURN_IF_ERROR(Need(len, what));
    *out = std::string_view(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return Status::Ok();
  }

  Status ParseValue(const std::string& key, GgufType type, GgufValue* v) {
    v->type = type;
    if (type == GgufType::kString)
      return Str("value of '" + key + "'", &v->str);
    if (type != GgufType::kArray) {
      EM_RETURN_IF_ERROR(Need(ScalarSize(type), "value of '" + key + "'"));
      DecodeScalar(type, p_ + pos_, v);
      pos_ += ScalarSize(type);
      return Status::Ok();
    }
    uint32_t et = 0;
    EM_RETURN_IF_ERROR(U32("array type of '" + key + "'", &et));
    if (!KnownValueType(et) || et == static_cast<uint32_t>(GgufType::kArray)) {
      return Err("key '" + key + "': unsupported array element type " +
                 std::to_string(et));
    }
    v->elem_type = static_cast<GgufType>(et);
    EM_RETURN_IF_ERROR(U64("array count of '" + key + "'", &v->count));
    v->data = p_ + pos_;
    if (v->elem_type != GgufType::kString) {
      const size_t es = ScalarSize(v->elem_type);
      if (v->count > Left() / es) {
        return Err("key '" + key + "': array of " + std::to_string(v->count) +
                   " elements runs past the end of the file");
      }
      pos_ += v->count * es;
      return Status::Ok();
    }
    if (v->count > Left() / 8) {  // each string is at least its 8-byte length
      return Err("key '" + key + "': array of " + std::to_string(v->count) +
                 " strings runs past the end of the file");
    }
    v->string_elems.reserve(v->count);
    for (uint64_t i = 0; i < v->count; ++i) {
      v->string_elems.push_back(p_ + pos_);
      if (!SkipString()) {
        return Err("'" + key + "'[" + std::to_string(i) +
                   "] (string at offset " + std::to_string(pos_) +
                   ") runs past the end of the file");
      }
    }
    return Status::Ok();
  }

  // Steps over one length-prefixed string; false (position unchanged) if it
  // runs past the end. The error text is built only on failure: a tokenizer
  // vocabulary holds 262144 strings.
  bool SkipString() {
    if (Left() < 8) return false;
    const uint64_t len = Load<uint64_t>(p_ + pos_);
    if (len > Left() - 8) return false;
    pos_ += 8 + len;
    return true;
  }

  Status ParseKv(uint64_t index) {
    std::string_view key;
    EM_RETURN_IF_ERROR(Str("key #" + std::to_string(index), &key));
    if (key.size() > kMaxNameBytes)
      return Err("key #" + std::to_string(index) + " is too long");
    std::string k(key);
    uint32_t type = 0;
    EM_RETURN_IF_ERROR(U32("type of '" + k + "'", &type));
    if (!KnownValueType(type)) {
      return Err("key '" + k + "' has unknown value type " +
                 std::to_string(type));
    }
    GgufValue v;
    EM_RETURN_IF_ERROR(ParseValue(k, static_cast<GgufType>(type), &v));
    if (!g_->kv_.emplace(k, std::move(v)).second)
      return Err("duplicate key '" + k + "'");
    g_->keys_.push_back(std::move(k));
    return Status::Ok();
  }

  Status ReadAlignment() {
    const GgufValue* a = g_->Get("general.alignment");
    if (a == nullptr) return Status::Ok();
    const uint64_t align =
        IsSigned(a->type) ? static_cast<uint64_t>(a->i) : a->u;
    if (!(IsUnsigned(a->type) || IsSigned(a->type)) || align == 0 ||
        (align & (align - 1)) || align > (1u << 20)) {
      return Err("general.alignment must be a power of two integer");
    }
    g_->alignment_ = align;
    return Status::Ok();
  }

  Status ParseTensorInfo(uint64_t index, std::vector<uint64_t>* offsets) {
    std::string_view name_view;
    EM_RETURN_IF_ERROR(
        Str("name of tensor #" + std::to_string(index), &name_view));
    if (name_view.size() > kMaxNameBytes) return Err("tensor name is too long");
    TensorInfo t;
    t.name = std::string(name_view);
    const std::string what = "tensor '" + t.name + "'";
    uint32_t n_dims = 0;
    EM_RETURN_IF_ERROR(U32(what + " rank", &n_dims));
    if (n_dims > kMaxDims)
      return Err(what + " has " + std::to_string(n_dims) + " dimensions");
    uint64_t ne[kMaxDims] = {1, 1, 1, 1};
    for (uint32_t d = 0; d < n_dims; ++d)
      EM_RETURN_IF_ERROR(U64(what + " shape", &ne[d]));
    uint32_t type = 0;
    uint64_t offset = 0;
    EM_RETURN_IF_ERROR(U32(what + " type", &type));
    EM_RETURN_IF_ERROR(U64(what + " offset", &offset));
    if (!IsKnownDType(type)) {
      return Status(StatusCode::kUnsupported,
                    f_.path() + ": " + what + " has unsupported ggml type " +
                        std::to_string(type));
    }
    t.dtype = static_cast<DType>(type);
    if (ne[0] % static_cast<uint64_t>(BlockElems(t.dtype)) != 0) {
      return Err(what + " row length " + std::to_string(ne[0]) +
                 " is not a multiple of the " + DTypeName(t.dtype) +
                 " block size " + std::to_string(BlockElems(t.dtype)));
    }
    // Bytes = row bytes * rows, with every product checked against the file
    // size.
    if (ne[0] > size_ * 64) return Err(what + " is larger than the file");
    uint64_t bytes = ne[0] / BlockElems(t.dtype) * BlockBytes(t.dtype);
    for (uint32_t d = 1; d < n_dims; ++d) {
      if (ne[d] != 0 && bytes > size_ / ne[d])
        return Err(what + " is larger than the file");
      bytes *= ne[d];
    }
    if (offset % g_->alignment_ != 0) {
      return Err(what + " offset " + std::to_string(offset) +
                 " is not a multiple of the alignment " +
                 std::to_string(g_->alignment_));
    }
    for (uint32_t d = n_dims; d-- > 0;)
      t.shape.push_back(static_cast<int64_t>(ne[d]));
    t.nbytes = bytes;
    if (!g_->tensor_index_.emplace(t.name, g_->tensors_.size()).second) {
      return Err("duplicate " + what);
    }
    g_->tensors_.push_back(std::move(t));
    offsets->push_back(offset);
    return Status::Ok();
  }

  Status PlaceData(const std::vector<uint64_t>& offsets) {
    const uint64_t a = g_->alignment_;
    const uint64_t start = (pos_ + a - 1) / a * a;
    g_->data_offset_ = start < size_ ? start : size_;
    const uint64_t data_bytes = size_ - g_->data_offset_;
    std::vector<size_t> order(offsets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (size_t i = 0; i < offsets.size(); ++i) {
      TensorInfo& t = g_->tensors_[i];
      if (offsets[i] > data_bytes || t.nbytes > data_bytes - offsets[i]) {
        return Err("tensor '" + t.name + "' data [" +
                   std::to_string(offsets[i]) + ", " +
                   std::to_string(offsets[i] + t.nbytes) +
                   ") exceeds the data section (" + std::to_string(data_bytes) +
                   " bytes)");
      }
      t.data = p_ + g_->data_offset_ + offsets[i];
    }
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return offsets[x] < offsets[y]; });
    for (size_t i = 1; i < order.size(); ++i) {
      const size_t prev = order[i - 1], cur = order[i];
      if (offsets[cur] < offsets[prev] + g_->tensors_[prev].nbytes) {
        return Err("tensors '" + g_->tensors_[prev].name + "' and '" +
                   g_->tensors_[cur].name + "' overlap");
      }
    }
    return Status::Ok();
  }

  GgufFile* g_;
  const MappedFile& f_;
  const uint8_t* p_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

Result<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  EM_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path));
  std::unique_ptr<GgufFile> g(new GgufFile());
  g->file_ = std::move(mapped);
  GgufReaderImpl reader(g.get());
  EM_RETURN_IF_ERROR(reader.Parse());
  // The parse walked every metadata string (Gemma 4's 262k tokenizer pieces
  // and 515k merges: ~26 MB resident afterwards) and little of it is read
  // again: take those pages out of this process's resident set. The page
  // cache keeps them; a later read of a value maps its page back in.
  g->file_->Advise(0, g->data_offset_, MapAdvice::kRelease);
  return g;
}

const TensorInfo* GgufFile::Find(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufValue* GgufFile::Get(std::string_view key) const {
  auto it = kv_.find(std::string(key));
  return it == kv_.end() ? nullptr : &it->second;
}

namespace {
Status Missing(const GgufFile& g, std::string_view key) {
  return NotFound(g.file().path() + ": metadata key '" + std::string(key) +
                  "' is missing");
}
Status WrongType(const GgufFile& g, std::string_view key, const char* want) {
  return Corrupt(g.file().path() + ": metadata key '" + std::string(key) +
                 "' is not " + want);
}
}  // namespace

Result<int64_t> GgufFile::GetInt(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (v == nullptr) return Missing(*this, key);
  if (IsSigned(v->type)) return v->i;
  if (IsUnsigned(v->type) && v->u <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->u);
  }
  return WrongType(*this, key, "an integer");
}

Result<double> GgufFile::GetFloat(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (v == nullptr) return Missing(*this, key);
  if (v->type == GgufType::kF32 || v->type == GgufType::kF64) return v->f;
  if (IsSigned(v->type)) return static_cast<double>(v->i);
  if (IsUnsigned(v->type)) return static_cast<double>(v->u);
  return WrongType(*this, key, "a number");
}

Result<std::string> GgufFile::GetString(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (v == nullptr) return Missing(*this, key);
  if (v->type != GgufType::kString) return WrongType(*this, key, "a string");
  return std::string(v->str);
}

Result<bool> GgufFile::GetBool(std::string_view key) const {
  const GgufValue* v = Get(key);
  if (v == nullptr) return Missing(*this, key);
  if (v->type != GgufType::kBool) return WrongType(*this, key, "a bool");
  return v->u != 0;
}

}  // namespace edgemma
