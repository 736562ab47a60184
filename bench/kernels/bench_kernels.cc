// edgemma-bench-kernels --json OUT.json [--threads N] [--quick]
//                       [--focus gemm|gemv|vec|kquant|attn] [--variant NAME]
//                       [--n TOKENS]
//                       [--cpu-clock] [--act q8|f32|both] [--stream-mb MB]
//                       [--shape ROWSxCOLS] [--type q4_0|q8_0]
// Measures, in one run: streaming read bandwidth (1 and N threads), the int8
// MAC peak of each variant (register-resident loop), and for the real Gemma 4
// E2B/E4B weight shapes the Q4_0 decode gemv (GB/s of weights; "gemv_q4_0"
// streams from DRAM, cycling copies as in --focus gemv, "gemv_q4_0_hot"
// repeats one copy) and the Q4_0 x Q8_0 prefill gemm (GOP/s) of every
// runnable variant at 1 and N threads, each with its roofline ratio, and the
// same two with f32 activations (the exact path, ActType::kF32) with their
// cost relative to the Q8 path ("vs_q8": q8 time / f32 time, 1.0 = same
// speed). Every variant is validated against the
// scalar oracle before it is timed. Figures only, never asserts.
//
// Focused runs for A/B work on a shared machine: --focus gemm times only the
// int8 peak and the Q4_0 x Q8_0 prefill gemm (--n tokens, LM head included) as
// the median of short repetitions (--act f32 / both: also or only with f32
// activations, the exact path); --focus vec times the f32 vector ops at
// model sizes against the scalar variant. --variant restricts the variants.
// --cpu-clock (with --focus gemm, gemv or vec) times on the process CPU clock
// per thread, which leaves out the time other processes took from a shared
// machine.
//
// --focus kquant: the K-quant kernels (bench_kquant.h); --focus attn: the
// decode attention products, cold and hot (bench_attention.h).
//
// --focus gemv: the Q4_0 x Q8_0 decode gemv as decode runs it, on the E2B/E4B
// decode shapes: "cold" cycles through copies of the weights that together
// exceed the last-level cache (--stream-mb), so every call
// streams its weights from DRAM; "hot" repeats one copy (in cache when it fits
// there). Default working set: 3x the last-level cache (sysfs), at least 256
// MiB. --shape times one shape only, --type q8_0 Q8_0 weights. Both are
// reported as GB/s of weights and as a fraction of the streaming read bandwidth
// measured in the same run (median of repetitions).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/common/probes.h"
#include "bench/kernels/bench_attention.h"
#include "bench/kernels/bench_kquant.h"
#include "bench/kernels/json_out.h"
#include "platform/cpu_features.h"
#include "platform/thread_pool.h"
#include "quant/kernels.h"
#include "quant/ops.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

struct Options {
  std::string json;
  int threads = 2;
  bool quick = false;
  std::string focus;          // "", "gemm" or "vec"
  std::string variant;        // "": every runnable variant
  int64_t n = 64;             // prefill tokens
  bool cpu_clock = false;     // --focus gemm/vec: time on the process CPU clock
  std::string act = "q8";     // --focus gemm: activations "q8", "f32" or "both"
  int64_t stream_mb = 0;      // --focus gemv: cold working set (MiB); 0: auto
  std::string shape;          // --focus gemv: only this "ROWSxCOLS" shape
  std::string type = "q4_0";  // --focus gemv: weight type, q4_0 or q8_0
};

struct Row {
  std::string variant, op, shape;
  int threads;
  const char* unit;  // "gbps" or "gops"
  double value, roofline;
  double vs_q8 = 0;  // f32-activation rows: q8 time / f32 time (0: n/a)
};

struct Shape {
  int64_t rows, cols;
};

