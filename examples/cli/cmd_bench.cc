// `edgemma bench -m MODEL [--json OUT.json] [--threads N] [--prompt 1024]
// [--gen 128] [--ctx 1024,4096] [--kv f16|f32] [--act q8|f32] [--batch N]
// [--quick]`:
// end-to-end speed and memory of one model (bench/e2e/model_bench.h, library
// edgemma_bench_e2e). Compiled into the CLI only when that library is built
// (EDGEMMA_BUILD_BENCH); examples/CMakeLists.txt leaves this file out
// otherwise.
#include <cstdio>
#include <string>
#include <vector>

#include "bench/e2e/model_bench.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "quant/ops.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma bench -m MODEL [options]\n"
    "  Measures open time, TTFT, prefill and decode speed at several context\n"
    "  depths, peak/split RSS, and roofline ratios against this machine's\n"
    "  measured read bandwidth and int8 peak.\n"
    "options:\n"
    "  --json FILE     write the figures as JSON\n"
    "  --threads N     worker threads (default 1)\n"
    "  --prompt N      prompt tokens for TTFT/prefill (default 1024)\n"
    "  --gen N         decoded tokens per context depth (default 128)\n"
    "  --ctx A,B,...   context depths to decode at (default 1024,4096)\n"
    "  --kv f16|f32    KV cache type (default f16)\n"
    "  --act q8|f32    activations of Q4_0/Q8_0 weight products (default q8; "
    "f32 exact)\n"
    "  --batch N       tokens per forward chunk (default: what the kernels\n"
    "                  run best at, 64 or 128; the JSON's max_batch)\n"
    "  --seed N        prompt token seed (default 1)\n"
    "  --profile       time every part of a decode step and prefill chunk\n"
    "                  (matmuls by kind, attention, norms, PLE, LM head,\n"
    "                  sampling, pool wait, per-thread busy): table + JSON\n"
    "  --quick         short machine probes (smoke tests)\n";

int Bench(int argc, char** argv) {
  ModelBenchOptions o;
  std::string kv = "f16";
  Flags flags("bench", kUsage);
  flags.String("-m,--model", &o.model_path)
      .String("--json", &o.json_path)
      .Int("--threads", &o.threads, 1, 1024)
      .Int("--prompt", &o.prompt, 1, 1 << 24)
      .Int("--gen", &o.gen, 1, 1 << 24)
      .Int("--batch", &o.max_batch, 1, 1 << 24)
      .Custom("--ctx",
              [&o](const char* v) {
                std::vector<int64_t> ctxs;
                if (!ParseIntList(v, 1, 1 << 24, &ctxs))
                  return "--ctx needs positive integers separated by commas";
                o.ctxs.assign(ctxs.begin(), ctxs.end());
                return "";
              })
      .Choice("--kv", &kv, {"f16", "f32"})
      .Custom("--act",
              [&o](const char* v) {
                return ParseActType(v, &o.act) ? "" : "--act must be q8 or f32";
              })
      .Uint64("--seed", &o.seed)
      .Switch("--profile", &o.profile)
      .Switch("--quick", &o.quick);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (o.model_path.empty()) return flags.UsageError("-m MODEL is required");
  o.kv_f16 = kv == "f16";
  const Status s = RunModelBench(o);
  return s.ok() ? kExitOk : flags.Fail(s);
}

}  // namespace

EDGEMMA_COMMAND("bench", "measure speed and memory of a model (JSON figures)",
                Bench);

}  // namespace edgemma::cli
