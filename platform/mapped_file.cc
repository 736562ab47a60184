#include "platform/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "platform/huge_pages.h"

namespace edgemma {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

int AdviceFlag(MapAdvice advice) {
  switch (advice) {
    case MapAdvice::kNormal:
      return MADV_NORMAL;
    case MapAdvice::kRandom:
      return MADV_RANDOM;
    case MapAdvice::kSequential:
      return MADV_SEQUENTIAL;
    case MapAdvice::kWillNeed:
      return MADV_WILLNEED;
    case MapAdvice::kDontNeed:
    case MapAdvice::kRelease:
      return MADV_DONTNEED;
  }
  return MADV_NORMAL;
}

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return NotFound(path + ": no such file");
    return IoError(path + ": cannot open: " + ErrnoText(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return IoError(path + ": cannot stat: " + ErrnoText(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return IoError(path + ": is a directory, not a file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return IoError(path + ": not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  const uint8_t* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return IoError(path + ": mmap of " + std::to_string(size) +
                     " bytes failed: " + ErrnoText(err));
    }
    data = static_cast<const uint8_t*>(p);
    // Weights are streamed whole on every token (platform/huge_pages.h);
    // lookup tables take the request back (Advise kRandom): a row read must not
    // map 2 MiB.
    AdviseHugePages(p, size, true);
  }
  return std::unique_ptr<MappedFile>(new MappedFile(path, fd, data, size));
}

MappedFile::MappedFile(std::string path, int fd, const uint8_t* data,
                       size_t size)
    : path_(std::move(path)), fd_(fd), data_(data), size_(size) {
  if (data_ != nullptr) {
    fault_message_ = "model file " + path_ +
                     " changed or was truncated while in use (replace model "
                     "files by renaming a complete new file into place)\n";
    fault_slot_ = RegisterMappedRange(data_, size_, fault_message_.data(),
                                      fault_message_.size());
  }
}

MappedFile::~MappedFile() {
  UnregisterMappedRange(fault_slot_);
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

bool MappedFile::ReadAt(size_t offset, size_t length, void* dst) const {
  if (offset > size_ || length > size_ - offset) return false;
  if (offset + length >
      static_cast<size_t>(std::numeric_limits<off_t>::max())) {
    return false;
  }
  auto* out = static_cast<uint8_t*>(dst);
  while (length > 0) {
    const ssize_t got = ::pread(fd_, out, length, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    length -= static_cast<size_t>(got);
    offset += static_cast<size_t>(got);
  }
  return true;
}

void MappedFile::Advise(size_t offset, size_t length, MapAdvice advice) const {
  if (data_ == nullptr || offset >= size_ || length == 0) return;
  if (length > size_ - offset) length = size_ - offset;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t begin =
      offset / page * page;  // the mapping itself is page aligned
  const size_t end = offset + length;
  // Best effort by contract: a failing hint changes nothing observable.
  uint8_t* range = const_cast<uint8_t*>(data_) + begin;
  // Small pages before the drop: a later read then maps 4 KiB back, not the
  // 2 MiB around it.
  if (advice == MapAdvice::kRelease) AdviseHugePages(range, end - begin, false);
  (void)::madvise(range, end - begin, AdviceFlag(advice));
  if (advice == MapAdvice::kRandom) AdviseHugePages(range, end - begin, false);
#if defined(POSIX_FADV_RANDOM)
  // ReadAt goes through the descriptor: no readahead around random rows there
  // either (a cold cache would otherwise read 128 KiB+ around each row).
  if (advice == MapAdvice::kRandom) {
    (void)::posix_fadvise(fd_, static_cast<off_t>(offset),
                          static_cast<off_t>(length), POSIX_FADV_RANDOM);
  }
#endif
}

const uint8_t* MappedFile::Range(size_t offset, size_t length) const {
  if (offset > size_ || length > size_ - offset) return nullptr;
  if (data_ == nullptr) return nullptr;
  return data_ + offset;
}

}  // namespace edgemma
