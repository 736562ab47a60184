// GgufWriter: round trip through the independent MiniReader (every metadata
// type, string arrays, alignment, tensor bytes), atomic output (no partial file
// on any error), --force semantics.
#include "core/convert/gguf_writer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "quant/quantize.h"
#include "tests/support/mini_gguf.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::MiniGguf;
using test::MiniReader;
using test::TempDir;

TensorProducer Bytes(std::vector<uint8_t> b) {
  return [b](TensorSink& s) { return s.Write(b.data(), b.size()); };
}

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

// One writer with every metadata type and a few tensors of odd sizes.
void Fill(GgufWriter& w) {
  w.AddU8("t.u8", 200);
  w.AddI8("t.i8", -100);
  w.AddU16("t.u16", 60000);
  w.AddI16("t.i16", -30000);
  w.AddU32("t.u32", 4000000000u);
  w.AddI32("t.i32", -2000000000);
  w.AddU64("t.u64", 0xfedcba9876543210ull);
  w.AddI64("t.i64", -0x123456789abcdefll);
  w.AddF32("t.f32", 1.5f);
  w.AddF64("t.f64", -2.25e100);
  w.AddBool("t.bool", true);
  w.AddString("t.str", "h\xc3\xa9llo");
  w.AddString("t.empty", "");
  w.AddI32Array("t.ai32", {1, -2, 3});
  w.AddU32Array("t.au32", {});
  w.AddF32Array("t.af32", {0.5f, -1.0f});
  w.AddBoolArray("t.abool", {true, false, true});
  w.AddStringArray("t.astr", {"a", "", "\xe2\x96\x81x y"});
  int16_t i16[2] = {-5, 7};
  w.AddArray("t.ai16", GgufType::kI16, i16, 2);
  w.AddTensor("a", DType::kF32, {3, 5},
              Bytes(Pattern(60, 1)));  // 60 bytes: padded
  w.AddTensor("b", DType::kQ8_0, {2, 64},
              Bytes(Pattern(136, 2)));  // 2 rows x 2 blocks x 34
  w.AddTensor("c", DType::kF16, {7}, Bytes(Pattern(14, 3)));
  w.AddTensor("d", DType::kQ4_0, {1, 1, 32}, Bytes(Pattern(18, 4)));
}

TEST(GgufWriter, RoundTripThroughIndependentReader) {
  TempDir dir;
  GgufWriter w;
  Fill(w);
  ASSERT_TRUE(w.WriteFile(dir.path() + "/m.gguf", false).ok());
  MiniGguf g = MiniReader::ReadFile(dir.path() + "/m.gguf");
  EXPECT_EQ(g.version, 3u);
  EXPECT_EQ(g.kv["t.u8"].type, 0u);
  EXPECT_EQ(g.kv["t.u8"].u, 200u);
  EXPECT_EQ(g.kv["t.i8"].i, -100);
  EXPECT_EQ(g.kv["t.u16"].u, 60000u);
  EXPECT_EQ(g.kv["t.i16"].i, -30000);
  EXPECT_EQ(g.kv["t.u32"].u, 4000000000u);
  EXPECT_EQ(g.kv["t.i32"].i, -2000000000);
  EXPECT_EQ(g.kv["t.u64"].u, 0xfedcba9876543210ull);
  EXPECT_EQ(g.kv["t.i64"].i, -0x123456789abcdefll);
  EXPECT_EQ(g.kv["t.f32"].type, 6u);
  EXPECT_EQ(g.kv["t.f32"].f, 1.5);
  EXPECT_EQ(g.kv["t.f64"].f, -2.25e100);
  EXPECT_EQ(g.kv["t.bool"].type, 7u);
  EXPECT_EQ(g.kv["t.bool"].u, 1u);
  EXPECT_EQ(g.kv["t.str"].s, "h\xc3\xa9llo");
  EXPECT_EQ(g.kv["t.empty"].s, "");
  ASSERT_EQ(g.kv["t.ai32"].arr.size(), 3u);
  EXPECT_EQ(g.kv["t.ai32"].elem_type, 5u);
  EXPECT_EQ(g.kv["t.ai32"].arr[1].i, -2);
  EXPECT_EQ(g.kv["t.au32"].elem_type, 4u);
  EXPECT_TRUE(g.kv["t.au32"].arr.empty());
  EXPECT_EQ(g.kv["t.af32"].arr[1].f, -1.0);
  ASSERT_EQ(g.kv["t.abool"].arr.size(), 3u);
  EXPECT_EQ(g.kv["t.abool"].arr[1].u, 0u);
  ASSERT_EQ(g.kv["t.astr"].arr.size(), 3u);
  EXPECT_EQ(g.kv["t.astr"].arr[2].s, "\xe2\x96\x81x y");
  EXPECT_EQ(g.kv["t.ai16"].arr[0].i, -5);
  EXPECT_EQ(g.key_order.front(), "t.u8");  // call order kept

  ASSERT_EQ(g.tensors.size(), 4u);
  EXPECT_EQ(g.data_start % 32, 0u);
  const uint8_t seeds[4] = {1, 2, 3, 4};
  const size_t sizes[4] = {60, 136, 14, 18};
  for (int i = 0; i < 4; ++i) {
    const test::MiniTensor& t = g.tensors[i];
    EXPECT_EQ(t.offset % 32, 0u) << t.name;
    std::vector<uint8_t> want = Pattern(sizes[i], seeds[i]);
    EXPECT_EQ(0, std::memcmp(g.Data(t), want.data(), want.size())) << t.name;
  }
  EXPECT_EQ(g.tensors[0].ne,
            (std::vector<uint64_t>{5, 3}));  // reversed PyTorch order
  EXPECT_EQ(g.tensors[1].type, 8u);
  EXPECT_EQ(g.tensors[3].ne, (std::vector<uint64_t>{32, 1, 1}));
  EXPECT_GE(g.bytes.size(), g.data_start + g.tensors[3].offset + 18);
}

