// See model_bench.h. Order matters for the memory figures: the model runs
// first and its RSS/peak are read before the machine probes allocate their
// bandwidth buffer (which would otherwise dominate VmHWM).
#include "bench/e2e/model_bench.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "bench/common/probes.h"
#include "bench/e2e/proc_memory.h"
#include "bench/e2e/step_profile_report.h"
#include "bench/e2e/weight_traffic.h"
#include "core/gemma4/model.h"
#include "core/gemma4/session.h"
#include "platform/cpu_features.h"
#include "quant/kernels.h"

namespace edgemma {
namespace {

using Json = nlohmann::ordered_json;

// Seeded ids a prompt may contain: < vocab_ple, not special, not placeholders.
class TokenSource {
 public:
  TokenSource(const Model& m, uint64_t seed) : model_(m), rng_(seed) {
    const TextConfig& c = m.text();
    limit_ = c.d_ple > 0 ? std::min(c.vocab, c.vocab_ple) : c.vocab;
    seen_.assign(static_cast<size_t>(c.vocab), 0);
  }
  // Records an id as fed (for the table residency figures).
  int32_t Mark(int32_t id) {
    seen_[static_cast<size_t>(id)] = 1;
    return id;
  }
  const std::vector<uint8_t>& seen() const { return seen_; }
  int32_t Next() {
    const TextConfig& c = model_.text();
    for (;;) {
      const int32_t id = static_cast<int32_t>(rng_() % limit_);
      if (id == c.pad_id || id == c.bos_id || id == c.eos_id) continue;
      if (model_.IsMultimodalPlaceholder(id)) continue;
      return id;
    }
  }
  // `id` if a session accepts it, else a fresh prompt id (greedy decode on
  // random weights may pick ids without a PLE row).
  int32_t Feedable(int32_t id) {
    const TextConfig& c = model_.text();
    if (c.d_ple > 0 && id >= c.vocab_ple && !model_.IsMultimodalPlaceholder(id))
      return Next();
    return id;
  }

