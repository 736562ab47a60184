#include "core/io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "core/io/config.h"
#include "tests/io/test_files.h"

namespace edgemma {
namespace {

using nlohmann::json;
using testing::TempDir;
using testing::WriteBytes;
using Shape = std::vector<int64_t>;

const std::string kShared = EDGEMMA_SHARED_DIR;

// Checks one tensor's presence, dtype and shape.
void ExpectTensor(const SafetensorsModel& m, const std::string& name,
                  const Shape& shape) {
  const TensorInfo* t = m.Find(name);
  ASSERT_NE(t, nullptr) << "missing " << name;
  EXPECT_EQ(t->shape, shape) << name << " is " << t->ShapeString();
  EXPECT_EQ(t->nbytes, static_cast<size_t>(t->numel()) * BlockBytes(t->dtype))
      << name;
  EXPECT_NE(m.FileOf(*t), nullptr);
}

// Every text tensor's shape, derived from the parsed config (never from
// constants).
void CheckTinyModel(const std::string& dir) {
  auto cfg = LoadGemma4Config(dir);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto st = SafetensorsModel::OpenDir(dir);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  const SafetensorsModel& m = *st.value();
  const TextConfig& t = cfg.value().text;
  const int64_t d = t.d_model, ple = t.d_ple, L = t.n_layers;
  const std::string p = "model.language_model.";
  ExpectTensor(m, p + "embed_tokens.weight", {t.vocab, d});
  ExpectTensor(m, p + "embed_tokens_per_layer.weight", {t.vocab_ple, L * ple});
  ExpectTensor(m, p + "per_layer_model_projection.weight", {L * ple, d});
  ExpectTensor(m, p + "per_layer_projection_norm.weight", {ple});
  ExpectTensor(m, p + "norm.weight", {d});
  int text_tensors = 5;
  for (int i = 0; i < L; ++i) {
    const LayerSpec& l = t.layers[static_cast<size_t>(i)];
    const std::string q = p + "layers." + std::to_string(i) + ".";
    const int64_t hd = l.head_dim, kv = l.n_kv_heads * hd,
                  qd = int64_t{t.n_heads} * hd;
    for (const char* n :
         {"input_layernorm", "post_attention_layernorm",
          "pre_feedforward_layernorm", "post_feedforward_layernorm",
          "post_per_layer_input_norm"}) {
      ExpectTensor(m, q + n + ".weight", {d});
    }
    ExpectTensor(m, q + "layer_scalar", {1});
    ExpectTensor(m, q + "self_attn.q_proj.weight", {qd, d});
    ExpectTensor(m, q + "self_attn.o_proj.weight", {d, qd});
    ExpectTensor(m, q + "self_attn.q_norm.weight", {hd});
    ExpectTensor(m, q + "self_attn.k_norm.weight", {hd});
    ExpectTensor(m, q + "self_attn.k_proj.weight", {kv, d});
    ExpectTensor(m, q + "self_attn.v_proj.weight", {kv, d});
    ExpectTensor(m, q + "mlp.gate_proj.weight", {l.d_ff, d});
    ExpectTensor(m, q + "mlp.up_proj.weight", {l.d_ff, d});
    ExpectTensor(m, q + "mlp.down_proj.weight", {d, l.d_ff});
    ExpectTensor(m, q + "per_layer_input_gate.weight", {ple, d});
    ExpectTensor(m, q + "per_layer_projection.weight", {d, ple});
    text_tensors += 17;
  }
  int found = 0;
  for (const TensorInfo& ti : m.tensors()) found += ti.name.rfind(p, 0) == 0;
  EXPECT_EQ(found, text_tensors) << "unexpected extra text tensors";
}

TEST(Safetensors, TinyE2bShapesMatchConfig) {
  CheckTinyModel(kShared + "/testdata/tiny-e2b");
}
TEST(Safetensors, TinyE4bShapesMatchConfig) {
  CheckTinyModel(kShared + "/testdata/tiny-e4b");
}

// Writes a safetensors file holding `tensors` (name -> TensorInfo with data) in
// order.
std::string Serialize(const std::vector<const TensorInfo*>& tensors) {
  json h = json::object();
  std::string data;
  h["__metadata__"] = {{"format", "pt"}};
  for (const TensorInfo* t : tensors) {
    const std::string dt = t->dtype == DType::kBF16  ? "BF16"
                           : t->dtype == DType::kF32 ? "F32"
                                                     : "F16";
    h[t->name] = {{"dtype", dt},
                  {"shape", t->shape},
                  {"data_offsets", {data.size(), data.size() + t->nbytes}}};
    data.append(static_cast<const char*>(t->data), t->nbytes);
  }
  std::string header = h.dump();
  header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t n = header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header + data;
}

TEST(Safetensors, ShardedDirectoryReadsIdentically) {
  const std::string src = kShared + "/testdata/tiny-e2b/model.safetensors";
  auto whole = SafetensorsFile::Open(src);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  const auto& all = whole.value()->tensors();
  TempDir dir;
  std::vector<const TensorInfo*> a, b;
  json wm = json::object();
  for (size_t i = 0; i < all.size(); ++i) {
    const bool first = i % 2 == 0;
    (first ? a : b).push_back(&all[i]);
    wm[all[i].name] = first ? "model-00001-of-00002.safetensors"
                            : "model-00002-of-00002.safetensors";
  }
  WriteBytes(dir.File("model-00001-of-00002.safetensors"), Serialize(a));
  WriteBytes(dir.File("model-00002-of-00002.safetensors"), Serialize(b));
  WriteBytes(
      dir.File("model.safetensors.index.json"),
      json{{"metadata", {{"total_size", 0}}}, {"weight_map", wm}}.dump());
  auto sharded = SafetensorsModel::OpenDir(dir.path());
  ASSERT_TRUE(sharded.ok()) << sharded.status().ToString();
  ASSERT_EQ(sharded.value()->tensors().size(), all.size());
  for (const TensorInfo& t : all) {
    const TensorInfo* s = sharded.value()->Find(t.name);
    ASSERT_NE(s, nullptr) << t.name;
    EXPECT_EQ(s->shape, t.shape);
    EXPECT_EQ(s->dtype, t.dtype);
    ASSERT_EQ(s->nbytes, t.nbytes);
    EXPECT_EQ(std::memcmp(s->data, t.data, t.nbytes), 0) << t.name;
    EXPECT_EQ(sharded.value()->FileOf(*s)->path(),
              dir.File(wm[t.name].get<std::string>()));
  }
  // A name mapped to the wrong shard, and a missing shard, are errors.
  wm[all[0].name] = "model-00002-of-00002.safetensors";
  WriteBytes(dir.File("model.safetensors.index.json"),
             json{{"weight_map", wm}}.dump());
  auto wrong = SafetensorsModel::OpenDir(dir.path());
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find(all[0].name), std::string::npos);
  wm[all[0].name] = "model-00003-of-00002.safetensors";
  WriteBytes(dir.File("model.safetensors.index.json"),
             json{{"weight_map", wm}}.dump());
  auto missing = SafetensorsModel::OpenDir(dir.path());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("00003"), std::string::npos);
}

