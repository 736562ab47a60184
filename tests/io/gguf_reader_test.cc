#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/io/gguf.h"
#include "tests/io/test_files.h"

namespace edgemma {
namespace {

using testing::TempDir;
using testing::WriteBytes;

// Builds GGUF bytes by hand from the format description (spec formats 4.1),
// independent of the project's writer.
class GgufBuilder {
 public:
  template <typename T>
  GgufBuilder& Raw(T v) {
    b_.append(reinterpret_cast<const char*>(&v), sizeof(T));
    return *this;
  }
  GgufBuilder& Str(const std::string& s) {
    Raw<uint64_t>(s.size());
    b_ += s;
    return *this;
  }
  GgufBuilder& Header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    b_ += "GGUF";
    return Raw<uint32_t>(version).Raw<uint64_t>(n_tensors).Raw<uint64_t>(n_kv);
  }
  template <typename T>
  GgufBuilder& Kv(const std::string& key, GgufType type, T v) {
    return Str(key).Raw<uint32_t>(static_cast<uint32_t>(type)).Raw<T>(v);
  }
  GgufBuilder& KvStr(const std::string& key, const std::string& v) {
    return Str(key).Raw<uint32_t>(8).Str(v);
  }
  GgufBuilder& KvStrArray(const std::string& key,
                          const std::vector<std::string>& v) {
    Str(key).Raw<uint32_t>(9).Raw<uint32_t>(8).Raw<uint64_t>(v.size());
    for (const std::string& s : v) Str(s);
    return *this;
  }
  template <typename T>
  GgufBuilder& KvArray(const std::string& key, GgufType elem,
                       const std::vector<T>& v) {
    Str(key)
        .Raw<uint32_t>(9)
        .Raw<uint32_t>(static_cast<uint32_t>(elem))
        .Raw<uint64_t>(v.size());
    for (T x : v) Raw<T>(x);
    return *this;
  }
  // ne in ggml order (ne[0] innermost).
  GgufBuilder& Tensor(const std::string& name, std::vector<uint64_t> ne,
                      uint32_t type, uint64_t offset) {
    Str(name).Raw<uint32_t>(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) Raw<uint64_t>(d);
    return Raw<uint32_t>(type).Raw<uint64_t>(offset);
  }
  GgufBuilder& PadTo(size_t align) {
    b_.append((align - b_.size() % align) % align, '\0');
    return *this;
  }
  GgufBuilder& Bytes(size_t n, char c = '\x11') {
    b_.append(n, c);
    return *this;
  }
  size_t size() const { return b_.size(); }
  const std::string& str() const { return b_; }

