#include "platform/file_status.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace edgemma {
namespace {

TEST(FileStatus, TellsFilesDirectoriesLinksAndMissingPaths) {
  char tmpl[] = "/tmp/edgemma_file_status_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string file = dir + "/f", link = dir + "/l";
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_EQ(::symlink(dir.c_str(), link.c_str()), 0);

  EXPECT_EQ(GetFileKind(dir), FileKind::kDirectory);
  EXPECT_EQ(GetFileKind(file), FileKind::kFile);
  EXPECT_EQ(GetFileKind(dir + "/missing"), FileKind::kMissing);
  EXPECT_EQ(GetFileKind("/dev/null"), FileKind::kOther);
  EXPECT_EQ(GetFileKind(link), FileKind::kDirectory);  // followed
  EXPECT_EQ(GetFileKind(link, /*follow_links=*/false), FileKind::kOther);
  EXPECT_TRUE(IsDirectory(dir));
  EXPECT_FALSE(IsDirectory(file));
  EXPECT_TRUE(IsFile(file));
  EXPECT_FALSE(IsFile(dir));
  EXPECT_TRUE(PathExists(file));
  EXPECT_FALSE(PathExists(dir + "/missing"));
  EXPECT_FALSE(IsFile(file + "/below_a_file"));

  ::unlink(link.c_str());
  ::unlink(file.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace edgemma
