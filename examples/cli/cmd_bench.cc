// `edgemma bench -m MODEL [--json OUT.json] [--threads N] [--prompt 1024]
// [--gen 128] [--ctx 1024,4096] [--kv f16|f32] [--act q8|f32] [--batch 64]
// [--quick]`:
// end-to-end speed and memory of one model (bench/e2e/model_bench.h). Built
// only with the benchmarks (EDGEMMA_BUILD_BENCH), which provide the code.
#ifdef EDGEMMA_HAVE_BENCH_E2E
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/e2e/model_bench.h"
#include "examples/cli/command.h"
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
    "  --batch N       tokens per forward chunk (default 64)\n"
    "  --seed N        prompt token seed (default 1)\n"
    "  --quick         short machine probes (smoke tests)\n";

// Positive integer or -1.
int ParsePositive(const char* s) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 1 || v > 1000000000) return -1;
  return static_cast<int>(v);
}

bool ParseCtxList(const std::string& s, std::vector<int>* out) {
  out->clear();
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = std::min(s.find(',', start), s.size());
    const int v = ParsePositive(s.substr(start, comma - start).c_str());
    if (v < 0) return false;
    out->push_back(v);
    start = comma + 1;
  }
  return !out->empty();
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "edgemma bench: %s\n", msg.c_str());
  return 2;
}

int Bench(int argc, char** argv) {
  ModelBenchOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--quick") {
      o.quick = true;
      continue;
    }
    if (i + 1 >= argc) return Fail(a + " needs a value\n" + kUsage);
    const std::string v = argv[++i];
    int* int_opt = a == "--threads"  ? &o.threads
                   : a == "--prompt" ? &o.prompt
                   : a == "--gen"    ? &o.gen
                   : a == "--batch"  ? &o.max_batch
                                     : nullptr;
    if (int_opt) {
      *int_opt = ParsePositive(v.c_str());
      if (*int_opt < 0) return Fail(a + " needs a positive integer");
    } else if (a == "-m" || a == "--model") {
      o.model_path = v;
    } else if (a == "--json") {
      o.json_path = v;
    } else if (a == "--ctx") {
      if (!ParseCtxList(v, &o.ctxs))
        return Fail("--ctx needs positive integers separated by commas");
    } else if (a == "--kv") {
      if (v != "f16" && v != "f32") return Fail("--kv must be f16 or f32");
      o.kv_f16 = v == "f16";
    } else if (a == "--act") {
      if (!ParseActType(v.c_str(), &o.act))
        return Fail("--act must be q8 or f32");
    } else if (a == "--seed") {
      const int s = ParsePositive(v.c_str());
      if (s < 0) return Fail("--seed needs a positive integer");
      o.seed = static_cast<uint64_t>(s);
    } else {
      return Fail("unknown option '" + a + "'\n" + kUsage);
    }
  }
  if (o.model_path.empty())
    return Fail(std::string("-m MODEL is required\n") + kUsage);
  const Status s = RunModelBench(o);
  if (!s.ok()) {
    std::fprintf(stderr, "edgemma bench: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("bench", "measure speed and memory of a model (JSON figures)",
                Bench);

}  // namespace edgemma::cli
#endif  // EDGEMMA_HAVE_BENCH_E2E
