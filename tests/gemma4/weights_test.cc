// Weight binding: clear errors for missing tensors, wrong shapes and
// unsupported dtypes; GGUF (llama.cpp) names bind to the same tensors as HF
// names (cross-checked against the GGUF writer's tensor plan,
// core/convert/gguf_gemma4.h); the released layout's dead k/v on shared layers
// is ignored.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "core/convert/gguf_gemma4.h"
#include "core/io/config.h"
#include "core/io/safetensors.h"
#include "tests/gemma4/golden_replay.h"

namespace edgemma::test {
namespace {

// The tiny-e2b tensors by name, editable.
struct TensorSet {
  Gemma4Config config;
  std::unique_ptr<SafetensorsModel> st;
  std::map<std::string, TensorInfo> by_name;
  TensorLookup Lookup() const {
    return [this](std::string_view n) -> const TensorInfo* {
      auto it = by_name.find(std::string(n));
      return it == by_name.end() ? nullptr : &it->second;
    };
  }
};

std::unique_ptr<TensorSet> LoadSet() {
  auto s = std::make_unique<TensorSet>();
  const std::string dir = TestdataDir("tiny-e2b");
  Result<Gemma4Config> cfg = LoadGemma4Config(dir);
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  s->config = cfg.value();
  Result<std::unique_ptr<SafetensorsModel>> st = SafetensorsModel::OpenDir(dir);
  EXPECT_TRUE(st.ok());
  s->st = std::move(st).value();
  for (const TensorInfo& t : s->st->tensors()) s->by_name[t.name] = t;
  return s;
}

const char kPrefix[] = "model.language_model.";

Status Bind(const TensorSet& s) {
  return BindWeights(s.config.text, s.Lookup(), NameScheme::kHf, kPrefix)
      .status();
}

TEST(WeightsTest, BindsTheTinyModel) {
  std::unique_ptr<TensorSet> s = LoadSet();
  Result<std::string> prefix = DetectHfPrefix(s->Lookup());
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(prefix.value(), kPrefix);
  EXPECT_TRUE(Bind(*s).ok()) << Bind(*s).ToString();
}

TEST(WeightsTest, MissingTensorIsNamed) {
  std::unique_ptr<TensorSet> s = LoadSet();
  const std::string name = std::string(kPrefix) + "layers.3.mlp.up_proj.weight";
  ASSERT_EQ(s->by_name.erase(name), 1u);
  Status st = Bind(*s);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find(name), std::string::npos) << st.message();
}

TEST(WeightsTest, WrongShapeNamesTensorExpectedAndActual) {
  std::unique_ptr<TensorSet> s = LoadSet();
  const std::string name =
      std::string(kPrefix) + "layers.2.self_attn.q_proj.weight";
  TensorInfo& t = s->by_name[name];
  const int64_t rows = t.shape[0], cols = t.shape[1];
  t.shape = {rows / 2, cols};
  Status st = Bind(*s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  for (const std::string& part :
       {name,
        "[" + std::to_string(rows / 2) + ", " + std::to_string(cols) + "]",
        "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]"}) {
    EXPECT_NE(st.message().find(part), std::string::npos) << st.message();
  }
}

TEST(WeightsTest, UnsupportedDtypeIsAnError) {
  std::unique_ptr<TensorSet> s = LoadSet();
  const std::string mat =
      std::string(kPrefix) + "layers.1.mlp.down_proj.weight";
  s->by_name[mat].dtype = DType::kI32;
  Status st = Bind(*s);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find(mat), std::string::npos) << st.message();

  std::unique_ptr<TensorSet> s2 = LoadSet();
  const std::string vec = std::string(kPrefix) + "norm.weight";
  s2->by_name[vec].dtype = DType::kQ8_0;
  st = Bind(*s2);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find(vec), std::string::npos) << st.message();
}

TEST(WeightsTest, SharedLayerKvIsOptionalAndIgnored) {
  std::unique_ptr<TensorSet> s = LoadSet();
  const TextConfig& c = s->config.text;
  for (int i = c.first_shared(); i < c.n_layers; ++i) {
    const std::string p =
        std::string(kPrefix) + "layers." + std::to_string(i) + ".self_attn.";
    s->by_name.erase(p + "k_proj.weight");
    s->by_name.erase(p + "v_proj.weight");
    s->by_name.erase(p + "k_norm.weight");
  }
  EXPECT_TRUE(Bind(*s).ok()) << Bind(*s).ToString();
}

TEST(WeightsTest, GgufNamesBindTheSameTensors) {
  std::unique_ptr<TensorSet> s = LoadSet();
  // Rename every planned tensor to its llama.cpp name.
  TensorSet gguf;
  gguf.config = s->config;
  for (const PlannedTensor& p : PlanTextTensors(s->config)) {
    auto it = s->by_name.find(kPrefix + p.hf_name);
    if (p.hf_name.empty() || it == s->by_name.end()) continue;
    TensorInfo t = it->second;
    t.name = p.gguf_name;
    gguf.by_name[p.gguf_name] = t;
  }
  Result<Weights> hf =
      BindWeights(s->config.text, s->Lookup(), NameScheme::kHf, kPrefix);
  Result<Weights> gw =
      BindWeights(gguf.config.text, gguf.Lookup(), NameScheme::kGguf, "");
  ASSERT_TRUE(hf.ok() && gw.ok()) << gw.status().ToString();
  Result<std::unique_ptr<Model>> a =
      Model::FromWeights(s->config, std::move(hf).value());
  Result<std::unique_ptr<Model>> b =
      Model::FromWeights(gguf.config, std::move(gw).value());
  ASSERT_TRUE(a.ok() && b.ok());
  Result<CompareResult> r =
      CompareOnGoldenInputs(**b, **a, TestdataDir("tiny-e2b-golden"), 0.f);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->max_abs, 0.f);
  EXPECT_GT(r->rows, 0);
}

}  // namespace
}  // namespace edgemma::test