// Q4_0 weights [rows, cols] in `copies` separate buffers (together larger than
// the caches, so the timed gemv streams from DRAM).
struct Weights {
  std::vector<HugePageBytes> copies;  // 2 MiB pages, as decode reads
  size_t row_bytes;
  DType type = DType::kQ4_0;
  WeightMatrix Matrix(size_t i, const Shape& s) const {
    return WeightMatrix{type, s.rows, s.cols, copies[i % copies.size()].data(),
                        row_bytes};
  }
};

Weights MakeWeights(const Shape& s, size_t min_total, std::mt19937& rng,
                    DType type = DType::kQ4_0) {
  Weights w;
  w.type = type;
  w.row_bytes = RowBytes(type, s.cols).value();
  const size_t bytes = w.row_bytes * s.rows;
  const size_t n = std::max<size_t>(1, (min_total + bytes - 1) / bytes);
  std::normal_distribution<float> nd;
  std::vector<float> row(static_cast<size_t>(s.cols));
  w.copies.resize(n);
  for (size_t c = 0; c < n; ++c) {
    w.copies[c].resize(bytes);
    for (int64_t r = 0; r < s.rows; ++r) {
      if (c == 0 || r < 8) {
        for (auto& v : row) v = nd(rng);
        (void)QuantizeRow(type, row.data(), s.cols,
                          w.copies[c].data() + r * w.row_bytes);
      } else {
        std::memcpy(w.copies[c].data() + r * w.row_bytes,
                    w.copies[0].data() + r * w.row_bytes, w.row_bytes);
      }
    }
  }
  return w;
}

// Max relative error of a variant vs scalar on the first rows of the matrix (5
// tokens).
bool Validate(const Kernels& k, const WeightMatrix& full, ActType act,
              std::mt19937& rng) {
  WeightMatrix w = full;
  w.rows = std::min<int64_t>(full.rows, 67);
  const int64_t n = 5;
  std::normal_distribution<float> nd;
  std::vector<float> x(n * w.cols), y(n * w.rows), ref(n * w.rows);
  for (auto& v : x) v = nd(rng);
  std::vector<uint8_t> scratch(MatMulScratchBytes(w.type, w.cols, n) + 1);
  for (int64_t nn : {int64_t{1}, n}) {
    MatMul(k, w, x.data(), nn, y.data(), scratch.data(), nullptr, act);
    MatMul(kScalarKernels, w, x.data(), nn, ref.data(), scratch.data(), nullptr,
           act);
    double scale = 0;
    for (int64_t i = 0; i < nn * w.rows; ++i)
      scale = std::max(scale, std::fabs(double{ref[i]}));
    for (int64_t i = 0; i < nn * w.rows; ++i) {
      if (std::fabs(y[i] - ref[i]) > 1e-4 * scale + 1e-6) return false;
    }
  }
  return true;
}

void WriteJson(const Options& o, const CpuFeatures& f, const double bw[2],
               const Row* rows, size_t n_rows) {
  FILE* out = OpenJsonOut(o.json);
  if (out == nullptr) return;
  std::fprintf(
      out,
      "{\"machine\": {\"arch\": \"%s\", \"model\": \"%s\", \"features\": "
      "\"%s\", "
      "\"logical_cores\": %d, \"read_gbps_1t\": %.2f, \"read_gbps_nt\": %.2f, "
      "\"threads\": %d, \"quick\": %s},\n \"results\": [",
      f.arch.c_str(), f.model.c_str(), f.ToString().c_str(), f.logical_cores,
      bw[0], bw[1], o.threads, o.quick ? "true" : "false");
  for (size_t i = 0; i < n_rows; ++i) {
    const Row& r = rows[i];
    std::fprintf(
        out,
        "%s\n  {\"variant\": \"%s\", \"op\": \"%s\", \"shape\": \"%s\", "
        "\"threads\": %d, \"%s\": %.3f, \"roofline_ratio\": %.3f",
        i ? "," : "", r.variant.c_str(), r.op.c_str(), r.shape.c_str(),
        r.threads, r.unit, r.value, r.roofline);
    if (r.vs_q8 > 0) std::fprintf(out, ", \"vs_q8\": %.3f", r.vs_q8);
    std::fprintf(out, "}");
  }
  std::fprintf(out, "\n]}\n");
  std::fclose(out);
}

