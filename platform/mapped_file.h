// Read-only memory-mapped files. Weights are never copied: tensors are views
// into the mapping. Ownership: a MappedFile owns its mapping and unmaps it in
// the destructor; views into it must not outlive it. Thread-safety: immutable
// after Open(); data() may be read from any thread.
//
// Files that change underneath: a mapping reads the file as it is now, so a
// file truncated while mapped raises SIGBUS on the next access past its new
// end, and one rewritten in place feeds changed bytes. Replace model files by
// writing a new file and renaming it over the old one (the mapping keeps the
// old inode). Every live mapping is registered (a fixed table, no locks) so
// that an application may install InstallMappedFileFaultHandler() to turn
// that SIGBUS into a message naming the file and exit status 1.
#ifndef EDGEMMA_PLATFORM_MAPPED_FILE_H_
#define EDGEMMA_PLATFORM_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "platform/status.h"

namespace edgemma {

enum class MapAdvice {
  kNormal,
  kRandom,  // lookup tables (PLE, token embedding): no readahead (mapping and
            // ReadAt), no 2 MiB pages (the rest of the mapping asks for them)
  kSequential,  // streamed once (conversion)
  kWillNeed,    // hot weights: prefetch
  kDontNeed,    // drop pages (after a streaming read)
  kRelease,     // read once, then sparsely (a GGUF header): drop the pages,
                // map later reads back in 4 KiB pages, not 2 MiB
};

class MappedFile {
 public:
  // Maps the whole file read-only, asking for 2 MiB pages (MADV_HUGEPAGE, a
  // hint: weights are streamed whole). Errors name the path: kNotFound
  // (missing), kIoError (unreadable, a directory, mmap failure). A zero-length
  // file maps to data()==nullptr, size 0.
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Hint for the byte range [offset, offset+length) (rounded out to pages).
  // Best effort: never fails; out-of-range parts are clipped.
  void Advise(size_t offset, size_t length, MapAdvice advice) const;

  // A bounds-checked sub-range view; returns nullptr if [offset, offset+length)
  // is not inside.
  const uint8_t* Range(size_t offset, size_t length) const;

  // Copies [offset, offset+length) into dst with pread() on the file's own
  // descriptor, without touching the mapping: for row lookups in tables too
  // large to keep resident (a read fault on the mapping maps the kernel's whole
  // fault-around window, ~64 KiB, whatever madvise says). False if the range is
  // outside the file, off_t cannot address it (32-bit ABI without large file
  // offsets) or the read fails. Thread-safe; no allocation.
  bool ReadAt(size_t offset, size_t length, void* dst) const;

 private:
  MappedFile(std::string path, int fd, const uint8_t* data, size_t size);
  std::string path_;
  std::string fault_message_;  // what the SIGBUS handler prints
  int fault_slot_ = -1;        // registry slot, -1 if not registered
  int fd_ = -1;                // kept open for ReadAt; closed in the destructor
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Installs a process-wide SIGBUS handler (call once, early, from an
// application's main; a library never installs it on its own): a fault inside
// a live MappedFile prints "<program_name>: model file <path> changed or was
// truncated while in use ..." to stderr with write(2) and ends the process
// with _exit(1) (no destructors, no stdio flush); any other SIGBUS goes to the
// disposition that was there before. Only async-signal-safe calls run in the
// handler. False if sigaction fails.
bool InstallMappedFileFaultHandler(const char* program_name);

// The registry behind it (used by MappedFile): the slot of [begin, begin +
// size) with `message` (not copied: it must stay valid until unregistered), or
// -1 when the table is full.
int RegisterMappedRange(const void* begin, size_t size, const char* message,
                        size_t length);
void UnregisterMappedRange(int slot);

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_MAPPED_FILE_H_
