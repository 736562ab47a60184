// `edgemma synth --format hf`: the checkpoint directory has the release's
// tensor names and shapes (checked against the tiny testdata checkpoints), the
// values are the BF16 rounding of the GGUF synth of the same seed, it shards
// with a valid index, loads and runs like its GGUF conversion, and bad outputs
// (existing paths, a full disk) fail without leaving anything behind.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/convert/synth_model.h"
#include "core/gemma4/model.h"
#include "core/io/safetensors.h"
#include "quant/types.h"
#include "tests/gemma4/model_test_util.h"
#include "tests/support/mini_gguf.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::RunCli;
using test::TempDir;

std::string Tiny(const std::string& name) {
  return std::string(EDGEMMA_SHARED_DIR) + "/testdata/" + name;
}

// Writes a synthetic HF checkpoint of `config` into `out` (CLI).
void SynthHf(const std::string& config, const std::string& out,
             const std::string& extra = "") {
  test::CliResult r =
      RunCli("synth --format hf --config " + config + " " + extra + " " + out);
  ASSERT_EQ(r.code, 0) << r.output;
}

std::map<std::string, std::vector<int64_t>> Shapes(const SafetensorsModel& m) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const TensorInfo& t : m.tensors()) out[t.name] = t.shape;
  return out;
}

bool IsSharedLayerKv(const std::string& name, int first_shared) {
  const std::string prefix = "model.language_model.layers.";
  if (name.rfind(prefix, 0) != 0) return false;
  const int layer = std::stoi(name.substr(prefix.size()));
  return layer >= first_shared &&
         (name.find(".self_attn.k_proj.") != std::string::npos ||
          name.find(".self_attn.v_proj.") != std::string::npos ||
          name.find(".self_attn.k_norm.") != std::string::npos);
}

class SynthHfLayout : public ::testing::TestWithParam<const char*> {};