 private:
  const Model& model_;
  std::mt19937_64 rng_;
  int limit_ = 1;
  std::vector<uint8_t> seen_;  // [vocab] 1 = fed at least once
};

int32_t Argmax(const float* logits, int n) {
  return static_cast<int32_t>(std::max_element(logits, logits + n) - logits);
}

// The greedy pick, timed as the profile's sampling part when profiling.
int32_t Sample(const float* logits, int n, StepProfile* prof) {
  if (!prof) return Argmax(logits, n);
  prof->Lap(StepPart::kSampling);
  const int32_t id = Argmax(logits, n);
  prof->Stop();
  return id;
}

Json MemoryJson(const ProcMemory& m) {
  return Json{{"vm_rss", m.vm_rss},
              {"vm_hwm", m.vm_hwm},
              {"rss_anon", m.rss_anon},
              {"rss_file", m.rss_file},
              {"file_pmd_mapped", m.file_pmd_mapped}};
}

// Feeds n seeded prompt tokens; returns seconds including the greedy pick of
// the next token (*next), i.e. the time to the first generated token.
Result<double> TimedPrefill(Session& s, TokenSource& src, int n, int vocab,
                            int32_t* next, double* cpu_s,
                            StepProfile* prof = nullptr) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (int32_t& id : ids) id = src.Mark(src.Next());
  Batch b;
  b.tokens = ids.data();
  b.n = n;
  const double c0 = CpuNow(), t0 = Now();
  EM_RETURN_IF_ERROR(s.Prefill(b));
  *next = Sample(s.logits(), vocab, prof);
  *cpu_s = CpuNow() - c0;
  return Now() - t0;
}

// Greedy decode of n tokens starting with *next; per-token seconds.
Result<std::vector<double>> TimedDecode(Session& s, TokenSource& src, int n,
                                        int vocab, int32_t* next, double* cpu_s,
                                        StepProfile* prof) {
  std::vector<double> times;
  const double c0 = CpuNow();
  times.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double t0 = Now();
    EM_RETURN_IF_ERROR(s.Decode(src.Mark(src.Feedable(*next))));
    *next = Sample(s.logits(), vocab, prof);
    times.push_back(Now() - t0);
  }
  *cpu_s = CpuNow() - c0;
  return times;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

Status CheckOptions(const ModelBenchOptions& o) {
  if (o.threads < 1) return InvalidArgument("bench: --threads must be >= 1");
  if (o.prompt < 1) return InvalidArgument("bench: --prompt must be >= 1");
  if (o.gen < 1) return InvalidArgument("bench: --gen must be >= 1");
  if (o.max_batch < 0) return InvalidArgument("bench: --batch must be >= 1");
  for (int c : o.ctxs) {
    if (c < o.prompt) {
      return InvalidArgument("bench: --ctx " + std::to_string(c) +
                             " is below the prompt of " +
                             std::to_string(o.prompt) + " tokens");
    }
  }
  return Status::Ok();
}

Json TrafficJson(const WeightTraffic& t) {
  return Json{{"attention", t.attention},     {"mlp", t.mlp},
              {"ple_layers", t.ple_layers},   {"lm_head", t.lm_head},
              {"embed_row", t.embed_row},     {"ple_row", t.ple_row},
              {"norm_vectors", t.vectors},    {"total", t.total},
              {"embed_table", t.embed_table}, {"ple_table", t.ple_table},
              {"body_macs", t.body_macs},     {"lm_head_macs", t.lm_head_macs}};
}

// Bytes of the pages that hold the rows of `table` whose ids were fed: what
// exact row gathers must make resident.
int64_t TouchedRowPages(const WeightMatrix& table,
                        const std::vector<uint8_t>& seen, int64_t* rows) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t base = reinterpret_cast<uintptr_t>(table.data);
  std::vector<uint8_t> pages((table.rows * table.row_bytes) / page + 2, 0);
  int64_t n_pages = 0;
  *rows = 0;
  for (size_t id = 0; id < seen.size() && id < size_t(table.rows); ++id) {
    if (!seen[id]) continue;
    ++*rows;
    const uintptr_t b = base + id * table.row_bytes;
    for (uintptr_t pg = b / page; pg <= (b + table.row_bytes - 1) / page;
         ++pg) {
      uint8_t& p = pages[pg - base / page];
      n_pages += p == 0;
      p = 1;
    }
  }
  return n_pages * static_cast<int64_t>(page);
}

// Residency of the lookup tables: only gathered rows should be resident (the
// embedding table is also the tied LM head, so it is read whole per token).
Json TableResidency(const Model& m, const std::vector<uint8_t>& seen) {
  const Weights& w = m.weights();
  auto bytes = [](const WeightMatrix& x) {
    return static_cast<size_t>(x.rows) * x.row_bytes;
  };
  Json j{{"ple_table_resident",
          ResidentBytes(w.ple_table.data, bytes(w.ple_table))},
         {"embed_table_resident", ResidentBytes(w.embed.data, bytes(w.embed))}};
  if (w.ple_table.data) {
    int64_t rows = 0;
    j["ple_touched_row_pages"] = TouchedRowPages(w.ple_table, seen, &rows);
    j["ple_rows_touched"] = rows;
  }
  j["lm_head_tied"] = w.lm_head.data == w.embed.data;
  return j;
}