 private:
  std::string b_;
};

// A valid file: every metadata type, four tensors (f32, f16, q4_0, q8_0),
// alignment 64.
std::string ValidFile() {
  GgufBuilder b;
  b.Header(4, 16)
      .Kv<uint8_t>("u8", GgufType::kU8, 200)
      .Kv<int8_t>("i8", GgufType::kI8, -100)
      .Kv<uint16_t>("u16", GgufType::kU16, 60000)
      .Kv<int16_t>("i16", GgufType::kI16, -30000)
      .Kv<uint32_t>("u32", GgufType::kU32, 4000000000u)
      .Kv<int32_t>("i32", GgufType::kI32, -2000000000)
      .Kv<float>("f32", GgufType::kF32, 1.5f)
      .Kv<uint8_t>("bool", GgufType::kBool, 1)
      .KvStr("general.architecture", "gemma4")
      .Kv<uint64_t>("u64", GgufType::kU64, 1ull << 40)
      .Kv<int64_t>("i64", GgufType::kI64, -(1ll << 40))
      .Kv<double>("f64", GgufType::kF64, 0.25)
      .KvStrArray("tokens", {"<pad>", "", "héllo", "▁world"})
      .KvArray<int32_t>("ints", GgufType::kI32, {3, -1, 7})
      .KvArray<float>("floats", GgufType::kF32, {0.5f, -2.f})
      .Kv<uint32_t>("general.alignment", GgufType::kU32, 64);
  // f32 [3, 4] (ne 4,3) = 48 B @0; f16 [2, 8] = 32 B @64; q4_0 [2, 64] = 2*2*18
  // = 72 B @128; q8_0 [1, 32] = 34 B @256.
  b.Tensor("a.f32", {4, 3}, 0, 0)
      .Tensor("b.f16", {8, 2}, 1, 64)
      .Tensor("c.q4_0", {64, 2}, 2, 128)
      .Tensor("d.q8_0", {32}, 8, 256)
      .PadTo(64)
      .Bytes(256 + 34);
  return b.str();
}

Result<std::unique_ptr<GgufFile>> OpenBytes(const TempDir& dir,
                                            const std::string& bytes) {
  const std::string path = dir.File("t.gguf");
  WriteBytes(path, bytes);
  return GgufFile::Open(path);
}

TEST(GgufReader, ReadsEveryMetadataTypeAndTensor) {
  TempDir dir;
  const std::string bytes = ValidFile();
  auto r = OpenBytes(dir, bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const GgufFile& g = *r.value();
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 64u);
  ASSERT_EQ(g.keys().size(), 16u);
  EXPECT_EQ(g.keys()[0], "u8");
  EXPECT_EQ(g.keys()[15], "general.alignment");
  EXPECT_EQ(g.GetInt("u8").value(), 200);
  EXPECT_EQ(g.GetInt("i8").value(), -100);
  EXPECT_EQ(g.GetInt("u16").value(), 60000);
  EXPECT_EQ(g.GetInt("i16").value(), -30000);
  EXPECT_EQ(g.GetInt("u32").value(), 4000000000ll);
  EXPECT_EQ(g.GetInt("i32").value(), -2000000000);
  EXPECT_EQ(g.GetInt("u64").value(), 1ll << 40);
  EXPECT_EQ(g.GetInt("i64").value(), -(1ll << 40));
  EXPECT_DOUBLE_EQ(g.GetFloat("f32").value(), 1.5);
  EXPECT_DOUBLE_EQ(g.GetFloat("f64").value(), 0.25);
  EXPECT_TRUE(g.GetBool("bool").value());
  EXPECT_EQ(g.GetString("general.architecture").value(), "gemma4");
  const GgufValue* tok = g.Get("tokens");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->type, GgufType::kArray);
  EXPECT_EQ(tok->elem_type, GgufType::kString);
  ASSERT_EQ(tok->count, 4u);
  EXPECT_EQ(tok->ArrayString(0), "<pad>");
  EXPECT_EQ(tok->ArrayString(1), "");
  EXPECT_EQ(tok->ArrayString(2), "héllo");
  EXPECT_EQ(tok->ArrayString(3), "▁world");
  const GgufValue* ints = g.Get("ints");
  EXPECT_EQ(ints->ArrayInt(1), -1);
  EXPECT_EQ(ints->ArrayInt(2), 7);
  EXPECT_DOUBLE_EQ(g.Get("floats")->ArrayFloat(1), -2.0);
  // Typed getters: wrong type -> kCorrupt naming the key, missing -> kNotFound.
  EXPECT_EQ(g.GetString("u8").status().code(), StatusCode::kCorrupt);
  EXPECT_NE(g.GetString("u8").status().message().find("'u8'"),
            std::string::npos);
  EXPECT_EQ(g.GetInt("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(g.GetBool("u8").status().code(), StatusCode::kCorrupt);

  ASSERT_EQ(g.tensors().size(), 4u);
  const TensorInfo* a = g.Find("a.f32");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{3, 4}));  // PyTorch order
  EXPECT_EQ(a->nbytes, 48u);
  EXPECT_EQ(g.data_offset() % 64, 0u);
  EXPECT_EQ(static_cast<const uint8_t*>(a->data),
            g.file().data() + g.data_offset());
  EXPECT_EQ(g.Find("b.f16")->nbytes, 32u);
  EXPECT_EQ(g.Find("c.q4_0")->shape, (std::vector<int64_t>{2, 64}));
  EXPECT_EQ(g.Find("c.q4_0")->nbytes, 72u);
  EXPECT_EQ(g.Find("c.q4_0")->dtype, DType::kQ4_0);
  EXPECT_EQ(g.Find("d.q8_0")->shape, (std::vector<int64_t>{32}));
  EXPECT_EQ(g.Find("d.q8_0")->nbytes, 34u);
  EXPECT_EQ(static_cast<const uint8_t*>(g.Find("d.q8_0")->data),
            g.file().data() + g.data_offset() + 256);
  EXPECT_EQ(g.Find("zzz"), nullptr);
}