// Same names and shapes as the checkpoint made by the reference's make_tiny.py
// (the real format), except the k/v weights of KV-shared layers, which the
// release ships but nothing reads (a re-saved checkpoint drops them too).
TEST_P(SynthHfLayout, MatchesTheReleaseCheckpoint) {
  const std::string real_dir = Tiny(GetParam());
  TempDir dir;
  const std::string out = dir.path() + "/ckpt";
  SynthHf(real_dir + "/config.json", out, "--seed 4");
  auto synth = SafetensorsModel::OpenDir(out);
  ASSERT_TRUE(synth.ok()) << synth.status().ToString();
  auto real = SafetensorsModel::OpenDir(real_dir);
  ASSERT_TRUE(real.ok()) << real.status().ToString();
  auto cfg = ParseGemma4Config(test::ReadText(real_dir + "/config.json"));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const int first_shared = cfg.value().text.first_shared();
  const auto got = Shapes(*synth.value()), want = Shapes(*real.value());
  for (const auto& [name, shape] : want) {
    auto it = got.find(name);
    if (it == got.end()) {
      EXPECT_TRUE(IsSharedLayerKv(name, first_shared)) << "missing " << name;
      continue;
    }
    EXPECT_EQ(it->second, shape) << name;
  }
  for (const auto& [name, shape] : got) {
    EXPECT_EQ(want.count(name), 1u) << "unexpected " << name;
  }
  for (const TensorInfo& t : synth.value()->tensors()) {
    EXPECT_EQ(t.dtype, DType::kBF16) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, SynthHfLayout,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

// Every text tensor is the BF16 rounding of the f32 GGUF synth (same seed).
TEST(SynthHf, ValuesAreTheGgufSynthRoundedToBf16) {
  TempDir dir;
  const std::string config = Tiny("tiny-e2b") + "/config.json";
  const std::string hf = dir.path() + "/ckpt", gguf = dir.path() + "/m.gguf";
  SynthHf(config, hf, "--seed 9");
  test::CliResult r =
      RunCli("synth --config " + config + " --type f32 --seed 9 " + gguf);
  ASSERT_EQ(r.code, 0) << r.output;
  auto st = SafetensorsModel::OpenDir(hf);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  auto cfg = ParseGemma4Config(test::ReadText(config));
  ASSERT_TRUE(cfg.ok());
  test::MiniGguf g = test::MiniReader::ReadFile(gguf);
  int checked = 0;
  for (const PlannedTensor& p : PlanTextTensors(cfg.value())) {
    if (p.role == TensorRole::kRopeFreqs) continue;
    const std::string name = p.hf_name == "lm_head.weight"
                                 ? p.hf_name
                                 : "model.language_model." + p.hf_name;
    const TensorInfo* t = st.value()->Find(name);
    const test::MiniTensor* gt = g.Find(p.gguf_name);
    ASSERT_NE(t, nullptr) << name;
    ASSERT_NE(gt, nullptr) << p.gguf_name;
    ASSERT_EQ(gt->type, static_cast<uint32_t>(DType::kF32)) << p.gguf_name;
    const auto* bf = static_cast<const uint16_t*>(t->data);
    const auto* f = reinterpret_cast<const float*>(g.Data(*gt));
    for (int64_t i = 0; i < t->numel(); ++i) {
      ASSERT_EQ(bf[i], F32ToBF16(f[i])) << name << " element " << i;
    }
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

// A small shard cap: several shards, an index naming each tensor's shard and
// the total size, and the directory still loads as one model.
TEST(SynthHf, ShardsWithAnIndex) {
  TempDir dir;
  const std::string out = dir.path() + "/ckpt";
  SynthHf(Tiny("tiny-e4b") + "/config.json", out, "--shard-mib 1 --seed 2");
  std::vector<std::string> shards;
  for (const std::string& n : test::ListDir(out)) {
    if (n.size() > 12 && n.substr(n.size() - 12) == ".safetensors")
      shards.push_back(n);
  }
  ASSERT_GE(shards.size(), 3u);
  EXPECT_EQ(shards.front(), "model-00001-of-0000" +
                                std::to_string(shards.size()) + ".safetensors");
  auto index = nlohmann::json::parse(
      test::ReadText(out + "/model.safetensors.index.json"));
  uint64_t total = 0;
  std::set<std::string> indexed;
  for (const std::string& shard : shards) {
    auto f = SafetensorsFile::Open(out + "/" + shard);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    for (const TensorInfo& t : f.value()->tensors()) {
      EXPECT_EQ(index["weight_map"][t.name], shard) << t.name;
      indexed.insert(t.name);
      total += t.nbytes;
    }
  }
  EXPECT_EQ(indexed.size(), index["weight_map"].size());
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), total);
  auto model = Model::Load(out);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
}

// The directory runs like its bf16 GGUF conversion (identical weights).
TEST(SynthHf, LoadsAndMatchesItsQuantizedGguf) {
  TempDir dir;
  const std::string hf = dir.path() + "/ckpt", gguf = dir.path() + "/m.gguf";
  SynthHf(Tiny("tiny-e2b") + "/config.json", hf, "--seed 3");
  test::CliResult r =
      RunCli("quantize " + hf + " " + gguf + " --no-tokenizer --type bf16");
  ASSERT_EQ(r.code, 0) << r.output;
  auto a_model = Model::Load(hf);
  ASSERT_TRUE(a_model.ok()) << a_model.status().ToString();
  auto b_model = Model::Load(gguf);
  ASSERT_TRUE(b_model.ok()) << b_model.status().ToString();
  const int vocab = a_model.value()->config().text.vocab;
  std::vector<int32_t> tokens;
  for (int i = 0; i < 12; ++i) tokens.push_back((i * 97 + 5) % vocab);
  auto a = test::RunLogits(*a_model.value(), tokens, {});
  auto b = test::RunLogits(*b_model.value(), tokens, {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (float x : a.value()) ASSERT_TRUE(std::isfinite(x));
  EXPECT_LE(test::MaxAbsDiff(a.value().data(), b.value().data(),
                             static_cast<int64_t>(a.value().size())),
            1e-4f);
}

TEST(SynthHf, OverwritePolicy) {
  TempDir dir;
  const std::string config = Tiny("tiny-e2b") + "/config.json";
  const std::string out = dir.path() + "/ckpt";
  SynthHf(config, out, "--seed 1");
  const std::string shard = out + "/model-00001-of-00001.safetensors";
  const std::string first = test::ReadText(shard);
  test::CliResult r =
      RunCli("synth --format hf --config " + config + " " + out);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  EXPECT_EQ(test::ReadText(shard), first);
  SynthHf(config, out, "--seed 2 --force");  // a checkpoint dir is replaced
  const std::string second = test::ReadText(shard);
  EXPECT_EQ(second.size(), first.size());
  EXPECT_NE(second, first);
  // A directory holding anything else is never replaced.
  test::WriteText(out + "/notes.txt", "mine");
  r = RunCli("synth --format hf --config " + config + " --force " + out);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("notes.txt"), std::string::npos) << r.output;
  EXPECT_EQ(test::ReadText(out + "/notes.txt"), "mine");
  // Nor is a plain file.
  const std::string file = dir.path() + "/file";
  test::WriteText(file, "x");
  r = RunCli("synth --format hf --config " + config + " --force " + file);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(test::ReadText(file), "x");
  // Format-specific options are refused for the other format.
  r = RunCli("synth --format hf --type q4_0 --config " + config + " " +
             dir.path() + "/x");
  EXPECT_EQ(r.code, 2);
  r = RunCli("synth --shard-mib 4 --config " + config + " " + dir.path() +
             "/x.gguf");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(test::ListDir(dir.path()),
            (std::vector<std::string>{"ckpt", "file"}));
}

// A full disk (RLIMIT_FSIZE: write(2) fails with EFBIG past the limit) fails
// with an error naming the write and leaves no staging directory behind.
TEST(SynthHf, DiskFullLeavesNothing) {
  TempDir dir;
  SynthOptions opt;
  opt.config = Tiny("tiny-e4b") + "/config.json";
  opt.format = SynthFormat::kHf;
  opt.out_path = dir.path() + "/ckpt";
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = old;
  lim.rlim_cur = 1 << 20;  // 1 MiB < the tiny E4B's ~4 MiB shard
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  Status s = SynthModel(opt, nullptr);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("write"), std::string::npos) << s.message();
  EXPECT_TRUE(test::ListDir(dir.path()).empty());
  opt.out_path = "/nonexistent-h6/ckpt";
  s = SynthModel(opt, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("/nonexistent-h6"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace edgemma