// A file with a raw header text and `data_bytes` zero bytes of data.
std::string RawFile(const std::string& header, size_t data_bytes,
                    uint64_t claimed_len = 0) {
  const uint64_t n = claimed_len ? claimed_len : header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header +
         std::string(data_bytes, '\0');
}

struct CorruptCase {
  const char* label;
  std::string bytes;
  StatusCode code;
  const char* needle;  // must appear in the message
};

TEST(Safetensors, CorruptFilesGiveClearErrors) {
  const std::string ok_tensor =
      R"("a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]})";
  const std::vector<CorruptCase> cases = {
      {"tiny", "abc", StatusCode::kCorrupt, "too short"},
      {"header past EOF", RawFile("{" + ok_tensor + "}", 16, 5000),
       StatusCode::kCorrupt, "past the end"},
      {"oversized header", RawFile("{}", 0, 200ull << 20), StatusCode::kCorrupt,
       "100 MB"},
      {"bad json", RawFile("{\"a\": [1, 2", 0), StatusCode::kCorrupt, "JSON"},
      {"not object", RawFile("[1, 2]", 0), StatusCode::kCorrupt, "object"},
      {"truncated data", RawFile("{" + ok_tensor + "}", 10),
       StatusCode::kCorrupt, "exceed the data section"},
      {"offsets out of range",
       RawFile(
           R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}})",
           16),
       StatusCode::kCorrupt, "data_offsets [16, 24]"},
      {"reversed offsets",
       RawFile(
           R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})",
           16),
       StatusCode::kCorrupt, "'a'"},
      {"overlap",
       RawFile(
           "{" + ok_tensor +
               R"(, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
           16),
       StatusCode::kCorrupt, "overlap"},
      {"unknown dtype",
       RawFile(
           R"({"a": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}})",
           8),
       StatusCode::kCorrupt, "unknown dtype 'Q9'"},
      {"unsupported dtype",
       RawFile(
           R"({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}})",
           8),
       StatusCode::kUnsupported, "BOOL"},
      {"shape/bytes mismatch",
       RawFile(
           R"({"a": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 8]}})",
           8),
       StatusCode::kCorrupt, "6 bytes"},
      {"duplicate name", RawFile("{" + ok_tensor + ", " + ok_tensor + "}", 16),
       StatusCode::kCorrupt, "duplicate tensor name 'a'"},
      {"negative dim",
       RawFile(
           R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
           8),
       StatusCode::kCorrupt, "shape"},
      {"huge dims",
       RawFile(
           R"({"a": {"dtype": "F32", "shape": [1099511627775, 1099511627775], "data_offsets": [0, 4]}})",
           8),
       StatusCode::kCorrupt, "'a'"},
      {"missing fields", RawFile(R"({"a": {"dtype": "F32"}})", 8),
       StatusCode::kCorrupt, "data_offsets"},
  };
  TempDir dir;
  for (const CorruptCase& c : cases) {
    SCOPED_TRACE(c.label);
    const std::string path = dir.File("bad.safetensors");
    WriteBytes(path, c.bytes);
    auto r = SafetensorsFile::Open(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos)
        << r.status().ToString();
    EXPECT_NE(r.status().message().find(path), std::string::npos)
        << r.status().ToString();
  }
}

TEST(Safetensors, MetadataIgnoredAndEmptyTensorsAllowed) {
  TempDir dir;
  const std::string path = dir.File("ok.safetensors");
  WriteBytes(
      path,
      RawFile(
          R"({"__metadata__": {"format": "pt"}, "e": {"dtype": "I64", "shape": [0, 3], "data_offsets": [0, 0]}, "s": {"dtype": "F16", "shape": [], "data_offsets": [0, 2]}})",
          2));
  auto r = SafetensorsFile::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value()->tensors().size(), 2u);
  EXPECT_EQ(r.value()->Find("__metadata__"), nullptr);
  EXPECT_EQ(r.value()->Find("s")->shape, Shape{});
  EXPECT_EQ(r.value()->Find("e")->nbytes, 0u);
}

TEST(Safetensors, MissingDirectoryOrWeights) {
  TempDir dir;
  auto r = SafetensorsModel::OpenDir(dir.path());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("model.safetensors"), std::string::npos);
  auto f = SafetensorsFile::Open(dir.File("nope.safetensors"));
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace edgemma
