// GGUF v3 writer (format: spec formats 4.1). Little-endian hosts only (the
// runtime's targets).
#include "core/convert/gguf_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "core/io/gguf_keys.h"
#include "platform/file_status.h"

namespace edgemma {
namespace {

// Whole 4 MiB writes at 4 MiB offsets: a file system with large folios (ext4
// since Linux 6.16) then caches the written file in 2 MiB folios, which the
// runtime maps with 2 MiB pages (see platform/mapped_file.cc); with 1 MiB
// writes the page cache kept 1 MiB folios and a model run right after
// quantize decoded ~20% slower (E2B, KVM Xeon) until the cache was dropped.
constexpr size_t kBufferBytes = size_t{4} << 20;

void PutRaw(std::string& out, const void* p, size_t n) {
  out.append(static_cast<const char*>(p), n);
}
template <typename T>
void Put(std::string& out, T v) {
  PutRaw(out, &v, sizeof v);
}
void PutString(std::string& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  PutRaw(out, s.data(), s.size());
}

size_t ElemSize(GgufType t) {
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
      return 0;
  }
}

std::string Errno(const std::string& what, const std::string& path) {
  return path + ": " + what + " failed: " + std::strerror(errno);
}

// Buffered output to a file descriptor; every write(2) result is checked, and
// the first error sticks (later calls are no-ops returning it).
class FileOut {
 public:
  FileOut(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    buf_.reserve(kBufferBytes);
  }
  Status Write(const void* p, size_t n) {
    if (!status_.ok()) return status_;
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      size_t take = std::min(n, kBufferBytes - buf_.size());
      buf_.append(c, take);
      c += take;
      n -= take;
      pos_ += take;
      if (buf_.size() == kBufferBytes) EM_RETURN_IF_ERROR(Flush());
    }
    return Status::Ok();
  }
  Status Pad(uint64_t alignment) {
    static const char kZeros[64] = {};
    uint64_t pad = (alignment - pos_ % alignment) % alignment;
    while (pad > 0) {
      size_t take = std::min<uint64_t>(pad, sizeof kZeros);
      EM_RETURN_IF_ERROR(Write(kZeros, take));
      pad -= take;
    }
    return Status::Ok();
  }
  Status Flush() {
    if (!status_.ok()) return status_;
    const char* p = buf_.data();
    size_t n = buf_.size();
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        if (w == 0) errno = ENOSPC;
        status_ = IoError(Errno("write", path_));
        return status_;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    buf_.clear();
    return Status::Ok();
  }
  uint64_t pos() const { return pos_; }

 private:
  int fd_;
  std::string path_;
  std::string buf_;
  uint64_t pos_ = 0;
  Status status_;
};

// Sink for one tensor: forwards to the file and enforces the declared size.
class BoundedSink : public TensorSink {
 public:
  BoundedSink(FileOut& out, const std::string& name, uint64_t limit,
              uint64_t base, uint64_t total, const WriteProgress& progress)
      : out_(out),
        name_(name),
        limit_(limit),
        base_(base),
        total_(total),
        progress_(progress) {}
  Status Write(const void* data, size_t n) override {
    if (written_ + n > limit_) {
      return Internal("GGUF writer: tensor '" + name_ +
                      "' producer wrote more than its " +
                      std::to_string(limit_) + " bytes");
    }
    EM_RETURN_IF_ERROR(out_.Write(data, n));
    written_ += n;
    if (progress_ &&
        (written_ - reported_ >= (8u << 20) || written_ == limit_)) {
      reported_ = written_;
      progress_(name_, base_ + written_, total_);
    }
    return Status::Ok();
  }
  uint64_t written() const { return written_; }

 private:
  FileOut& out_;
  const std::string& name_;
  uint64_t limit_, base_, total_;
  const WriteProgress& progress_;
  uint64_t written_ = 0, reported_ = 0;
};