// Times the decode gemv (GB/s) and, except for the scalar variant and the LM
// head, the prefill gemm (GOP/s) of one shape with activations `act`; f32 rows
// also get vs_q8 from the matching q8 row already in *rows.
// Times the prefill gemm (GOP/s) of one shape: best time in the full run,
// median of short repetitions with --focus gemm.
template <typename PeakOf>
void TimeGemm(const Options& o, const Kernels& k, const Weights& w,
              const Shape& s, const std::string& shape, ActType act,
              ThreadPool* p, int64_t prefill_n, const PeakOf& peak_of,
              const std::vector<float>& x, std::vector<float>& y,
              std::vector<uint8_t>& scratch, std::vector<Row>* rows) {
  const int nt = p ? p->size() : 1;
  const bool f32 = act == ActType::kF32;
  const std::string tag = f32 ? "_f32" : "";
  auto run = [&] {
    MatMul(k, w.Matrix(0, s), x.data(), prefill_n, y.data(), scratch.data(), p,
           act);
  };
  const double tg = o.focus == "gemm" ? MedianTime(run, o.quick ? 0 : 0.4,
                                                   o.cpu_clock ? nt : 0)
                                      : BestTime(run, o.quick ? 0 : 0.3, 2);
  const double gops = 2.0 * s.rows * s.cols * prefill_n / tg / 1e9;
  const double peak = peak_of(k.name, nt);
  const std::string n_tag = "_n" + std::to_string(prefill_n);
  Row gemm{k.name, "gemm_q4_0" + tag + n_tag,   shape, nt, "gops",
           gops,   peak > 0 ? gops / peak : 0.0};
  for (const Row& r : *rows) {
    if (f32 && r.variant == k.name && r.op == "gemm_q4_0" + n_tag &&
        r.shape == shape && r.threads == nt) {
      gemm.vs_q8 = gops / r.value;
    }
  }
  rows->push_back(gemm);
  std::printf("%-9s %-16s %-13s %3d %7.1f GOP/s %6.2f", k.name,
              ("gemm" + tag + n_tag).c_str(), shape.c_str(), nt, gops,
              gemm.roofline);
  if (f32) std::printf("  vs q8 %.2f", gemm.vs_q8);
  std::printf("\n");
}

template <typename PeakOf>
void TimeShape(const Options& o, const Kernels& k, const Weights& w,
               const Shape& s, const std::string& shape, ActType act,
               ThreadPool* p, const double bw[2], const PeakOf& peak_of,
               const std::vector<float>& x, std::vector<float>& y,
               std::vector<uint8_t>& scratch, std::vector<Row>* rows) {
  const int nt = p ? p->size() : 1;
  const bool f32 = act == ActType::kF32;
  const std::string tag = f32 ? "_f32" : "";
  const int64_t prefill_n = o.quick ? 8 : o.n;
  const bool gemm_only = o.focus == "gemm";
  auto vs_q8 = [&](const std::string& op, double value) {
    if (!f32) return 0.0;
    for (const Row& r : *rows) {
      if (r.variant == k.name && r.op == op && r.shape == shape &&
          r.threads == nt) {
        return value / r.value;
      }
    }
    return 0.0;
  };
  if (gemm_only) {
    TimeGemm(o, k, w, s, shape, act, p, prefill_n, peak_of, x, y, scratch,
             rows);
    return;
  }
  size_t copy = 0;
  const double td = BestTime(
      [&] {
        MatMul(k, w.Matrix(copy++, s), x.data(), 1, y.data(), scratch.data(), p,
               act);
      },
      o.quick ? 0 : 0.3, 3);
  const double gbps = static_cast<double>(w.row_bytes * s.rows) / td / 1e9;
  const double bw_t = nt > 1 ? bw[1] : bw[0];
  Row gemv{k.name, "gemv_q4_0" + tag, shape, nt, "gbps", gbps, gbps / bw_t};
  gemv.vs_q8 = vs_q8("gemv_q4_0", gbps);
  rows->push_back(gemv);
  std::printf("%-9s %-16s %-13s %3d %7.1f GB/s %7.2f", k.name, gemv.op.c_str(),
              shape.c_str(), nt, gbps, gbps / bw_t);
  if (f32) std::printf("  vs q8 %.2f", gemv.vs_q8);
  std::printf("\n");
  if (!f32) {  // the same weights cache-hot: one copy repeated
    const double th = BestTime(
        [&] {
          MatMul(k, w.Matrix(0, s), x.data(), 1, y.data(), scratch.data(), p,
                 act);
        },
        o.quick ? 0 : 0.3, 3);
    const double hot = static_cast<double>(w.row_bytes * s.rows) / th / 1e9;
    rows->push_back(
        {k.name, "gemv_q4_0_hot", shape, nt, "gbps", hot, hot / bw_t});
    std::printf("%-9s %-16s %-13s %3d %7.1f GB/s %7.2f\n", k.name,
                "gemv_q4_0_hot", shape.c_str(), nt, hot, hot / bw_t);
  }
  const bool slow = std::string(k.name) == "scalar" && !o.quick;
  if (slow || (s.rows > 100000 && !o.quick)) return;  // LM head: decode only
  TimeGemm(o, k, w, s, shape, act, p, prefill_n, peak_of, x, y, scratch, rows);
}