// The run proper; fills `out`. Returns the per-token weight bytes / MACs in
// `traffic` and leaves the machine probes to the caller.
Status RunModel(const ModelBenchOptions& o, Json* out, WeightTraffic* traffic,
                std::string* variant) {
  const ProcMemory before = ReadProcMemory();
  double t0 = Now();
  EM_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::Load(o.model_path));
  const double open_s = Now() - t0;
  const ProcMemory after_open = ReadProcMemory();
  const TextConfig& c = model->text();
  *variant = model->kernels().name;
  *traffic = ComputeWeightTraffic(*model);

  SessionOptions so;
  const int max_ctx = std::max(o.prompt, o.ctxs.empty() ? 0 : o.ctxs.back());
  so.ctx = max_ctx + o.gen;
  so.max_batch = o.max_batch;
  so.n_threads = o.threads;
  so.kv_type = o.kv_f16 ? KvType::kF16 : KvType::kF32;
  so.act_type = o.act;
  EM_ASSIGN_OR_RETURN(size_t arena, Session::RequiredBytes(*model, so));
  t0 = Now();
  EM_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::Create(*model, so));
  const double create_s = Now() - t0;
  const int chunk = s->options().max_batch;  // o.max_batch, or the kernels'
  (*out)["max_batch"] = chunk;

  StepProfile profile;  // attached with --profile; reset per timed phase
  StepProfile* prof = o.profile ? &profile : nullptr;
  s->set_profile(prof);
  Json profiles = Json::object();

  TokenSource src(*model, o.seed);
  int32_t next = 0;
  double cpu = 0;
  EM_ASSIGN_OR_RETURN(
      double ttft, TimedPrefill(*s, src, o.prompt, c.vocab, &next, &cpu, prof));
  if (prof) {
    const int chunks = (o.prompt + chunk - 1) / chunk;
    profiles["prefill chunk"] = StepProfileJson(profile, chunks, ttft);
  }
  const double prefill_cpu = cpu;
  std::printf("prefill %d tokens: %.2f s (%.1f tok/s)\n", o.prompt, ttft,
              o.prompt / ttft);
  Json decodes = Json::array();
  for (int ctx : o.ctxs) {
    Json d{{"ctx", ctx}};
    const int fill = ctx - static_cast<int>(s->position());
    if (fill > 0) {
      EM_ASSIGN_OR_RETURN(double tf,
                          TimedPrefill(*s, src, fill, c.vocab, &next, &cpu));
      d["fill_cpu_s"] = cpu;
      d["fill_tokens"] = fill;
      d["fill_s"] = tf;
      d["fill_tok_s"] = fill / tf;
    }
    d["start_position"] = s->position();
    if (prof) prof->Reset();
    EM_ASSIGN_OR_RETURN(
        std::vector<double> times,
        TimedDecode(*s, src, o.gen, c.vocab, &next, &cpu, prof));
    d["cpu_s_per_token"] = cpu / o.gen;
    double sum = 0;
    for (double x : times) sum += x;
    d["tokens"] = o.gen;
    d["mean_s_per_token"] = sum / o.gen;
    d["median_s_per_token"] = Median(times);
    d["tok_s"] = o.gen / sum;
    std::printf("decode %d tokens at ctx %d: %.2f tok/s (median %.1f ms)\n",
                o.gen, ctx, o.gen / sum, 1e3 * Median(times));
    if (prof) {
      profiles["decode @" + std::to_string(ctx)] =
          StepProfileJson(profile, o.gen, sum);
    }
    decodes.push_back(d);
  }
  Json& j = *out;
  j["model"] = {{"path", o.model_path},
                {"d_model", c.d_model},
                {"n_layers", c.n_layers},
                {"vocab", c.vocab},
                {"d_ple", c.d_ple}};
  j["open_s"] = open_s;
  j["session_create_s"] = create_s;
  j["arena_bytes"] = arena;
  j["prefill"] = {{"tokens", o.prompt},
                  {"ttft_s", ttft},
                  {"cpu_s", prefill_cpu},
                  {"tok_s", o.prompt / ttft}};
  j["decode"] = decodes;
  if (prof) {
    s->set_profile(nullptr);
    PrintStepProfiles(profiles);
    j["profile"] = profiles;
  }
  j["memory"] = {{"before_open", MemoryJson(before)},
                 {"after_open", MemoryJson(after_open)},
                 {"after_run", MemoryJson(ReadProcMemory())},
                 {"tables", TableResidency(*model, src.seen())}};
  return Status::Ok();
}

// Roofline ratios once the machine figures are known.
void AddRatios(const WeightTraffic& t, double bw_gbps, double peak_gops,
               int prompt, Json* j) {
  for (Json& d : (*j)["decode"]) {
    const double ideal = static_cast<double>(t.total) / (bw_gbps * 1e9);
    d["roofline_s_per_token"] = ideal;
    d["roofline_ratio"] = ideal / d["mean_s_per_token"].get<double>();
  }
  const double macs = static_cast<double>(t.body_macs) +
                      static_cast<double>(t.lm_head_macs) / prompt;
  Json& p = (*j)["prefill"];
  p["macs_per_token"] = macs;
  p["peak_ratio"] =
      peak_gops > 0 ? macs * p["tok_s"].get<double>() / (peak_gops / 2 * 1e9)
                    : 0.0;
  if (j->contains("decode")) {
    for (Json& d : (*j)["decode"]) {
      if (d.contains("fill_tok_s") && peak_gops > 0) {
        d["fill_peak_ratio"] =
            t.body_macs * d["fill_tok_s"].get<double>() / (peak_gops / 2 * 1e9);
      }
    }
  }
}

}  // namespace