Status SyncAndClose(int fd, const std::string& path) {
  if (::fsync(fd) != 0) {
    Status s = IoError(Errno("fsync", path));
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return IoError(Errno("close", path));
  return Status::Ok();
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void GgufWriter::Key(std::string_view key, GgufType type) {
  key_names_.emplace_back(key);
  PutString(kv_, key);
  Put<uint32_t>(kv_, static_cast<uint32_t>(type));
  ++kv_count_;
}

void GgufWriter::AddU8(std::string_view k, uint8_t v) {
  Key(k, GgufType::kU8);
  Put(kv_, v);
}
void GgufWriter::AddI8(std::string_view k, int8_t v) {
  Key(k, GgufType::kI8);
  Put(kv_, v);
}
void GgufWriter::AddU16(std::string_view k, uint16_t v) {
  Key(k, GgufType::kU16);
  Put(kv_, v);
}
void GgufWriter::AddI16(std::string_view k, int16_t v) {
  Key(k, GgufType::kI16);
  Put(kv_, v);
}
void GgufWriter::AddU32(std::string_view k, uint32_t v) {
  Key(k, GgufType::kU32);
  Put(kv_, v);
}
void GgufWriter::AddI32(std::string_view k, int32_t v) {
  Key(k, GgufType::kI32);
  Put(kv_, v);
}
void GgufWriter::AddU64(std::string_view k, uint64_t v) {
  Key(k, GgufType::kU64);
  Put(kv_, v);
}
void GgufWriter::AddI64(std::string_view k, int64_t v) {
  Key(k, GgufType::kI64);
  Put(kv_, v);
}
void GgufWriter::AddF32(std::string_view k, float v) {
  Key(k, GgufType::kF32);
  Put(kv_, v);
}
void GgufWriter::AddF64(std::string_view k, double v) {
  Key(k, GgufType::kF64);
  Put(kv_, v);
}
void GgufWriter::AddBool(std::string_view k, bool v) {
  Key(k, GgufType::kBool);
  Put<uint8_t>(kv_, v ? 1 : 0);
}
void GgufWriter::AddString(std::string_view k, std::string_view v) {
  Key(k, GgufType::kString);
  PutString(kv_, v);
}

void GgufWriter::AddArray(std::string_view key, GgufType elem, const void* data,
                          uint64_t count) {
  size_t es = ElemSize(elem);
  if (es == 0 && deferred_error_.empty()) {
    deferred_error_ =
        "GGUF writer: key '" + std::string(key) + "': bad array element type";
    return;
  }
  Key(key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(elem));
  Put<uint64_t>(kv_, count);
  PutRaw(kv_, data, es * count);
}
void GgufWriter::AddI32Array(std::string_view k,
                             const std::vector<int32_t>& v) {
  AddArray(k, GgufType::kI32, v.data(), v.size());
}
void GgufWriter::AddU32Array(std::string_view k,
                             const std::vector<uint32_t>& v) {
  AddArray(k, GgufType::kU32, v.data(), v.size());
}
void GgufWriter::AddF32Array(std::string_view k, const std::vector<float>& v) {
  AddArray(k, GgufType::kF32, v.data(), v.size());
}
void GgufWriter::AddBoolArray(std::string_view k, const std::vector<bool>& v) {
  std::vector<uint8_t> bytes(v.begin(), v.end());
  AddArray(k, GgufType::kBool, bytes.data(), bytes.size());
}
void GgufWriter::AddStringArray(std::string_view key,
                                const std::vector<std::string>& v) {
  Key(key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kString));
  Put<uint64_t>(kv_, v.size());
  for (const std::string& s : v) PutString(kv_, s);
}

void GgufWriter::SetAlignment(uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    if (deferred_error_.empty()) {
      deferred_error_ = "GGUF writer: alignment " + std::to_string(alignment) +
                        " is not a power of two";
    }
    return;
  }
  alignment_ = alignment;
  if (!alignment_set_) AddU32(kGgufAlignment, alignment);
  alignment_set_ = true;
}

void GgufWriter::AddTensor(std::string_view name, DType type,
                           std::vector<int64_t> shape,
                           TensorProducer producer) {
  PendingTensor t;
  t.name = std::string(name);
  t.type = type;
  t.shape = std::move(shape);
  int64_t cols = t.shape.empty() ? 1 : t.shape.back();
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < t.shape.size(); ++i) rows *= t.shape[i];
  Result<size_t> rb = RowBytes(type, cols);
  if (!rb.ok() || cols <= 0 || rows <= 0) {
    if (deferred_error_.empty()) {
      deferred_error_ =
          "GGUF writer: tensor '" + t.name + "': " +
          (rb.ok() ? std::string("empty shape") : rb.status().message());
    }
    return;
  }
  t.nbytes = static_cast<uint64_t>(rows) * rb.value();
  t.producer = std::move(producer);
  tensors_.push_back(std::move(t));
}