// --focus vec: ns per call of the f32 vector ops at model sizes (median), each
// variant next to the scalar one.
void RunVec(const Options& o, const std::vector<const Kernels*>& variants) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  const int64_t kVocab = 262144, kWide = 10240, kModel = 2560, kHead = 256;
  // Attention shapes: keys [kCtx, kHead] as f16 (the KV cache), Q . K^T of
  // kTokens query rows through the float-weight tile.
  const int64_t kCtx = 512, kTokens = 16;
  std::vector<float> a(kVocab), b(kVocab), c(kVocab), cs(kHead), sn(kHead);
  for (auto& v : a) v = nd(rng);
  for (auto& v : b) v = nd(rng);
  std::vector<uint16_t> keys(kCtx * kHead);
  kScalarKernels.f32_to_f16(a.data(), keys.data(), kCtx * kHead);
  for (int64_t j = 0; j < kHead; ++j) {
    cs[j] = std::cos(0.1f * j);
    sn[j] = std::sin(0.1f * j);
  }
  const double min_s = o.quick ? 0 : 0.2;
  std::printf("%-9s %-28s %12s %9s\n", "variant", "op", "ns/call", "vs scalar");
  std::vector<double> scalar_ns;
  for (const Kernels* k : variants) {
    const std::pair<const char*, std::function<void()>> ops[] = {
        {"rmsnorm 2560",
         [&] { k->rmsnorm(a.data(), b.data(), kModel, 1e-6f, c.data()); }},
        {"rope_neox 256 x 8 heads",
         [&] {
           for (int h = 0; h < 8; ++h)
             k->rope_neox_cossin(c.data() + h * kHead, kHead, cs.data(),
                                 sn.data());
         }},
        {"softcap 262144",
         [&] {
           std::memcpy(c.data(), a.data(), sizeof(float) * kVocab);
           k->softcap(c.data(), kVocab, 30.0f);
         }},
        {"gelu_tanh_mul 10240",
         [&] {
           std::memcpy(c.data(), a.data(), sizeof(float) * kWide);
           k->gelu_tanh_mul(c.data(), b.data(), kWide);
         }},
        {"add 2560", [&] { k->add(a.data(), c.data(), kModel); }},
        {"scale 2560", [&] { k->scale(c.data(), kModel, 0.999f); }},
        {"softmax 4096",
         [&] {
           std::memcpy(c.data(), a.data(), sizeof(float) * 4096);
           k->softmax(c.data(), 4096);
         }},
        {"gelu_tanh 10240", [&] { k->gelu_tanh(a.data(), kWide, c.data()); }},
        {"dot_f16 256 x 512 keys",
         [&] {
           for (int64_t t = 0; t < kCtx; ++t)
             c[t] = k->dot_f16(a.data(), keys.data() + t * kHead, kHead);
         }},
        {"axpy_f16 256 x 512 values",
         [&] {
           for (int64_t t = 0; t < kCtx; ++t)
             k->axpy_f16(b[t], keys.data() + t * kHead, c.data(), kHead);
         }},
        {"f32_to_f16 2560",
         [&] { k->f32_to_f16(a.data(), keys.data(), kModel); }},
        {"dot_f32 2560",
         [&] { c[0] = k->dot_f32(a.data(), b.data(), kModel); }},
        {"gemm_f16 512x256 x16 (Q.K^T)",
         [&] {
           k->gemm_f16_f32(reinterpret_cast<const uint8_t*>(keys.data()),
                           kHead * sizeof(uint16_t), 0, kCtx, kHead, b.data(),
                           kHead, kTokens, c.data(), kCtx);
         }},
        // Decode: one KV head's query rows (4 on E4B, 8 on E2B); in cache here,
        // the model reads them from memory (see RESULTS).
        {"gemm_f16 512x256 x4 (decode)",
         [&] {
           k->gemm_f16_f32(reinterpret_cast<const uint8_t*>(keys.data()),
                           kHead * sizeof(uint16_t), 0, kCtx, kHead, b.data(),
                           kHead, 4, c.data(), kCtx);
         }},
        {"gemm_f16 512x256 x8 (decode)",
         [&] {
           k->gemm_f16_f32(reinterpret_cast<const uint8_t*>(keys.data()),
                           kHead * sizeof(uint16_t), 0, kCtx, kHead, b.data(),
                           kHead, 8, c.data(), kCtx);
         }},
    };
    size_t i = 0;
    for (const auto& op : ops) {
      const double ns = MedianTime(op.second, min_s, o.cpu_clock ? 1 : 0) * 1e9;
      if (k == &kScalarKernels) scalar_ns.push_back(ns);
      const double ref = i < scalar_ns.size() ? scalar_ns[i] : 0;
      std::printf("%-9s %-28s %12.0f %8.1fx\n", k->name, op.first, ns,
                  ref > 0 ? ref / ns : 0.0);
      ++i;
    }
  }
}

