// bench/e2e: weight traffic from the bound tensors vs an independent count
// from the config, pagemap residency, and a smoke run of `edgemma bench` on
// the tiny E2B model whose JSON is checked for consistency.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/e2e/proc_memory.h"
#include "bench/e2e/weight_traffic.h"
#include "core/gemma4/model.h"
#include "core/nn/profile.h"
#include "gtest/gtest.h"

namespace edgemma {
namespace {

const std::string kTiny =
    std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e2b";

// MACs of one token through every layer matrix, from the config alone.
int64_t ConfigBodyMacs(const TextConfig& c) {
  const int64_t D = c.d_model;
  int64_t macs = int64_t{c.n_layers} * c.d_ple * D;  // per_layer_model_proj
  for (const LayerSpec& s : c.layers) {
    const int64_t q = int64_t{c.n_heads} * s.head_dim;
    const int64_t kv = int64_t{s.n_kv_heads} * s.head_dim;
    macs += 2 * q * D;  // q, o
    if (!s.kv_shared) macs += (s.k_eq_v ? 1 : 2) * kv * D;
    macs += 3 * D * s.d_ff + 2 * D * c.d_ple;
  }
  return macs;
}

TEST(WeightTraffic, MatchesConfigShapes) {
  auto m = Model::Load(kTiny);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Model& model = *m.value();
  const TextConfig& c = model.text();
  const WeightTraffic t = ComputeWeightTraffic(model);
  EXPECT_EQ(t.body_macs, ConfigBodyMacs(c));
  EXPECT_EQ(t.lm_head_macs, int64_t{c.vocab} * c.d_model);
  EXPECT_EQ(t.total, t.attention + t.mlp + t.ple_layers + t.lm_head +
                         t.embed_row + t.ple_row + t.vectors);
  // The PLE table is not read per token: only one row is.
  EXPECT_GT(t.ple_table, 100 * t.ple_row);
  EXPECT_EQ(t.ple_row * c.vocab_ple, t.ple_table);
}

TEST(ProcMemory, ResidentBytesCountsTouchedPages) {
  const long page = sysconf(_SC_PAGESIZE);
  const size_t len = 16 * static_cast<size_t>(page);
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(ResidentBytes(p, len), 0);
  for (int i : {0, 5, 9}) static_cast<char*>(p)[i * page + 7] = 1;
  EXPECT_EQ(ResidentBytes(p, len), 3 * page);
  EXPECT_EQ(ResidentBytes(static_cast<char*>(p) + 5 * page, 1), page);
  munmap(p, len);
  const ProcMemory mem = ReadProcMemory();
  EXPECT_GT(mem.vm_rss, 0);
  EXPECT_GE(mem.vm_hwm, mem.vm_rss);
  EXPECT_GE(mem.vm_rss, mem.rss_anon);
  // smaps_rollup exists since Linux 4.14; FilePmdMapped is part of rss_file.
  if (access("/proc/self/smaps_rollup", R_OK) == 0) {
    EXPECT_GE(mem.file_pmd_mapped, 0);
    EXPECT_LE(mem.file_pmd_mapped, mem.rss_file);
  }
}

// Runs the CLI; returns its exit status and output.
int RunCli(const std::string& args, std::string* output) {
  const std::string cmd =
      std::string(EDGEMMA_BIN_DIR) + "/edgemma " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p)) *output += buf;
  const int rc = pclose(p);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(BenchCli, TinyModelSmoke) {
  const std::string json = std::string(EDGEMMA_BIN_DIR) + "/../bench_e2e_" +
                           std::to_string(getpid()) + ".json";
  std::string out;
  ASSERT_EQ(RunCli("bench -m " + kTiny +
                       " --prompt 20 --gen 4 --ctx 40,20 --threads 2 --batch 8"
                       " --quick --json " +
                       json,
                   &out),
            0)
      << out;
  std::ifstream in(json);
  ASSERT_TRUE(in.good()) << json;
  const auto j = nlohmann::json::parse(in);
  std::remove(json.c_str());
  EXPECT_EQ(j["threads"], 2);
  EXPECT_FALSE(j["kernel_variant"].get<std::string>().empty());
  EXPECT_GT(j["open_s"].get<double>(), 0);
  EXPECT_GT(j["arena_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(j["prefill"]["tokens"], 20);
  EXPECT_GT(j["prefill"]["tok_s"].get<double>(), 0);
  ASSERT_EQ(j["decode"].size(), 2u);  // sorted: 20 then 40
  EXPECT_EQ(j["decode"][0]["start_position"], 20);
  EXPECT_FALSE(j["decode"][0].contains("fill_tokens"));
  // The first decode added 4 tokens, so 16 more fill the cache to 40.
  EXPECT_EQ(j["decode"][1]["fill_tokens"], 16);
  EXPECT_EQ(j["decode"][1]["start_position"], 40);
  for (const auto& d : j["decode"]) {
    EXPECT_GT(d["tok_s"].get<double>(), 0);
    EXPECT_GT(d["roofline_ratio"].get<double>(), 0);
  }
  const auto& mem = j["memory"];
  EXPECT_GE(mem["after_run"]["vm_hwm"].get<int64_t>(),
            mem["after_open"]["vm_rss"].get<int64_t>());
  EXPECT_LE(mem["after_run"]["file_pmd_mapped"].get<int64_t>(),
            mem["after_run"]["rss_file"].get<int64_t>());
  EXPECT_LE(mem["tables"]["ple_table_resident"].get<int64_t>(),
            j["weight_bytes_per_token"]["ple_table"].get<int64_t>() + 8192);
  EXPECT_GT(j["probes"]["read_gbps"].get<double>(), 0);
}

TEST(BenchCli, RejectsBadOptions) {
  std::string out;
  EXPECT_EQ(RunCli("bench -m " + kTiny + " --prompt 64 --ctx 32", &out), 1);
  EXPECT_NE(out.find("below the prompt"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunCli("bench -m " + kTiny + " --kv f8", &out), 2);
  out.clear();
  EXPECT_EQ(RunCli("bench --gen 4", &out), 2);
  EXPECT_NE(out.find("-m MODEL"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunCli("bench -m /nonexistent/model.gguf --quick", &out), 1);
}

// --profile: a phase per prefill and per decode depth, every part named,
// parts + pool wait + other = the step, one busy figure per thread.
TEST(BenchCli, ProfileJsonHasEveryPartPerPhase) {
  const std::string json = std::string(EDGEMMA_BIN_DIR) + "/../bench_prof_" +
                           std::to_string(getpid()) + ".json";
  std::string out;
  ASSERT_EQ(RunCli("bench -m " + kTiny +
                       " --prompt 20 --gen 4 --ctx 20 --threads 2 --batch 8"
                       " --quick --profile --json " +
                       json,
                   &out),
            0)
      << out;
  EXPECT_NE(out.find("step profile"), std::string::npos) << out;
  std::ifstream in(json);
  ASSERT_TRUE(in.good()) << json;
  const auto j = nlohmann::json::parse(in);
  std::remove(json.c_str());
  const auto& phases = j["profile"];
  ASSERT_EQ(phases.size(), 2u) << phases.dump();
  EXPECT_EQ(phases["prefill chunk"]["steps"], 3);  // 20 tokens in chunks of 8
  EXPECT_EQ(phases["decode @20"]["steps"], 4);
  for (const auto& ph : phases) {
    double sum = ph["pool_wait_s"].get<double>() + ph["other_s"].get<double>();
    for (int i = 0; i < kStepParts; ++i) {
      const char* name = StepPartName(static_cast<StepPart>(i));
      ASSERT_TRUE(ph["parts"].contains(name)) << name;
      sum += ph["parts"][name]["s"].get<double>();
    }
    EXPECT_NEAR(sum, ph["step_s"].get<double>(),
                1e-9 + 1e-6 * ph["step_s"].get<double>());
    EXPECT_GE(ph["other_s"].get<double>(), 0);
    EXPECT_EQ(ph["thread_busy_s"].size(), 2u);
  }
  EXPECT_GT(phases["decode @20"]["parts"]["lm_head"]["calls"].get<double>(), 0);
  EXPECT_GT(phases["decode @20"]["parts"]["sampling"]["calls"].get<double>(),
            0);
}

}  // namespace
}  // namespace edgemma
