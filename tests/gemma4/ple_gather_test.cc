// Model::GatherPleRow on a per-layer-embedding table that lives in a mapped
// file: every gathered row equals the table's row, and gathering leaves none of
// the table's pages mapped in this process. Regression guard for the E4B
// residency bug: a read fault on the mapping also maps the kernel's
// fault-around window (64 KiB of cached neighbours), so releasing only the
// row's own pages kept ~60 KiB per gathered row resident.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/gemma4/model.h"
#include "core/io/model_source.h"
#include "gtest/gtest.h"
#include "model_test_util.h"
#include "platform/mapped_file.h"
#include "quant/ops.h"

namespace edgemma::test {
namespace {

size_t PageSize() { return static_cast<size_t>(::sysconf(_SC_PAGESIZE)); }

// Pages of [p, p + n) (whole pages only) present in this process's page
// tables, from /proc/self/pagemap bit 63; -1 where pagemap cannot be read.
int64_t PresentPages(const void* p, size_t n) {
  const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const size_t page = PageSize();
  const uintptr_t first = (reinterpret_cast<uintptr_t>(p) + page - 1) / page;
  const uintptr_t last = (reinterpret_cast<uintptr_t>(p) + n) / page;
  int64_t present = 0;
  for (uintptr_t v = first; v < last; ++v) {
    uint64_t entry = 0;
    if (::pread(fd, &entry, sizeof(entry), static_cast<off_t>(v * 8)) !=
        static_cast<ssize_t>(sizeof(entry))) {
      ::close(fd);
      return -1;
    }
    present += static_cast<int64_t>(entry >> 63);
  }
  ::close(fd);
  return present;
}

// True if pagemap reports a page this process has just written (not so under
// an emulator such as qemu-user, whose guest addresses are not host ones).
bool PagemapWorks() {
  std::vector<uint8_t> buf(4 * PageSize(), 1);
  return PresentPages(buf.data(), buf.size()) > 0;
}

// Reads the whole file so its pages are in the page cache: fault-around maps
// only cached pages, so a cold cache would hide the bug.
void WarmPageCache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << path;
  std::vector<char> buf(1 << 16);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
}

// The mapping that holds the PLE table (null if the table was copied).
const MappedFile* PleFile(const Model& m) {
  for (const TensorInfo& info : m.source()->tensors()) {
    if (info.data == m.weights().ple_table.data)
      return m.source()->FileOf(info);
  }
  return nullptr;
}

class PleGatherTest : public testing::TestWithParam<const char*> {};

TEST_P(PleGatherTest, RowsMatchAndTableStaysUnmapped) {
  Result<std::unique_ptr<Model>> m = Model::Load(TestdataDir(GetParam()));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Model& model = **m;
  const WeightMatrix& t = model.weights().ple_table;  // [vocab_ple, L * P]
  const MappedFile* file = PleFile(model);
  ASSERT_NE(file, nullptr) << "the PLE table must be a view of the file";
  WarmPageCache(file->path());

  // Whole pages of the table (its first and last pages may be shared with
  // neighbouring tensors). Loading may already have mapped some of them (the
  // fault-around of neighbouring tensors' reads); gathering must add none.
  const size_t page = PageSize();
  const size_t table_bytes = static_cast<size_t>(t.rows) * t.row_bytes;
  ASSERT_GT(table_bytes, 3 * page);
  const auto* inner = static_cast<const uint8_t*>(t.data) + page;
  const size_t inner_bytes = table_bytes - 2 * page;
  const int64_t before = PresentPages(inner, inner_bytes);

  std::vector<float> got(static_cast<size_t>(t.rows * t.cols));  // [rows, LP]
  for (int64_t r = 0; r < t.rows; ++r) model.GatherPleRow(r, &got[r * t.cols]);

  if (PagemapWorks()) {
    EXPECT_LE(PresentPages(inner, inner_bytes), before)
        << "gathered rows left table pages mapped (of " << inner_bytes / page
        << ")";
  }

  std::vector<float> want(static_cast<size_t>(t.cols));  // [LP]
  for (int64_t r = 0; r < t.rows; ++r) {
    DequantizeRow(t, r, want.data());
    ASSERT_EQ(
        std::memcmp(want.data(), &got[r * t.cols], sizeof(float) * want.size()),
        0)
        << "row " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, PleGatherTest,
                         testing::Values("tiny-e2b", "tiny-e4b"),
                         [](const testing::TestParamInfo<const char*>& i) {
                           std::string n = i.param;
                           n[4] = '_';
                           return n;
                         });

}  // namespace
}  // namespace edgemma::test
