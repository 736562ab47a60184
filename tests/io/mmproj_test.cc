// The mmproj GGUF of `edgemma quantize` on the tiny checkpoints, read back
// with the independent MiniReader (tests/support/mini_gguf.h): every HF tower
// tensor under its llama.cpp name, shape, type and values (transforms
// re-derived here from the spec, not from the writer), the tower loader
// binding the same weights from the HF directory and from the mmproj, and bad
// inputs that fail with a clear message and leave no file.
#include "core/io/mmproj.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/convert/mmproj_writer.h"
#include "core/io/config.h"
#include "core/io/mmproj_plan.h"
#include "core/io/safetensors.h"
#include "quant/quantize.h"
#include "tests/support/mini_gguf.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::MiniGguf;
using test::MiniReader;
using test::RunCli;
using test::TempDir;

std::string Tiny(const std::string& name) {
  return std::string(EDGEMMA_SHARED_DIR) + "/testdata/" + name;
}

std::vector<float> Floats(DType type, const void* data, int64_t n,
                          int64_t cols) {
  std::vector<float> v(n);
  Result<size_t> rb = RowBytes(type, cols);
  EXPECT_TRUE(rb.ok());
  for (int64_t r = 0; r < n / cols; ++r) {
    EXPECT_TRUE(
        DequantizeRow(type, static_cast<const uint8_t*>(data) + r * rb.value(),
                      cols, v.data() + r * cols)
            .ok());
  }
  return v;
}

// The HF values in the GGUF convention, derived independently of the writer:
// softplus for per_dim_scale; patch column (dy*p + dx)*3 + c -> c*p*p + dy*p +
// dx.
std::vector<float> Expected(const TowerTensor& p, const TensorInfo& src) {
  const int64_t n = src.numel();
  std::vector<float> x =
      Floats(src.dtype, src.data, n, src.shape.empty() ? 1 : src.shape.back());
  if (p.transform == TowerTransform::kSoftplus) {
    for (float& v : x) v = static_cast<float>(std::log1p(std::exp(double(v))));
  } else if (p.transform == TowerTransform::kPatchToConv) {
    const int64_t pp = p.shape[2] * p.shape[3], row = 3 * pp;
    std::vector<float> y(x.size());
    for (int64_t o = 0; o < p.shape[0]; ++o)
      for (int64_t k = 0; k < pp; ++k)
        for (int64_t c = 0; c < 3; ++c)
          y[o * row + c * pp + k] = x[o * row + k * 3 + c];
    x.swap(y);
  }
  return x;
}

// Worst |got - want| / bound over a tensor of rows of `cols`; the bound per
// 32-block of a row depends on the GGUF type (f32: softplus rounding only).
double WorstRatio(uint32_t type, const std::vector<float>& got,
                  const std::vector<float>& want, int64_t cols) {
  double worst = 0;
  for (size_t r0 = 0; r0 < want.size(); r0 += cols) {
    for (size_t b = r0; b < r0 + cols; b += 32) {
      const size_t e = std::min(r0 + cols, b + 32);
      double amax = 0;
      for (size_t i = b; i < e; ++i)
        amax = std::max(amax, std::fabs(double(want[i])));
      for (size_t i = b; i < e; ++i) {
        double bound = 1e-6 * std::fabs(want[i]);
        if (type == 1)  // + half of the f16 subnormal step
          bound = std::ldexp(std::fabs(want[i]), -11) + std::ldexp(1.0, -25);
        if (type == 8) bound = amax / 127 * (0.5 + 127.0 / 2048);
        bound = bound * 1.01 + 1e-30;
        worst = std::max(worst, std::fabs(double(got[i]) - want[i]) / bound);
      }
    }
  }
  return worst;
}

struct Case {
  const char* model;
  const char* type;
};

class MmprojTiny : public ::testing::TestWithParam<Case> {};

