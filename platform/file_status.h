// What a path names, from one stat() (symlinks followed) or lstat() (not
// followed: a symlink is kOther). The one place the runtime and the tools ask
// "is this a file / a directory / there at all".
#ifndef EDGEMMA_PLATFORM_FILE_STATUS_H_
#define EDGEMMA_PLATFORM_FILE_STATUS_H_

#include <string>

namespace edgemma {

enum class FileKind {
  kMissing,    // stat() failed (absent, or not reachable: permissions, ...)
  kFile,       // a regular file
  kDirectory,  // a directory
  kOther       // a device, FIFO, socket (or a symlink, when not followed)
};

FileKind GetFileKind(const std::string& path, bool follow_links = true);
inline bool PathExists(const std::string& path) {
  return GetFileKind(path) != FileKind::kMissing;
}
inline bool IsFile(const std::string& path) {
  return GetFileKind(path) == FileKind::kFile;
}
inline bool IsDirectory(const std::string& path) {
  return GetFileKind(path) == FileKind::kDirectory;
}

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_FILE_STATUS_H_
