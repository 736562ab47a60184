// End-to-end model benchmark behind `edgemma bench`
// (examples/cli/cmd_bench.cc).
//
// One run measures: model open time; a real prefill of `prompt` tokens (time
// to first token, prefill tokens/s); greedy decode of `gen` tokens with ~each
// context of `ctxs` already in the KV cache (the cache is filled to each depth
// by real prefill, also timed); peak and split RSS after open and after the
// run, and how much of the per-layer-embedding (PLE) table became resident;
// the session arena size; then the machine's streaming read bandwidth and the
// int8 peak of the kernel variant in use, and the roofline ratios:
//   decode  = (weight bytes read per decoded token / bandwidth) / time per
//   token prefill = prefill MACs per token * tokens/s / int8 MAC peak.
// Weight bytes per token come from the bound tensors (weight_traffic.h).
// Prompt tokens are seeded pseudo-random ids from the PLE vocabulary (not
// special ids or multimodal placeholders), so any model (with or without a
// tokenizer) can be measured and every run touches the same rows.
#ifndef EDGEMMA_BENCH_E2E_MODEL_BENCH_H_
#define EDGEMMA_BENCH_E2E_MODEL_BENCH_H_

#include <string>
#include <vector>

#include "platform/status.h"
#include "quant/ops.h"

namespace edgemma {

struct ModelBenchOptions {
  std::string model_path;  // GGUF file or HF checkpoint directory
  std::string json_path;   // "" = no JSON file
  int threads = 1;
  int prompt = 1024;                     // prompt tokens (TTFT, prefill rate)
  int gen = 128;                         // decoded tokens per context depth
  std::vector<int> ctxs = {1024, 4096};  // context depths for decode
  bool kv_f16 = true;
  ActType act = ActType::kQ8_0;  // MatMul activations for quantized weights
  int max_batch = 0;  // tokens per prefill chunk; 0: the kernels' choice
  // Step profile (core/nn/profile.h) of the prompt's prefill chunks and of
  // the decode steps at each depth: printed as a table, "profile" in the JSON.
  bool profile = false;
  bool quick = false;  // probes shortened (smoke tests; figures meaningless)
  uint64_t seed = 1;
};

// Runs the benchmark, prints a human summary to stdout, writes JSON. Errors:
// the model cannot be opened, options are invalid, a session call fails, or
// the JSON cannot be written.
Status RunModelBench(const ModelBenchOptions& options);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_E2E_MODEL_BENCH_H_
