#include "platform/file_status.h"

#include <sys/stat.h>

namespace edgemma {

FileKind GetFileKind(const std::string& path, bool follow_links) {
  struct stat st;
  const int rc =
      follow_links ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (rc != 0) return FileKind::kMissing;
  if (S_ISREG(st.st_mode)) return FileKind::kFile;
  if (S_ISDIR(st.st_mode)) return FileKind::kDirectory;
  return FileKind::kOther;
}

}  // namespace edgemma