TEST_P(MmprojTiny, EveryTowerTensorNamedShapedTypedAndValued) {
  const Case c = GetParam();
  TempDir dir;
  test::CliResult r = RunCli("quantize " + Tiny(c.model) + " " + dir.path() +
                             "/m.gguf --no-tokenizer --type " + c.type);
  ASSERT_EQ(r.code, 0) << r.output;
  MiniGguf g = MiniReader::ReadFile(dir.path() + "/mmproj-m.gguf");
  EXPECT_EQ(g.kv["general.architecture"].s, "clip");
  EXPECT_EQ(g.kv["clip.vision.projector_type"].s, "gemma4v");
  EXPECT_EQ(g.kv["clip.audio.projector_type"].s, "gemma4a");
  // llama.cpp runs the ViT MLP with gelu_quick unless clip.use_gelu says the
  // config's gelu_pytorch_tanh (bool, type 7); the audio graph is always SiLU.
  ASSERT_EQ(g.kv.count("clip.use_gelu"), 1u);
  EXPECT_EQ(g.kv["clip.use_gelu"].type, 7u);
  EXPECT_EQ(g.kv["clip.use_gelu"].u, 1u);
  EXPECT_EQ(g.kv.count("clip.use_silu"), 0u);
  Result<Gemma4Config> cfg = LoadGemma4Config(Tiny(c.model));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(g.kv["clip.vision.projection_dim"].u, uint64_t(cfg->text.d_model));
  Result<TowerDims> dims = TowerDimsFromConfig(cfg.value());
  ASSERT_TRUE(dims.ok()) << dims.status().ToString();
  auto st = SafetensorsModel::OpenDir(Tiny(c.model));
  ASSERT_TRUE(st.ok());
  Result<QuantPreset> preset = ParseQuantPreset(c.type);
  int hf_towers = 0;
  for (const TensorInfo& t : st.value()->tensors())
    hf_towers += IsTowerTensorName(t.name);
  EXPECT_EQ(g.tensors.size(), size_t(hf_towers));
  for (const TowerTensor& p : PlanTowerTensors(dims.value())) {
    const TensorInfo* src = st.value()->Find(p.hf_name);
    if (src == nullptr) {
      EXPECT_TRUE(p.optional) << p.hf_name;
      EXPECT_EQ(g.Find(p.gguf_name), nullptr);
      continue;
    }
    const test::MiniTensor* t = g.Find(p.gguf_name);
    ASSERT_NE(t, nullptr) << p.gguf_name;
    EXPECT_EQ(t->ne, std::vector<uint64_t>(p.shape.rbegin(), p.shape.rend()))
        << p.gguf_name;
    EXPECT_EQ(t->type, uint32_t(ChooseMmprojType(p, preset.value(), {})));
    if (p.role != TowerRole::kLinear) {
      EXPECT_NE(t->type, 8u) << p.gguf_name;
    }
    const int64_t cols = int64_t(t->ne[0]);
    std::vector<float> got =
        Floats(DType(t->type), g.Data(*t), src->numel(), cols);
    EXPECT_LE(WorstRatio(t->type, got, Expected(p, *src), cols), 1.0)
        << p.gguf_name;
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, MmprojTiny,
                         ::testing::Values(Case{"tiny-e2b", "f16"},
                                           Case{"tiny-e2b", "q8_0"},
                                           Case{"tiny-e4b", "f16"},
                                           Case{"tiny-e4b", "q8_0"}));

void ExpectSame(const TowerWeights& a, const TowerWeights& b,
                const BoundTensor& x, const BoundTensor& y,
                const std::string& what) {
  ASSERT_EQ(x.present(), y.present()) << what;
  if (!x.present()) return;
  EXPECT_EQ(x.t.shape, y.t.shape) << what;
  Result<std::vector<float>> u = a.ToF32(x), v = b.ToF32(y);
  ASSERT_TRUE(u.ok() && v.ok()) << what;
  const uint32_t type = static_cast<uint32_t>(y.t.dtype);
  EXPECT_LE(WorstRatio(type, v.value(), u.value(), y.t.shape.back()), 1.0)
      << what;
}

void ExpectSame(const TowerWeights& a, const TowerWeights& b,
                const ClippedLinear& x, const ClippedLinear& y,
                const std::string& what) {
  ExpectSame(a, b, x.w, y.w, what);
  EXPECT_EQ(x.in_min, y.in_min) << what;
  EXPECT_EQ(x.in_max, y.in_max) << what;
  EXPECT_EQ(x.out_min, y.out_min) << what;
  EXPECT_EQ(x.out_max, y.out_max) << what;
  EXPECT_LT(x.in_min, x.in_max) << what;
}

TEST(MmprojLoader, HfDirectoryAndMmprojBindTheSameWeights) {
  TempDir dir;
  const std::string mm = dir.path() + "/towers.gguf";
  test::CliResult r = RunCli("quantize " + Tiny("tiny-e4b") + " " + dir.path() +
                             "/m.gguf --no-tokenizer --type f16 "
                             "--mmproj " +
                             mm);
  ASSERT_EQ(r.code, 0) << r.output;
  auto hf = TowerWeights::Open(Tiny("tiny-e4b"));
  ASSERT_TRUE(hf.ok()) << hf.status().ToString();
  auto gg = TowerWeights::Open(mm);
  ASSERT_TRUE(gg.ok()) << gg.status().ToString();
  const TowerWeights &a = *hf.value(), &b = *gg.value();
  EXPECT_TRUE(b.from_gguf());
  EXPECT_EQ(a.dims().text_d, b.dims().text_d);
  const VisionWeights &va = a.vision(), &vb = b.vision();
  ExpectSame(a, b, va.patch, vb.patch, "patch");
  ExpectSame(a, b, va.pos, vb.pos, "pos");
  ExpectSame(a, b, va.proj, vb.proj, "vision proj");
  ASSERT_EQ(va.layers.size(), size_t(a.dims().vision.n_layers));
  ASSERT_EQ(va.layers.size(), vb.layers.size());
  for (size_t i = 0; i < va.layers.size(); ++i) {
    const VisionLayerWeights &x = va.layers[i], &y = vb.layers[i];
    const std::string n = "v" + std::to_string(i) + ".";
    for (auto [p, q, w] : {std::tuple{&x.ln1, &y.ln1, "ln1"},
                           {&x.q_norm, &y.q_norm, "q_norm"},
                           {&x.k_norm, &y.k_norm, "k_norm"},
                           {&x.attn_post_norm, &y.attn_post_norm, "apn"},
                           {&x.ln2, &y.ln2, "ln2"},
                           {&x.ffn_post_norm, &y.ffn_post_norm, "fpn"}})
      ExpectSame(a, b, *p, *q, n + w);
    for (auto [p, q, w] : {std::tuple{&x.q, &y.q, "q"},
                           {&x.k, &y.k, "k"},
                           {&x.v, &y.v, "v"},
                           {&x.o, &y.o, "o"},
                           {&x.gate, &y.gate, "gate"},
                           {&x.up, &y.up, "up"},
                           {&x.down, &y.down, "down"}})
      ExpectSame(a, b, *p, *q, n + w);
  }
  const AudioWeights &aa = a.audio(), &ab = b.audio();
  for (int k = 0; k < 2; ++k) {
    ExpectSame(a, b, aa.conv[k], ab.conv[k], "conv");
    ExpectSame(a, b, aa.conv_norm[k], ab.conv_norm[k], "conv_norm");
  }
  ExpectSame(a, b, aa.input_proj, ab.input_proj, "input_proj");
  ExpectSame(a, b, aa.out_w, ab.out_w, "out_w");
  ExpectSame(a, b, aa.out_b, ab.out_b, "out_b");
  ExpectSame(a, b, aa.proj, ab.proj, "audio proj");
  ASSERT_EQ(aa.layers.size(), size_t(a.dims().audio.n_layers));
  for (size_t i = 0; i < aa.layers.size(); ++i) {
    const AudioLayerWeights &x = aa.layers[i], &y = ab.layers[i];
    const std::string n = "a" + std::to_string(i) + ".";
    for (auto [p, q, w] :
         {std::tuple{&x.ffn_norm, &y.ffn_norm, "ffn_norm"},
          {&x.ffn_post_norm, &y.ffn_post_norm, "fpn"},
          {&x.ffn_norm_1, &y.ffn_norm_1, "ffn_norm_1"},
          {&x.ffn_post_norm_1, &y.ffn_post_norm_1, "fpn1"},
          {&x.attn_pre_norm, &y.attn_pre_norm, "apre"},
          {&x.attn_post_norm, &y.attn_post_norm, "apost"},
          {&x.k_rel, &y.k_rel, "k_rel"},
          {&x.per_dim_scale, &y.per_dim_scale, "per_dim_scale"},
          {&x.pre_conv_norm, &y.pre_conv_norm, "pre_conv_norm"},
          {&x.conv_dw, &y.conv_dw, "conv_dw"},
          {&x.post_conv_norm, &y.post_conv_norm, "post_conv_norm"},
          {&x.ln2, &y.ln2, "ln2"}})
      ExpectSame(a, b, *p, *q, n + w);
    for (auto [p, q, w] : {std::tuple{&x.ffn_up, &y.ffn_up, "ffn_up"},
                           {&x.ffn_down, &y.ffn_down, "ffn_down"},
                           {&x.ffn_up_1, &y.ffn_up_1, "ffn_up_1"},
                           {&x.ffn_down_1, &y.ffn_down_1, "ffn_down_1"},
                           {&x.q, &y.q, "q"},
                           {&x.k, &y.k, "k"},
                           {&x.v, &y.v, "v"},
                           {&x.o, &y.o, "o"},
                           {&x.pw1, &y.pw1, "pw1"},
                           {&x.pw2, &y.pw2, "pw2"}})
      ExpectSame(a, b, *p, *q, n + w);
  }
  // Softplus really applied: the raw HF value differs from the bound one.
  const TensorInfo& raw = aa.layers[0].per_dim_scale.t;
  std::vector<float> rv = Floats(raw.dtype, raw.data, raw.numel(), 1);
  std::vector<float> bv = b.ToF32(ab.layers[0].per_dim_scale).value();
  EXPECT_NEAR(bv[0], std::log1p(std::exp(double(rv[0]))), 1e-5);
}

// Copies tiny-e2b with `edit` applied to the safetensors header and config.
void MakeCheckpoint(const std::string& dir,
                    const std::function<void(nlohmann::json&)>& header,
                    const std::function<void(nlohmann::json&)>& config) {
  const std::string src = Tiny("tiny-e2b");
  std::string bytes = test::ReadText(src + "/model.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  nlohmann::json h = nlohmann::json::parse(bytes.substr(8, n));
  header(h);
  std::string hs = h.dump();
  hs.append((8 - hs.size() % 8) % 8, ' ');
  const uint64_t m = hs.size();
  test::WriteText(dir + "/model.safetensors",
                  std::string(reinterpret_cast<const char*>(&m), 8) + hs +
                      bytes.substr(8 + n));
  nlohmann::json c =
      nlohmann::json::parse(test::ReadText(src + "/config.json"));
  config(c);
  test::WriteText(dir + "/config.json", c.dump());
}

void FailsCleanly(const std::string& in, const std::string& needle,
                  const std::string& extra = "") {
  TempDir out;
  test::CliResult r = RunCli("quantize " + in + " " + out.path() +
                             "/o.gguf --no-tokenizer " + extra);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  EXPECT_TRUE(test::ListDir(out.path()).empty()) << needle;
}

const auto kKeep = [](nlohmann::json&) {};

TEST(MmprojBadInputs, MissingWrongShapeUnmappedFailWithoutFiles) {
  const std::string pds = "model.audio_tower.layers.1.self_attn.per_dim_scale";
  const std::string q = "model.vision_tower.encoder.layers.0.self_attn.q_proj";
  {
    TempDir w;
    MakeCheckpoint(
        w.path(), [&](nlohmann::json& h) { h.erase(pds); }, kKeep);
    FailsCleanly(w.path(), "per_dim_scale' is missing");
    auto l = TowerWeights::Open(w.path());
    ASSERT_FALSE(l.ok());
    EXPECT_NE(l.status().message().find(pds + "' is missing"),
              std::string::npos)
        << l.status().ToString();
  }
  {
    TempDir w;
    MakeCheckpoint(
        w.path(),
        [&](nlohmann::json& h) {
          h[q + ".linear.weight"]["shape"] = {16, 64};
        },
        kKeep);
    FailsCleanly(w.path(), "has shape [16, 64], the config implies [32, 32]");
    auto l = TowerWeights::Open(w.path());
    ASSERT_FALSE(l.ok());
    EXPECT_NE(l.status().message().find("has shape [16, 64]"),
              std::string::npos);
  }
  {
    TempDir w;
    MakeCheckpoint(
        w.path(),
        [&](nlohmann::json& h) {
          h["model.vision_tower.extra.weight"] = h[q + ".input_min"];
          h.erase(q + ".input_min");  // renamed, so the data still tile
        },
        kKeep);
    FailsCleanly(w.path(), "'model.vision_tower.extra.weight' has no mmproj");
  }
  {
    TempDir w;
    MakeCheckpoint(
        w.path(),
        [&](nlohmann::json& h) { h[q + ".linear.weight"]["dtype"] = "I16"; },
        kKeep);
    FailsCleanly(w.path(), "unsupported dtype");
  }
}

TEST(MmprojBadInputs, OutputPathsAndTextOnly) {
  // Unwritable mmproj path: neither file is left.
  FailsCleanly(Tiny("tiny-e2b"), "/nonexistent-hb/",
               "--mmproj /nonexistent-hb/x.gguf");
  // Existing mmproj without --force: refused before anything is written.
  TempDir out;
  test::WriteText(out.path() + "/mmproj-m.gguf", "old");
  test::CliResult r = RunCli("quantize " + Tiny("tiny-e2b") + " " + out.path() +
                             "/m.gguf --no-tokenizer");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("mmproj-m.gguf: already exists"), std::string::npos)
      << r.output;
  EXPECT_EQ(test::ListDir(out.path()),
            std::vector<std::string>{"mmproj-m.gguf"});
  r = RunCli("quantize " + Tiny("tiny-e2b") + " " + out.path() +
             "/m.gguf --no-tokenizer --force");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(MiniReader::ReadFile(out.path() + "/mmproj-m.gguf")
                .kv["general.architecture"]
                .s,
            "clip");
  // --no-mmproj: the text model only.
  TempDir o2;
  r = RunCli("quantize " + Tiny("tiny-e2b") + " " + o2.path() +
             "/m.gguf --no-tokenizer --no-mmproj");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(test::ListDir(o2.path()), std::vector<std::string>{"m.gguf"});
  // Text-only checkpoint: no mmproj, and the tool says so.
  TempDir w, o3;
  MakeCheckpoint(
      w.path(),
      [](nlohmann::json& h) {
        for (auto it = h.begin(); it != h.end();) {
          it = IsTowerTensorName(it.key()) ? h.erase(it) : std::next(it);
        }
      },
      [](nlohmann::json& c) {
        c.erase("vision_config");
        c.erase("audio_config");
      });
  r = RunCli("quantize " + w.path() + " " + o3.path() +
             "/m.gguf --no-tokenizer");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("no mmproj"), std::string::npos) << r.output;
  EXPECT_EQ(test::ListDir(o3.path()), std::vector<std::string>{"m.gguf"});
}

}  // namespace
}  // namespace edgemma
