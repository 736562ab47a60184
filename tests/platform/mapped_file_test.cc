#include "platform/mapped_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/support/vm_flags.h"

namespace edgemma {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/edgemma_mf_" +
         std::to_string(::getpid()) + "_" + name;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

TEST(MappedFile, MissingFileIsNotFoundAndNamesPath) {
  const std::string path = TempPath("does_not_exist.bin");
  auto r = MappedFile::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(path), std::string::npos)
      << r.status().ToString();
}

TEST(MappedFile, DirectoryIsIoError) {
  const std::string dir = TempPath("dir");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  auto r = MappedFile::Open(dir);
  ::rmdir(dir.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("directory"), std::string::npos);
  EXPECT_NE(r.status().message().find(dir), std::string::npos);
}

TEST(MappedFile, EmptyFileMapsToNull) {
  const std::string path = TempPath("empty.bin");
  WriteFile(path, "");
  auto r = MappedFile::Open(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()->size(), 0u);
  EXPECT_EQ(r.value()->data(), nullptr);
  EXPECT_EQ(r.value()->Range(0, 1), nullptr);
  r.value()->Advise(0, 100, MapAdvice::kWillNeed);  // must not crash
}

TEST(MappedFile, ContentsAndRangeBounds) {
  const std::string path = TempPath("data.bin");
  WriteFile(path, "hello, mapped world");
  auto r = MappedFile::Open(path);
  ::unlink(path.c_str());  // the mapping survives the unlink
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const MappedFile& f = *r.value();
  ASSERT_EQ(f.size(), 19u);
  EXPECT_EQ(f.path(), path);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data()), f.size()),
            "hello, mapped world");
  EXPECT_EQ(f.Range(0, 19), f.data());
  EXPECT_EQ(f.Range(7, 6), f.data() + 7);
  EXPECT_EQ(f.Range(19, 0), f.data() + 19);
  EXPECT_EQ(f.Range(0, 20), nullptr);
  EXPECT_EQ(f.Range(20, 0), nullptr);
  EXPECT_EQ(f.Range(10, SIZE_MAX), nullptr);  // no overflow
  EXPECT_EQ(f.Range(SIZE_MAX, 2), nullptr);
  for (MapAdvice a :
       {MapAdvice::kNormal, MapAdvice::kRandom, MapAdvice::kSequential,
        MapAdvice::kWillNeed, MapAdvice::kDontNeed}) {
    f.Advise(3, 1000, a);  // clipped, best effort
  }
  EXPECT_EQ(f.data()[0], 'h');  // still readable after DONTNEED
}

TEST(MappedFile, ReadAtCopiesWithoutTheMappingAndChecksBounds) {
  const std::string path = TempPath("read_at.bin");
  WriteFile(path, "0123456789abcdef");
  auto r = MappedFile::Open(path);
  ::unlink(path.c_str());  // the descriptor survives the unlink too
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const MappedFile& f = *r.value();
  char buf[8] = {};
  ASSERT_TRUE(f.ReadAt(10, 6, buf));
  EXPECT_EQ(std::string(buf, 6), "abcdef");
  EXPECT_TRUE(f.ReadAt(16, 0, buf));
  EXPECT_FALSE(f.ReadAt(12, 5, buf));  // past the end
  EXPECT_FALSE(f.ReadAt(SIZE_MAX, 2, buf));
  EXPECT_FALSE(f.ReadAt(2, SIZE_MAX, buf));
}

// Weights are streamed whole, so the mapping asks for 2 MiB pages; a lookup
// table (kRandom) takes the request back for its own range only.
TEST(MappedFile, AsksForHugePagesExceptOnLookupTables) {
  using testing::HasVmFlag;
  using testing::VmFlagsAt;
  if (!testing::HugePageAdviceVisible()) {
    GTEST_SKIP() << "no transparent huge pages or no /proc/self/smaps";
  }

  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const std::string path = TempPath("huge.bin");
  WriteFile(path, std::string(8 * page, 'w'));
  auto r = MappedFile::Open(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const MappedFile& f = *r.value();
  for (size_t p = 0; p < 8; ++p) {
    EXPECT_TRUE(HasVmFlag(VmFlagsAt(f.data() + p * page), "hg")) << p;
  }
  f.Advise(3 * page + 5, 2 * page - 10, MapAdvice::kRandom);
  for (size_t p = 0; p < 8; ++p) {
    const std::string flags = VmFlagsAt(f.data() + p * page);
    const bool table = p == 3 || p == 4;
    EXPECT_EQ(HasVmFlag(flags, "hg"), !table) << p << ": " << flags;
    EXPECT_EQ(HasVmFlag(flags, "nh"), table) << p << ": " << flags;
  }
}

// kRelease (a GGUF header after its parse): the range's pages leave the
// resident set and later reads map small pages; the rest keeps its pages.
TEST(MappedFile, ReleaseDropsPagesAndTakesBackHugePages) {
  using testing::HasVmFlag;
  using testing::ResidentBytesAt;
  using testing::VmFlagsAt;
  if (!testing::HugePageAdviceVisible()) {
    GTEST_SKIP() << "no transparent huge pages or no /proc/self/smaps";
  }
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const std::string path = TempPath("release.bin");
  WriteFile(path, std::string(8 * page, 'r'));
  auto r = MappedFile::Open(path);
  ::unlink(path.c_str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const MappedFile& f = *r.value();
  volatile uint8_t sum = 0;
  for (size_t i = 0; i < f.size(); i += page) sum += f.data()[i];
  EXPECT_EQ(ResidentBytesAt(f.data()), static_cast<int64_t>(8 * page));
  f.Advise(0, 5 * page - 7, MapAdvice::kRelease);
  EXPECT_EQ(ResidentBytesAt(f.data()), 0);
  EXPECT_TRUE(HasVmFlag(VmFlagsAt(f.data()), "nh"));
  EXPECT_EQ(ResidentBytesAt(f.data() + 5 * page),
            static_cast<int64_t>(3 * page));
  EXPECT_TRUE(HasVmFlag(VmFlagsAt(f.data() + 5 * page), "hg"));
  EXPECT_EQ(f.data()[4 * page], 'r');
  (void)sum;
}

}  // namespace
}  // namespace edgemma
