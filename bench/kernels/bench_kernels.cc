// edgemma-bench-kernels --json OUT.json [--threads N] [--quick]
// Measures, in one run: streaming read bandwidth (1 and N threads), the int8
// MAC peak of each variant (register-resident loop), and for the real Gemma 4
// E2B/E4B weight shapes the Q4_0 decode gemv (GB/s of weights) and the Q4_0 x
// Q8_0 prefill gemm (GOP/s) of every runnable variant at 1 and N threads, each
// with its roofline ratio, and the same two with f32 activations (the exact
// path, ActType::kF32) with their cost relative to the Q8 path ("vs_q8": q8
// time / f32 time, 1.0 = same speed). Every variant is validated against the
// scalar oracle before it is timed. Figures only, never asserts.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/common/probes.h"
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
  std::vector<std::vector<uint8_t>> copies;
  size_t row_bytes;
  WeightMatrix Matrix(size_t i, const Shape& s) const {
    return WeightMatrix{DType::kQ4_0, s.rows, s.cols,
                        copies[i % copies.size()].data(), row_bytes};
  }
};

Weights MakeWeights(const Shape& s, size_t min_total, std::mt19937& rng) {
  Weights w;
  w.row_bytes = RowBytes(DType::kQ4_0, s.cols).value();
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
        (void)QuantizeRow(DType::kQ4_0, row.data(), s.cols,
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
  FILE* out = std::fopen(o.json.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "edgemma-bench-kernels: cannot write %s\n",
                 o.json.c_str());
    return;
  }
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
template <typename PeakOf>
void TimeShape(const Options& o, const Kernels& k, const Weights& w,
               const Shape& s, const std::string& shape, ActType act,
               ThreadPool* p, const double bw[2], const PeakOf& peak_of,
               const std::vector<float>& x, std::vector<float>& y,
               std::vector<uint8_t>& scratch, std::vector<Row>* rows) {
  const int nt = p ? p->size() : 1;
  const bool f32 = act == ActType::kF32;
  const std::string tag = f32 ? "_f32" : "";
  const int64_t prefill_n = o.quick ? 8 : 64;
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
  const bool slow = std::string(k.name) == "scalar" && !o.quick;
  if (slow || (s.rows > 100000 && !o.quick)) return;  // LM head: decode only
  const double tg = BestTime(
      [&] {
        MatMul(k, w.Matrix(0, s), x.data(), prefill_n, y.data(), scratch.data(),
               p, act);
      },
      o.quick ? 0 : 0.3, 2);
  const double gops = 2.0 * s.rows * s.cols * prefill_n / tg / 1e9;
  const double peak = peak_of(k.name, nt);
  const std::string n_tag = "_n" + std::to_string(prefill_n);
  Row gemm{k.name, "gemm_q4_0" + tag + n_tag,   shape, nt, "gops",
           gops,   peak > 0 ? gops / peak : 0.0};
  gemm.vs_q8 = vs_q8("gemm_q4_0" + n_tag, gops);
  rows->push_back(gemm);
  std::printf("%-9s %-16s %-13s %3d %7.1f GOP/s %6.2f", k.name,
              ("gemm" + tag + n_tag).c_str(), shape.c_str(), nt, gops,
              gemm.roofline);
  if (f32) std::printf("  vs q8 %.2f", gemm.vs_q8);
  std::printf("\n");
}

int Run(const Options& o) {
  const CpuFeatures& f = GetCpuFeatures();
  std::printf("cpu: %s (%s), %d logical cores; features: %s\n", f.model.c_str(),
              f.arch.c_str(), f.logical_cores, f.ToString().c_str());
  std::vector<ThreadPool*> pools = {nullptr};
  ThreadPool pool_n(o.threads);
  if (o.threads > 1) pools.push_back(&pool_n);
  std::vector<Row> rows;

  // Bandwidth: a buffer far larger than the caches (quick: small, figures
  // meaningless).
  std::vector<uint64_t> buf((o.quick ? 4u : 1024u) << 17, 1);  // 4 MiB / 1 GiB
  double bw[2] = {ReadBandwidth(buf, nullptr, o.quick ? 0 : 1.0), 0};
  bw[1] =
      o.threads > 1 ? ReadBandwidth(buf, &pool_n, o.quick ? 0 : 1.0) : bw[0];
  buf = std::vector<uint64_t>();
  std::printf("read bandwidth: %.1f GB/s (1 thread), %.1f GB/s (%d threads)\n",
              bw[0], bw[1], o.threads);
  rows.push_back({"-", "read_bw", "stream", 1, "gbps", bw[0], 1.0});
  if (o.threads > 1)
    rows.push_back({"-", "read_bw", "stream", o.threads, "gbps", bw[1], 1.0});

  // int8 peaks per variant and thread count.
  int n_loops = 0;
  const PeakLoop* loops = PeakLoops(&n_loops);
  std::vector<const Kernels*> variants = AvailableKernels();
  auto peak_of = [&](const std::string& v, int threads) {
    for (const Row& r : rows) {
      if (r.op == "int8_peak" && r.variant == v && r.threads == threads)
        return r.value;
    }
    return 0.0;
  };
  for (int i = 0; i < n_loops; ++i) {
    if (!FindKernels(loops[i].variant).ok()) continue;
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
  if (o.quick) shapes = {{64, 256}, {256, 64}};
  const int64_t prefill_n = o.quick ? 8 : 64;
  std::mt19937 rng(1);
  std::printf("\n%-9s %-16s %-13s %3s %10s %8s\n", "variant", "op", "shape",
              "thr", "value", "roofline");
  for (const Shape& s : shapes) {
    const Weights w = MakeWeights(s, o.quick ? 0 : (size_t{256} << 20), rng);
    const std::string shape =
        std::to_string(s.rows) + "x" + std::to_string(s.cols);
    std::vector<float> x(prefill_n * s.cols, 0.5f), y(prefill_n * s.rows);
    std::vector<uint8_t> scratch(
        MatMulScratchBytes(DType::kQ4_0, s.cols, prefill_n));
    for (const Kernels* k : variants) {
      for (ActType act : {ActType::kQ8_0, ActType::kF32}) {
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
    } else {
      std::fprintf(stderr,
                   "usage: edgemma-bench-kernels --json OUT.json [--threads N] "
                   "[--quick]\n");
      return 2;
    }
  }
  return edgemma::Run(o);
}