TEST(GgufReader, AcceptsVersion2AndEmptyTensorList) {
  TempDir dir;
  GgufBuilder b;
  b.Header(0, 1, 2).KvStr("general.name", "x");
  auto r = OpenBytes(dir, b.str());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()->version(), 2u);
  EXPECT_TRUE(r.value()->tensors().empty());
}

struct BadCase {
  const char* label;
  std::string bytes;
  StatusCode code;
  const char* needle;
};

std::vector<BadCase> BadCases() {
  std::vector<BadCase> c;
  std::string v = ValidFile();
  std::string magic = v;
  magic[0] = 'X';
  c.push_back({"bad magic", magic, StatusCode::kCorrupt, "magic"});
  std::string ver = v;
  ver[4] = 9;
  c.push_back({"version", ver, StatusCode::kUnsupported, "version 9"});
  c.push_back({"truncated metadata", v.substr(0, 200), StatusCode::kCorrupt,
               "exceeds the file"});
  c.push_back({"truncated data", v.substr(0, v.size() - 10),
               StatusCode::kCorrupt,
               "'d.q8_0' data [256, 290) exceeds the data section"});
  c.push_back({"short", v.substr(0, 10), StatusCode::kCorrupt, "too short"});
  GgufBuilder huge_t;
  huge_t.Header(1ull << 60, 0);
  c.push_back({"huge tensor count", huge_t.str(), StatusCode::kCorrupt,
               "tensor count"});
  GgufBuilder huge_kv;
  huge_kv.Header(0, 1ull << 62).Bytes(64);
  c.push_back(
      {"huge kv count", huge_kv.str(), StatusCode::kCorrupt, "metadata count"});
  GgufBuilder long_str;
  long_str.Header(0, 1)
      .Str("k")
      .Raw<uint32_t>(8)
      .Raw<uint64_t>(1ull << 50)
      .Bytes(8);
  c.push_back({"string past EOF", long_str.str(), StatusCode::kCorrupt,
               "value of 'k'"});
  GgufBuilder huge_arr;
  huge_arr.Header(0, 1)
      .Str("arr")
      .Raw<uint32_t>(9)
      .Raw<uint32_t>(8)
      .Raw<uint64_t>(1ull << 61);
  c.push_back(
      {"huge string array", huge_arr.str(), StatusCode::kCorrupt, "'arr'"});
  GgufBuilder arr_elem;
  arr_elem.Header(0, 1)
      .Str("toks")
      .Raw<uint32_t>(9)
      .Raw<uint32_t>(8)
      .Raw<uint64_t>(3)
      .Str("a")
      .Raw<uint64_t>(1000)
      .Bytes(16);
  c.push_back({"string array element past EOF", arr_elem.str(),
               StatusCode::kCorrupt, "'toks'[1]"});
  GgufBuilder huge_arr2;
  huge_arr2.Header(0, 1)
      .Str("arr")
      .Raw<uint32_t>(9)
      .Raw<uint32_t>(6)
      .Raw<uint64_t>(1ull << 62);
  c.push_back(
      {"huge f32 array", huge_arr2.str(), StatusCode::kCorrupt, "'arr'"});
  GgufBuilder bad_type;
  bad_type.Header(0, 1).Str("k").Raw<uint32_t>(77).Bytes(16);
  c.push_back({"unknown value type", bad_type.str(), StatusCode::kCorrupt,
               "value type 77"});
  GgufBuilder dup;
  dup.Header(0, 2).KvStr("k", "a").KvStr("k", "b");
  c.push_back(
      {"duplicate key", dup.str(), StatusCode::kCorrupt, "duplicate key 'k'"});
  GgufBuilder misaligned;
  misaligned.Header(1, 0).Tensor("w", {4}, 0, 4).PadTo(32).Bytes(64);
  c.push_back({"misaligned offset", misaligned.str(), StatusCode::kCorrupt,
               "alignment"});
  GgufBuilder oob;
  oob.Header(1, 0).Tensor("w", {4, 4}, 0, 32).PadTo(32).Bytes(64);
  c.push_back({"offset out of range", oob.str(), StatusCode::kCorrupt,
               "exceeds the data"});
  GgufBuilder block;
  block.Header(1, 0).Tensor("q", {48, 2}, 2, 0).PadTo(32).Bytes(256);
  c.push_back({"ne0 not multiple of block", block.str(), StatusCode::kCorrupt,
               "block size 32"});
  GgufBuilder overlap;
  overlap.Header(2, 0)
      .Tensor("x", {16}, 0, 0)
      .Tensor("y", {16}, 0, 32)
      .PadTo(32)
      .Bytes(128);
  c.push_back({"overlap", overlap.str(), StatusCode::kCorrupt, "overlap"});
  GgufBuilder ggml_type;
  ggml_type.Header(1, 0).Tensor("w", {4}, 3, 0).PadTo(32).Bytes(64);
  c.push_back({"unsupported ggml type", ggml_type.str(),
               StatusCode::kUnsupported, "type 3"});
  GgufBuilder dims;
  dims.Header(1, 0).Tensor("w", {1, 1, 1, 1, 1}, 0, 0).PadTo(32).Bytes(64);
  c.push_back(
      {"too many dims", dims.str(), StatusCode::kCorrupt, "5 dimensions"});
  GgufBuilder giant;
  giant.Header(1, 0)
      .Tensor("w", {1ull << 40, 1ull << 40}, 0, 0)
      .PadTo(32)
      .Bytes(64);
  c.push_back({"giant shape", giant.str(), StatusCode::kCorrupt,
               "larger than the file"});
  GgufBuilder align;
  align.Header(0, 1).Kv<uint32_t>("general.alignment", GgufType::kU32, 48);
  c.push_back(
      {"bad alignment", align.str(), StatusCode::kCorrupt, "power of two"});
  GgufBuilder dupt;
  dupt.Header(2, 0)
      .Tensor("x", {8}, 0, 0)
      .Tensor("x", {8}, 0, 32)
      .PadTo(32)
      .Bytes(64);
  c.push_back({"duplicate tensor", dupt.str(), StatusCode::kCorrupt,
               "duplicate tensor 'x'"});
  return c;
}

TEST(GgufReader, CorruptFilesGiveClearErrors) {
  TempDir dir;
  for (const BadCase& c : BadCases()) {
    SCOPED_TRACE(c.label);
    auto r = OpenBytes(dir, c.bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos)
        << r.status().ToString();
    EXPECT_NE(r.status().message().find("t.gguf"), std::string::npos)
        << r.status().ToString();
  }
}

TEST(GgufReader, EveryTruncationOfAValidFileFailsCleanly) {
  TempDir dir;
  const std::string v = ValidFile();
  // The data section is checked separately above; truncating anywhere in the
  // header and metadata must give an error, never a crash or a huge allocation.
  for (size_t n = 0; n < v.size(); n += 7) {
    auto r = OpenBytes(dir, v.substr(0, n));
    EXPECT_FALSE(r.ok()) << "accepted a file truncated to " << n << " bytes";
  }
}

}  // namespace
}  // namespace edgemma
