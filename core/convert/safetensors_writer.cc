// Streaming safetensors writer (contracts in safetensors_writer.h).
#include "core/convert/safetensors_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace edgemma {
namespace {

// Whole 4 MiB writes at 4 MiB offsets: a file system with large folios (ext4
// since Linux 6.16) then caches the written file in 2 MiB folios, which the
// runtime maps with 2 MiB pages (see platform/mapped_file.cc); with 1 MiB
// writes the page cache kept 1 MiB folios and a model run right after
// quantize decoded ~20% slower (E2B, KVM Xeon) until the cache was dropped.
constexpr size_t kBufferBytes = size_t{4} << 20;

const char* DTypeTag(DType t) {
  switch (t) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    default:
      return nullptr;
  }
}

uint64_t ElementBytes(DType t) { return t == DType::kF32 ? 4 : 2; }

std::string ErrnoText(const std::string& what, const std::string& path) {
  return path + ": " + what + " failed: " + std::strerror(errno);
}

// Buffered write(2) to a descriptor; the first error sticks.
class BufferedFile {
 public:
  BufferedFile(int fd, const std::string& path) : fd_(fd), path_(path) {
    buf_.reserve(kBufferBytes);
  }
  Status Write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0 && status_.ok()) {
      const size_t take = std::min(n, kBufferBytes - buf_.size());
      buf_.append(p, take);
      p += take;
      n -= take;
      if (buf_.size() == kBufferBytes) EM_RETURN_IF_ERROR(Flush());
    }
    return status_;
  }
  Status Flush() {
    const char* p = buf_.data();
    size_t n = buf_.size();
    while (n > 0 && status_.ok()) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        if (w == 0) errno = ENOSPC;
        status_ = IoError(ErrnoText("write", path_));
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    buf_.clear();
    return status_;
  }

 private:
  int fd_;
  const std::string& path_;
  std::string buf_;
  Status status_;
};

// One tensor's bytes: forwards to the file, enforces the declared size.
class EntrySink : public TensorSink {
 public:
  EntrySink(BufferedFile& out, const SafetensorsEntry& e,
            const WriteProgress& progress, uint64_t base, uint64_t total)
      : out_(out), e_(e), progress_(progress), base_(base), total_(total) {}
  Status Write(const void* data, size_t n) override {
    if (written_ + n > e_.Bytes()) {
      return Internal("safetensors writer: tensor '" + e_.name +
                      "' producer wrote more than its " +
                      std::to_string(e_.Bytes()) + " bytes");
    }
    EM_RETURN_IF_ERROR(out_.Write(data, n));
    written_ += n;
    if (progress_) progress_(e_.name, base_ + written_, total_);
    return Status::Ok();
  }
  uint64_t written() const { return written_; }

 private:
  BufferedFile& out_;
  const SafetensorsEntry& e_;
  const WriteProgress& progress_;
  uint64_t base_, total_, written_ = 0;
};

Status WriteAll(BufferedFile& out, const std::string& header,
                const std::vector<SafetensorsEntry>& entries,
                const WriteProgress& progress, uint64_t done, uint64_t total) {
  EM_RETURN_IF_ERROR(out.Write(header.data(), header.size()));
  for (const SafetensorsEntry& e : entries) {
    EntrySink sink(out, e, progress, done, total);
    EM_RETURN_IF_ERROR(e.producer(sink));
    if (sink.written() != e.Bytes()) {
      return Internal("safetensors writer: tensor '" + e.name +
                      "' producer wrote " + std::to_string(sink.written()) +
                      " of " + std::to_string(e.Bytes()) + " bytes");
    }
    done += e.Bytes();
  }
  return out.Flush();
}

}  // namespace

uint64_t SafetensorsEntry::Bytes() const {
  uint64_t n = ElementBytes(dtype);
  for (int64_t d : shape) n *= static_cast<uint64_t>(d < 0 ? 0 : d);
  return n;
}

Result<std::string> SafetensorsHeader(
    const std::vector<SafetensorsEntry>& entries) {
  nlohmann::ordered_json j;
  j["__metadata__"] = {{"format", "pt"}};
  std::unordered_set<std::string> names;
  uint64_t offset = 0;
  for (const SafetensorsEntry& e : entries) {
    const char* tag = DTypeTag(e.dtype);
    if (tag == nullptr) {
      return InvalidArgument("safetensors writer: tensor '" + e.name +
                             "': dtype " + DTypeName(e.dtype) +
                             " is not F32, F16 or BF16");
    }
    if (e.name.empty() || e.name == "__metadata__" ||
        !names.insert(e.name).second) {
      return InvalidArgument(
          "safetensors writer: empty, reserved or "
          "duplicate tensor name '" +
          e.name + "'");
    }
    for (int64_t d : e.shape) {
      if (d < 0)
        return InvalidArgument("safetensors writer: tensor '" + e.name +
                               "' has a negative dimension");
    }
    j[e.name] = {{"dtype", tag},
                 {"shape", e.shape},
                 {"data_offsets", {offset, offset + e.Bytes()}}};
    offset += e.Bytes();
  }
  std::string text = j.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t n = text.size();
  std::string block(8, '\0');
  for (int i = 0; i < 8; ++i)
    block[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return block + text;
}

Status WriteSafetensorsFile(const std::string& path,
                            const std::vector<SafetensorsEntry>& entries,
                            const WriteProgress& progress, uint64_t done_base,
                            uint64_t total) {
  EM_ASSIGN_OR_RETURN(std::string header, SafetensorsHeader(entries));
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return IoError(ErrnoText("create", path));
  Status s;
  {
    BufferedFile out(fd, path);
    s = WriteAll(out, header, entries, progress, done_base, total);
  }
  if (s.ok() && ::fsync(fd) != 0) s = IoError(ErrnoText("fsync", path));
  if (::close(fd) != 0 && s.ok()) s = IoError(ErrnoText("close", path));
  if (!s.ok()) ::unlink(path.c_str());
  return s;
}

}  // namespace edgemma