// Bytes of weight copies a cold gemv cycles through: --stream-mb, else 3x the
// last-level cache (at least 256 MiB); 0 for --quick.
size_t ColdBytes(const Options& o) {
  if (o.quick) return 0;
  if (o.stream_mb > 0) return static_cast<size_t>(o.stream_mb) << 20;
  return std::max(size_t{256} << 20, 3 * LastLevelCacheBytes());
}

// --focus gemv: cold (weights streamed from DRAM, copies cycled) and hot (one
// copy repeated) decode gemv of every selected variant at 1 and N threads, as
// GB/s of weights and fraction of the read bandwidth at that thread count.
void RunGemv(const Options& o, const std::vector<const Kernels*>& variants,
             const std::vector<ThreadPool*>& pools, ThreadPool* pool_n,
             std::vector<Row>* rows, double bw[2]) {
  const size_t llc = LastLevelCacheBytes();
  const size_t stream = ColdBytes(o);
  const DType type = o.type == "q8_0" ? DType::kQ8_0 : DType::kQ4_0;
  const std::string op = std::string("gemv_") + DTypeName(type);
  {
    const ProbeBuffer buf(o.quick ? size_t{4} << 20
                                  : std::max(stream, RooflineProbeBytes()));
    const double min_s = o.quick ? 0 : 1.0;
    for (int st : {1, 8}) {
      const double b1 = ReadBandwidthStreams(buf.data(), buf.words(), nullptr,
                                             st, o.cpu_clock, min_s);
      const double bn =
          o.threads > 1 ? ReadBandwidthStreams(buf.data(), buf.words(), pool_n,
                                               st, o.cpu_clock, min_s)
                        : b1;
      std::printf(
          "read bandwidth, %d stream(s) per thread: %.1f GB/s (1 "
          "thread), %.1f GB/s (%d threads)\n",
          st, b1, bn, o.threads);
      const std::string op = "read_bw_" + std::to_string(st) + "s";
      rows->push_back({"-", op, "stream", 1, "gbps", b1, 1.0});
      if (o.threads > 1)
        rows->push_back({"-", op, "stream", o.threads, "gbps", bn, 1.0});
      bw[0] = std::max(bw[0], b1);
      bw[1] = std::max(bw[1], bn);
    }
  }
  std::printf(
      "last-level cache %zu MiB; cold working set %zu MiB; bandwidth "
      "(the better of the two): %.1f GB/s (1 thread), %.1f GB/s (%d "
      "threads)\n",
      llc >> 20, stream >> 20, bw[0], bw[1], o.threads);
  // E2B attention q/o, FFN up/down, PLE projection; E4B FFN; the LM head.
  std::vector<Shape> shapes = {{2048, 1536},  {6144, 1536},  {1536, 6144},
                               {1536, 12288}, {10240, 2560}, {2560, 10240},
                               {262144, 1536}};
  if (o.quick) shapes = {{64, 256}, {67, 96}};
  if (!o.shape.empty()) {
    long long r = 0, c = 0;
    if (std::sscanf(o.shape.c_str(), "%lldx%lld", &r, &c) == 2 && r > 0 &&
        c > 0 && c % 32 == 0) {
      shapes = {{r, c}};
    } else {
      std::printf("--shape %s: want ROWSxCOLS, COLS a multiple of 32\n",
                  o.shape.c_str());
      return;
    }
  }
  std::mt19937 rng(1);
  std::printf("\n%-9s %-15s %-13s %3s %9s %6s %9s %6s\n", "variant", "op",
              "shape", "thr", "cold GB/s", "of bw", "hot GB/s", "of bw");
  for (const Shape& s : shapes) {
    const Weights w = MakeWeights(s, stream, rng, type);
    const std::string shape =
        std::to_string(s.rows) + "x" + std::to_string(s.cols);
    std::vector<float> x(s.cols, 0.5f), y(s.rows);
    std::vector<uint8_t> scratch(MatMulScratchBytes(type, s.cols, 1));
    const double bytes = static_cast<double>(w.row_bytes * s.rows);
    for (const Kernels* k : variants) {
      if (!Validate(*k, w.Matrix(0, s), ActType::kQ8_0, rng)) {
        std::printf("%-9s %s: MISMATCH vs scalar, not timed\n", k->name,
                    shape.c_str());
        continue;
      }
      for (ThreadPool* p : pools) {
        const int nt = p ? p->size() : 1;
        const double bw_t = nt > 1 ? bw[1] : bw[0];
        const int cpu = o.cpu_clock ? nt : 0;
        const double min_s = o.quick ? 0 : 0.3;
        size_t copy = 1;
        const double tc = MedianTime(
            [&] {
              MatMul(*k, w.Matrix(copy++, s), x.data(), 1, y.data(),
                     scratch.data(), p, ActType::kQ8_0);
            },
            min_s, cpu);
        const double th = MedianTime(
            [&] {
              MatMul(*k, w.Matrix(0, s), x.data(), 1, y.data(), scratch.data(),
                     p, ActType::kQ8_0);
            },
            min_s, cpu);
        const double cold = bytes / tc / 1e9, hot = bytes / th / 1e9;
        rows->push_back(
            {k->name, op + "_cold", shape, nt, "gbps", cold, cold / bw_t});
        rows->push_back(
            {k->name, op + "_hot", shape, nt, "gbps", hot, hot / bw_t});
        std::printf("%-9s %-15s %-13s %3d %9.1f %6.2f %9.1f %6.2f\n", k->name,
                    op.c_str(), shape.c_str(), nt, cold, cold / bw_t, hot,
                    hot / bw_t);
      }
    }
  }
}

