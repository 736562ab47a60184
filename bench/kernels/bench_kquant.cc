// The K-quant kernel benchmark (bench_kquant.h).
#include "bench/kernels/bench_kquant.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "bench/common/probes.h"
#include "bench/kernels/json_out.h"
#include "platform/cpu_features.h"
#include "platform/thread_pool.h"
#include "quant/ops.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

struct Shape {
  int64_t rows, cols;
  bool hot;  // one copy of the weights (cache-resident), else DRAM-streamed
};

// Best time of fn over at least min_reps repetitions lasting min_s: wall
// clock, or the process CPU clock / threads.
template <typename F>
double Best(F&& fn, double min_s, int min_reps, int cpu_threads) {
  if (cpu_threads == 0) return BestTime(fn, min_s, min_reps);
  double best = 1e30;
  const double start = Now();
  for (int rep = 0; rep < min_reps || Now() - start < min_s; ++rep) {
    const double t0 = CpuNow();
    fn();
    best = std::min(best, (CpuNow() - t0) / cpu_threads);
  }
  return best;
}

// `copies` buffers of one weight matrix, together at least min_total bytes,
// so a decode pass cycling through them streams from DRAM. K-quant blocks are
// random bytes with sane f16 super-scales (valid encodings; the kernels' work
// does not depend on the values); Q4_0 rows are quantized Gaussians.
struct Weights {
  DType type;
  std::vector<HugePageBytes> copies;  // 2 MiB pages, as decode reads
  size_t row_bytes;
  WeightMatrix Matrix(size_t i, const Shape& s) const {
    return WeightMatrix{type, s.rows, s.cols, copies[i % copies.size()].data(),
                        row_bytes};
  }
};

void FillRow(DType type, int64_t cols, std::mt19937& rng, uint8_t* out) {
  if (type == DType::kQ4_0) {
    std::normal_distribution<float> nd;
    std::vector<float> row(static_cast<size_t>(cols));
    for (auto& v : row) v = nd(rng);
    (void)QuantizeRow(type, row.data(), cols, out);
    return;
  }
  const size_t bb = BlockBytes(type);
  for (int64_t b = 0; b < cols / BlockElems(type); ++b) {
    uint8_t* p = out + b * bb;
    for (size_t i = 0; i < bb; ++i) p[i] = static_cast<uint8_t>(rng());
    const uint16_t d = F32ToF16(1.0f / 256), dmin = F32ToF16(1.0f / 64);
    if (type == DType::kQ6_K) {
      std::memcpy(p + bb - 2, &d, 2);
    } else {
      std::memcpy(p, &d, 2);
      std::memcpy(p + 2, &dmin, 2);
    }
  }
}

Weights MakeWeights(DType type, const Shape& s, size_t min_total,
                    std::mt19937& rng) {
  Weights w{type, {}, RowBytes(type, s.cols).value()};
  const size_t bytes = w.row_bytes * s.rows;
  const size_t n = std::max<size_t>(1, (min_total + bytes - 1) / bytes);
  w.copies.resize(n);
  for (size_t c = 0; c < n; ++c) {
    w.copies[c].resize(bytes);
    for (int64_t r = 0; r < s.rows; ++r) {
      if (c == 0 || r < 8) {
        FillRow(type, s.cols, rng, w.copies[c].data() + r * w.row_bytes);
      } else {
        std::memcpy(w.copies[c].data() + r * w.row_bytes,
                    w.copies[0].data() + r * w.row_bytes, w.row_bytes);
      }
    }
  }
  return w;
}

// The variant against scalar on the first rows, 3 tokens: max relative error.
bool Validate(const Kernels& k, const Weights& w, const Shape& s, ActType act) {
  WeightMatrix m = w.Matrix(0, s);
  m.rows = std::min<int64_t>(m.rows, 37);
  const int64_t n = 3;
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  std::vector<float> x(n * s.cols);
  for (auto& v : x) v = nd(rng);
  std::vector<uint8_t> scratch(MatMulScratchBytes(m.type, s.cols, n, act) + 1);
  std::vector<float> y(n * m.rows), want(n * m.rows);
  MatMul(k, m, x.data(), n, y.data(), scratch.data(), nullptr, act);
  MatMul(kScalarKernels, m, x.data(), n, want.data(), scratch.data(), nullptr,
         act);
  double err = 0, mag = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    err = std::max(err, static_cast<double>(std::fabs(y[i] - want[i])));
    mag = std::max(mag, static_cast<double>(std::fabs(want[i])));
  }
  return err <= 1e-4 * mag;
}

struct KRow {
  std::string variant, op, shape;
  int threads;
  double gbps, gops, vs_q4_0;  // vs_q4_0: weight bytes/s over Q4_0's
};

}  // namespace