uint64_t GgufWriter::data_bytes() const {
  uint64_t n = 0;
  for (const PendingTensor& t : tensors_) n += t.nbytes;
  return n;
}

Status GgufWriter::Validate() const {
  if (!deferred_error_.empty()) return InvalidArgument(deferred_error_);
  std::unordered_set<std::string_view> seen;
  for (const std::string& k : key_names_) {
    if (!seen.insert(k).second)
      return InvalidArgument("GGUF writer: duplicate key '" + k + "'");
  }
  seen.clear();
  for (const PendingTensor& t : tensors_) {
    if (t.name.empty() || t.name.size() > kMaxTensorName) {
      return InvalidArgument("GGUF writer: tensor name '" + t.name +
                             "' is empty or longer than " +
                             std::to_string(kMaxTensorName) + " bytes");
    }
    if (!seen.insert(t.name).second) {
      return InvalidArgument("GGUF writer: duplicate tensor '" + t.name + "'");
    }
  }
  return Status::Ok();
}

namespace {

// Header, metadata and tensor infos; offsets are assigned here.
template <typename Tensors>
std::string BuildHeader(const std::string& kv, uint64_t kv_count,
                        Tensors& tensors, uint64_t alignment) {
  std::string h;
  PutRaw(h, "GGUF", 4);
  Put<uint32_t>(h, 3);
  Put<uint64_t>(h, tensors.size());
  Put<uint64_t>(h, kv_count);
  h += kv;
  uint64_t offset = 0;
  for (auto& t : tensors) {
    t.offset = offset;
    PutString(h, t.name);
    Put<uint32_t>(h,
                  static_cast<uint32_t>(t.shape.empty() ? 1 : t.shape.size()));
    if (t.shape.empty()) Put<uint64_t>(h, 1);
    for (size_t i = t.shape.size(); i-- > 0;)
      Put<uint64_t>(h, static_cast<uint64_t>(t.shape[i]));
    Put<uint32_t>(h, static_cast<uint32_t>(t.type));
    Put<uint64_t>(h, t.offset);
    offset += (t.nbytes + alignment - 1) / alignment * alignment;
  }
  return h;
}

}  // namespace

Status GgufWriter::WriteFile(const std::string& path, bool force,
                             const WriteProgress& progress) {
  EM_RETURN_IF_ERROR(Validate());
  const FileKind kind = GetFileKind(path);
  if (kind != FileKind::kMissing) {
    if (kind == FileKind::kDirectory)
      return InvalidArgument(path + ": is a directory");
    if (!force)
      return InvalidArgument(path +
                             ": already exists (use --force to overwrite)");
  }
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    return IoError(
        Errno("creating a temporary file in '" + DirOf(path) + "'", path));
  }
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);

  Status s = [&]() -> Status {
    FileOut out(fd, tmp);
    std::string header = BuildHeader(kv_, kv_count_, tensors_, alignment_);
    EM_RETURN_IF_ERROR(out.Write(header.data(), header.size()));
    std::string().swap(header);
    EM_RETURN_IF_ERROR(out.Pad(alignment_));
    const uint64_t data_start = out.pos();
    const uint64_t total = data_bytes();
    uint64_t done = 0;
    for (PendingTensor& t : tensors_) {
      EM_RETURN_IF_ERROR(out.Pad(alignment_));
      if (out.pos() - data_start != t.offset)
        return Internal("GGUF writer: offset drift");
      BoundedSink sink(out, t.name, t.nbytes, done, total, progress);
      EM_RETURN_IF_ERROR(t.producer(sink));
      if (sink.written() != t.nbytes) {
        return Internal("GGUF writer: tensor '" + t.name + "' producer wrote " +
                        std::to_string(sink.written()) + " of " +
                        std::to_string(t.nbytes) + " bytes");
      }
      done += t.nbytes;
      t.producer = nullptr;  // release whatever the producer captured
    }
    EM_RETURN_IF_ERROR(out.Pad(alignment_));
    return out.Flush();
  }();
  if (!s.ok()) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  s = SyncAndClose(fd, tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    s = IoError(Errno("rename", path));
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  int dfd = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: makes the rename durable
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace edgemma