int Run(const Options& o) {
  const CpuFeatures& f = GetCpuFeatures();
  std::printf("cpu: %s (%s), %d logical cores; features: %s\n", f.model.c_str(),
              f.arch.c_str(), f.logical_cores, f.ToString().c_str());
  std::vector<const Kernels*> variants;
  if (o.focus == "vec") variants.push_back(&kScalarKernels);
  for (const Kernels* k : AvailableKernels()) {
    if ((o.variant.empty() || o.variant == k->name) &&
        (o.focus != "vec" || k != &kScalarKernels))
      variants.push_back(k);
  }
  if (o.focus == "vec") {
    RunVec(o, variants);
    return 0;
  }
  const bool gemm_only = o.focus == "gemm";
  std::vector<ThreadPool*> pools = {nullptr};
  ThreadPool pool_n(o.threads);
  if (o.threads > 1) pools.push_back(&pool_n);
  std::vector<Row> rows;
  if (o.focus == "gemv") {
    double bw[2] = {0, 0};
    RunGemv(o, variants, pools, &pool_n, &rows, bw);
    if (!o.json.empty()) WriteJson(o, f, bw, rows.data(), rows.size());
    return 0;
  }

  // Bandwidth: a buffer far larger than the caches (quick: small, figures
  // meaningless).
  // Not measured for --focus gemm.
  const bool no_bw = o.quick || gemm_only;
  const size_t bw_bytes = no_bw ? size_t{4} << 20 : RooflineProbeBytes();
  double bw[2] = {ReadBandwidthOfSize(bw_bytes, nullptr, no_bw ? 0 : 1.0), 0};
  bw[1] = o.threads > 1
              ? ReadBandwidthOfSize(bw_bytes, &pool_n, no_bw ? 0 : 1.0)
              : bw[0];
  std::printf("read bandwidth: %.1f GB/s (1 thread), %.1f GB/s (%d threads)\n",
              bw[0], bw[1], o.threads);
  rows.push_back({"-", "read_bw", "stream", 1, "gbps", bw[0], 1.0});
  if (o.threads > 1)
    rows.push_back({"-", "read_bw", "stream", o.threads, "gbps", bw[1], 1.0});

  // int8 peaks per variant and thread count.
  int n_loops = 0;
  const PeakLoop* loops = PeakLoops(&n_loops);
  auto peak_of = [&](const std::string& v, int threads) {
    for (const Row& r : rows) {
      if (r.op == "int8_peak" && r.variant == v && r.threads == threads)
        return r.value;
    }
    return 0.0;
  };
  for (int i = 0; i < n_loops; ++i) {
    if (!FindKernels(loops[i].variant).ok()) continue;
    if (!o.variant.empty() && o.variant != loops[i].variant) continue;
    for (ThreadPool* p : pools) {
      const int nt = p ? p->size() : 1;
      const double g = Int8Peak(loops[i], p, o.quick);
      rows.push_back(
          {loops[i].variant, "int8_peak", "registers", nt, "gops", g, 1.0});
      std::printf("int8 peak %-9s %d thread(s): %8.1f GOP/s\n",
                  loops[i].variant, nt, g);
    }
  }

  std::vector<Shape> shapes = {{1536, 6144},  {6144, 1536},  {1536, 12288},
                               {12288, 1536}, {2560, 10240}, {10240, 2560},
                               {262144, 1536}};
  if (gemm_only) {
    shapes = {{1536, 6144},  {6144, 1536},  {2048, 1536},
              {2560, 10240}, {10240, 2560}, {262144, 1536}};
  }
  if (o.quick) shapes = {{64, 256}, {256, 64}};
  const int64_t prefill_n = o.quick ? 8 : o.n;
  std::mt19937 rng(1);
  std::printf("\n%-9s %-16s %-13s %3s %10s %8s\n", "variant", "op", "shape",
              "thr", "value", "roofline");
  for (const Shape& s : shapes) {
    const size_t stream = gemm_only ? 0 : ColdBytes(o);
    const Weights w = MakeWeights(s, stream, rng);
    const std::string shape =
        std::to_string(s.rows) + "x" + std::to_string(s.cols);
    std::vector<float> x(prefill_n * s.cols, 0.5f), y(prefill_n * s.rows);
    std::vector<uint8_t> scratch(
        MatMulScratchBytes(DType::kQ4_0, s.cols, prefill_n));
    for (const Kernels* k : variants) {
      for (ActType act : {ActType::kQ8_0, ActType::kF32}) {
        if (gemm_only && o.act != "both" && o.act != ActTypeName(act)) continue;
        const char* tag = act == ActType::kF32 ? "_f32" : "";
        if (!Validate(*k, w.Matrix(0, s), act, rng)) {
          std::printf("%-9s %s%s: MISMATCH vs scalar, not timed\n", k->name,
                      shape.c_str(), tag);
          continue;
        }
        for (ThreadPool* p : pools) {
          TimeShape(o, *k, w, s, shape, act, p, bw, peak_of, x, y, scratch,
                    &rows);
        }
      }
    }
  }
  if (!o.json.empty()) WriteJson(o, f, bw, rows.data(), rows.size());
  return 0;
}

}  // namespace
}  // namespace edgemma