TEST(GgufWriter, CustomAlignment) {
  TempDir dir;
  GgufWriter w;
  w.SetAlignment(64);
  w.AddTensor("a", DType::kF32, {3}, Bytes(Pattern(12, 9)));
  w.AddTensor("b", DType::kF32, {5}, Bytes(Pattern(20, 8)));
  ASSERT_TRUE(w.WriteFile(dir.path() + "/m.gguf", false).ok());
  MiniGguf g = MiniReader::ReadFile(dir.path() + "/m.gguf");
  EXPECT_EQ(g.kv["general.alignment"].u, 64u);
  EXPECT_EQ(g.data_start % 64, 0u);
  EXPECT_EQ(g.tensors[1].offset, 64u);
  EXPECT_EQ(0, std::memcmp(g.Data(g.tensors[1]), Pattern(20, 8).data(), 20));
  GgufWriter bad;
  bad.SetAlignment(48);
  EXPECT_EQ(bad.WriteFile(dir.path() + "/bad.gguf", false).code(),
            StatusCode::kInvalidArgument);
}

TEST(GgufWriter, RefusesExistingOutputUnlessForced) {
  TempDir dir;
  std::string out = dir.path() + "/m.gguf";
  test::WriteText(out, "keep me");
  GgufWriter w;
  Fill(w);
  Status s = w.WriteFile(out, false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--force"), std::string::npos) << s.message();
  EXPECT_EQ(test::ReadText(out), "keep me");
  EXPECT_TRUE(w.WriteFile(out, true).ok());
  EXPECT_EQ(MiniReader::ReadFile(out).tensors.size(), 4u);
  EXPECT_EQ(test::ListDir(dir.path()), std::vector<std::string>{"m.gguf"});
}

TEST(GgufWriter, ProducerErrorsLeaveNoFile) {
  TempDir dir;
  std::string out = dir.path() + "/m.gguf";
  {
    GgufWriter w;
    w.AddTensor("a", DType::kF32, {4},
                [](TensorSink&) { return IoError("source gone"); });
    Status s = w.WriteFile(out, false);
    EXPECT_EQ(s.code(), StatusCode::kIoError);
    EXPECT_EQ(s.message(), "source gone");
  }
  {
    GgufWriter w;  // too few bytes
    w.AddTensor("a", DType::kF32, {4}, Bytes(Pattern(12, 0)));
    EXPECT_FALSE(w.WriteFile(out, false).ok());
  }
  {
    GgufWriter w;  // too many bytes
    w.AddTensor("a", DType::kF32, {4}, Bytes(Pattern(20, 0)));
    EXPECT_FALSE(w.WriteFile(out, false).ok());
  }
  EXPECT_TRUE(test::ListDir(dir.path()).empty());
}

TEST(GgufWriter, MisuseIsReported) {
  TempDir dir;
  GgufWriter dup;
  dup.AddU32("k", 1);
  dup.AddU32("k", 2);
  EXPECT_EQ(dup.WriteFile(dir.path() + "/a.gguf", false).code(),
            StatusCode::kInvalidArgument);
  GgufWriter name;
  name.AddTensor(std::string(64, 'x'), DType::kF32, {1}, Bytes(Pattern(4, 0)));
  EXPECT_EQ(name.WriteFile(dir.path() + "/b.gguf", false).code(),
            StatusCode::kInvalidArgument);
  GgufWriter blocks;
  blocks.AddTensor("q", DType::kQ4_0, {2, 48}, Bytes(Pattern(4, 0)));
  EXPECT_EQ(blocks.WriteFile(dir.path() + "/c.gguf", false).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(test::ListDir(dir.path()).empty());
}

TEST(GgufWriter, UnwritableDirectoryIsAClearError) {
  GgufWriter w;
  Fill(w);
  Status s = w.WriteFile("/nonexistent-dir-h5/m.gguf", false);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("/nonexistent-dir-h5"), std::string::npos)
      << s.message();
}

// A full disk, simulated with RLIMIT_FSIZE (write(2) fails with EFBIG past the
// limit).
TEST(GgufWriter, DiskFullLeavesNoFile) {
  TempDir dir;
  GgufWriter w;
  w.AddTensor("big", DType::kF32, {1 << 20}, [](TensorSink& s) {
    std::vector<float> zeros(1 << 16);
    for (int i = 0; i < 16; ++i)
      EM_RETURN_IF_ERROR(s.Write(zeros.data(), zeros.size() * 4));
    return Status::Ok();
  });
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = 1 << 20;  // 1 MiB < 4 MiB of data
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  Status s = w.WriteFile(dir.path() + "/m.gguf", false);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("write"), std::string::npos) << s.message();
  EXPECT_TRUE(test::ListDir(dir.path()).empty());
}

}  // namespace
}  // namespace edgemma