int RunKQuantBench(const KQuantBenchOptions& o) {
  const CpuFeatures& f = GetCpuFeatures();
  std::printf("cpu: %s (%s), %d logical cores; features: %s\n", f.model.c_str(),
              f.arch.c_str(), f.logical_cores, f.ToString().c_str());
  std::vector<const Kernels*> variants;
  for (const Kernels* k : AvailableKernels()) {
    if (o.variant.empty() || o.variant == k->name) variants.push_back(k);
  }
  ThreadPool pool(o.threads);
  std::vector<ThreadPool*> pools = {nullptr};
  if (o.threads > 1) pools.push_back(&pool);
  const std::vector<Shape> shapes =
      o.quick ? std::vector<Shape>{{64, 512, false}}
              : std::vector<Shape>{{1024, 2048, true},
                                   {1536, 6144, false},
                                   {6144, 1536, false},
                                   {2560, 10240, false}};
  const int64_t pn = o.quick ? 4 : o.n;
  const double min_s = o.quick ? 0 : 0.25;
  std::mt19937 rng(1);
  std::vector<KRow> rows;
  std::printf("\n%-8s %-14s %-15s %3s %9s %7s %9s\n", "variant", "op", "shape",
              "thr", "GB/s|GOP/s", "vs q4_0", "ms");
  for (const Shape& s : shapes) {
    const std::string shape = std::to_string(s.rows) + "x" +
                              std::to_string(s.cols) +
                              (s.hot ? " hot" : " cold");
    std::vector<float> x(pn * s.cols, 0.5f), y(pn * s.rows);
    for (DType type :
         {DType::kQ4_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
      const Weights w =
          MakeWeights(type, s, o.quick || s.hot ? 0 : size_t{256} << 20, rng);
      const size_t wbytes = w.row_bytes * s.rows;
      for (const Kernels* k : variants) {
        for (ActType act : {ActType::kQ8_0, ActType::kF32}) {
          // f32 activations: for K-quants the old dequantizing fallback.
          if (act == ActType::kF32 && type == DType::kQ4_0) continue;
          if (!Validate(*k, w, s, act)) {
            std::printf("%s %s %s: MISMATCH vs scalar, not timed\n", k->name,
                        DTypeName(type), shape.c_str());
            return 1;
          }
          std::vector<uint8_t> scratch(
              MatMulScratchBytes(type, s.cols, pn, act) + 1);
          const std::string op = std::string(DTypeName(type)) +
                                 (act == ActType::kF32 ? "_dequant" : "");
          for (ThreadPool* p : pools) {
            const int nt = p ? p->size() : 1;
            size_t copy = 0;
            const int ct = o.cpu_clock ? nt : 0;
            const double td = Best(
                [&] {
                  MatMul(*k, w.Matrix(copy++, s), x.data(), 1, y.data(),
                         scratch.data(), p, act);
                },
                min_s, 3, ct);
            const double tg = Best(
                [&] {
                  MatMul(*k, w.Matrix(0, s), x.data(), pn, y.data(),
                         scratch.data(), p, act);
                },
                min_s, 2, ct);
            KRow row{k->name,
                     op,
                     shape,
                     nt,
                     wbytes / td / 1e9,
                     2.0 * s.rows * s.cols * pn / tg / 1e9,
                     0};
            for (const KRow& r : rows) {
              if (r.variant == row.variant && r.op == "q4_0" &&
                  r.shape == shape && r.threads == nt) {
                row.vs_q4_0 = row.gbps / r.gbps;
              }
            }
            rows.push_back(row);
            std::printf("%-8s %-14s %-15s %3d %6.2f GB/s %5.2f %8.3f\n",
                        k->name, ("gemv_" + op).c_str(), shape.c_str(), nt,
                        row.gbps, row.vs_q4_0, td * 1e3);
            std::printf("%-8s %-14s %-15s %3d %6.1f GOP/s %5s %8.3f\n", k->name,
                        ("gemm_" + op).c_str(), shape.c_str(), nt, row.gops, "",
                        tg * 1e3);
          }
        }
      }
    }
  }
  if (o.json.empty()) return 0;
  FILE* out = OpenJsonOut(o.json);
  if (out == nullptr) return 1;
  std::fprintf(out,
               "{\"cpu\": \"%s\", \"clock\": \"%s\", \"prefill_tokens\": "
               "%lld, \"rows\": [\n",
               f.model.c_str(), o.cpu_clock ? "process_cpu" : "wall",
               static_cast<long long>(pn));
  for (size_t i = 0; i < rows.size(); ++i) {
    const KRow& r = rows[i];
    std::fprintf(out,
                 "  {\"variant\": \"%s\", \"weights\": \"%s\", \"shape\": "
                 "\"%s\", \"threads\": %d, \"gemv_gbps\": %.3f, "
                 "\"gemv_vs_q4_0\": %.3f, \"gemm_gops\": %.2f}%s\n",
                 r.variant.c_str(), r.op.c_str(), r.shape.c_str(), r.threads,
                 r.gbps, r.vs_q4_0, r.gops, i + 1 < rows.size() ? "," : "");
  }
  std::fprintf(out, "]}\n");
  std::fclose(out);
  return 0;
}

}  // namespace edgemma