int main(int argc, char** argv) {
  edgemma::Options o;
  o.threads = std::max(1, edgemma::GetCpuFeatures().logical_cores);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) {
      o.json = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      o.threads = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--focus" && i + 1 < argc &&
               (std::strcmp(argv[i + 1], "kquant") == 0 ||
                std::strcmp(argv[i + 1], "attn") == 0)) {
      // --focus kquant: the K-quant kernels (bench_kquant.h); --focus attn:
      // the decode attention products (bench_attention.h).
      o.focus = argv[++i];
    } else if (a == "--cpu-clock") {
      o.cpu_clock = true;
    } else if (a == "--focus" && i + 1 < argc) {
      o.focus = argv[++i];
      if (o.focus != "gemm" && o.focus != "gemv" && o.focus != "vec") {
        std::fprintf(
            stderr,
            "edgemma-bench-kernels: --focus must be gemm, gemv or vec\n");
        return 2;
      }
    } else if (a == "--act" && i + 1 < argc) {
      o.act = argv[++i];
      if (o.act != "q8" && o.act != "f32" && o.act != "both") {
        std::fprintf(stderr,
                     "edgemma-bench-kernels: --act must be q8, f32 or both\n");
        return 2;
      }
    } else if (a == "--variant" && i + 1 < argc) {
      o.variant = argv[++i];
    } else if (a == "--stream-mb" && i + 1 < argc) {
      o.stream_mb = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--type" && i + 1 < argc) {
      o.type = argv[++i];
      if (o.type != "q4_0" && o.type != "q8_0") {
        std::fprintf(stderr,
                     "edgemma-bench-kernels: --type must be q4_0 or q8_0\n");
        return 2;
      }
    } else if (a == "--shape" && i + 1 < argc) {
      o.shape = argv[++i];
    } else if (a == "--n" && i + 1 < argc) {
      o.n = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(
          stderr,
          "usage: edgemma-bench-kernels --json OUT.json [--threads N] "
          "[--quick] [--focus gemm|gemv|vec|kquant|attn] [--variant NAME] "
          "[--n TOKENS] "
          "[--cpu-clock] [--act q8|f32|both] [--stream-mb MB] "
          "[--shape ROWSxCOLS]\n");
      return 2;
    }
  }
  if (o.focus == "attn") {
    return edgemma::RunAttentionBench({o.quick, o.json, o.variant});
  }
  if (o.focus == "kquant") {
    return edgemma::RunKQuantBench(
        {o.threads, o.quick, o.n, o.json, o.variant, o.cpu_clock});
  }
  return edgemma::Run(o);
}