Status RunModelBench(const ModelBenchOptions& o_in) {
  ModelBenchOptions o = o_in;
  std::sort(o.ctxs.begin(), o.ctxs.end());
  EM_RETURN_IF_ERROR(CheckOptions(o));
  Json j;
  const CpuFeatures& f = GetCpuFeatures();
  j["machine"] = {{"arch", f.arch},
                  {"cpu", f.model},
                  {"features", f.ToString()},
                  {"logical_cores", f.logical_cores}};
  j["loadavg_start"] = ReadLoadAvg();
  j["threads"] = o.threads;
  j["kv_type"] = o.kv_f16 ? "f16" : "f32";
  j["act_type"] = ActTypeName(o.act);
  WeightTraffic t;
  std::string variant;
  Json run;
  EM_RETURN_IF_ERROR(RunModel(o, &run, &t, &variant));
  j["kernel_variant"] = variant;
  for (auto& [k, v] : run.items()) j[k] = v;
  j["weight_bytes_per_token"] = TrafficJson(t);

  // Machine probes last (their buffer, >= 1 GiB, must not count in the
  // model's peak RSS).
  ThreadPool pool(o.threads);
  ThreadPool* p = o.threads > 1 ? &pool : nullptr;
  const size_t bw_bytes = o.quick ? (size_t{4} << 20) : RooflineProbeBytes();
  // Roofline denominator: the better of 1 and N threads (on a busy machine
  // the N-thread figure can come out lower; the roofline is what the memory
  // system can deliver).
  const double bw1 = ReadBandwidthOfSize(bw_bytes, nullptr, o.quick ? 0 : 1.0);
  const double bwn =
      p ? ReadBandwidthOfSize(bw_bytes, p, o.quick ? 0 : 1.0) : bw1;
  const double bw = std::max(bw1, bwn);
  const PeakLoop* loop = FindPeakLoop(variant);
  const double peak = loop ? Int8Peak(*loop, p, o.quick) : 0.0;
  j["probes"] = {
      {"read_gbps", bw},        {"read_gbps_1t", bw1},
      {"read_gbps_nt", bwn},    {"read_probe_bytes", bw_bytes},
      {"int8_peak_gops", peak}, {"peak_loop", loop ? loop->variant : "none"},
      {"quick", o.quick}};
  AddRatios(t, bw, peak, o.prompt, &j);
  j["loadavg_end"] = ReadLoadAvg();
  std::printf(
      "weights read per token: %.3f GB; bandwidth %.1f GB/s; int8 "
      "peak %.0f GOP/s\n",
      t.total / 1e9, bw, peak);
  for (const Json& d : j["decode"]) {
    std::printf("ctx %d: decode roofline ratio %.2f\n", d["ctx"].get<int>(),
                d["roofline_ratio"].get<double>());
  }
  const Json& mem = j["memory"]["after_run"];
  const int64_t file = mem["rss_file"].get<int64_t>();
  const int64_t pmd = mem["file_pmd_mapped"].get<int64_t>();
  std::printf(
      "prefill peak ratio %.2f; peak RSS %.2f GB; mapped model pages in 2 "
      "MiB pages: %.0f%%\n",
      j["prefill"]["peak_ratio"].get<double>(),
      mem["vm_hwm"].get<int64_t>() / 1e9,
      file > 0 && pmd >= 0 ? 100.0 * pmd / file : 0.0);
  if (o.json_path.empty()) return Status::Ok();
  std::ofstream out(o.json_path);
  out << j.dump(1) << "\n";
  out.close();
  if (!out) return IoError("bench: cannot write " + o.json_path);
  return Status::Ok();
}

}  // namespace edgemma
