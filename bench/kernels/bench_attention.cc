// The decode attention benchmark (bench_attention.h).
#include "bench/kernels/bench_attention.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/common/probes.h"
#include "bench/kernels/json_out.h"
#include "platform/cpu_features.h"
#include "quant/kernels.h"
#include "quant/types.h"

namespace edgemma {
namespace {

// One decode step's attention shape: `layers` caches of `slots` keys.
struct Shape {
  const char* name;
  int layers, slots, head_dim, kv_heads, rows;  // rows: query rows per KV head
};

// Real Gemma 4 step shapes at ctx 1024 (sliding layers: 512-slot rings) and
// E2B's full-attention layers at ctx 4096.
constexpr Shape kShapes[] = {
    {"e4b_sliding", 35, 512, 256, 2, 4},
    {"e2b_sliding", 28, 512, 256, 1, 8},
    {"e2b_full_4096", 7, 4096, 512, 1, 8},
};

struct Row {
  std::string variant, shape;
  bool hot;
  double ms, gmacs, gbps;
};

// Bytes of one layer's cache: K [slots, kv_dim] and V^T [kv_dim, slots], f16.
size_t LayerBytes(const Shape& s) {
  return size_t{2} * 2 * s.slots * s.kv_heads * s.head_dim;
}

// One step: every layer from `first` (cycling through `copies`), every KV
// head, scores = Q . K^T then out = P . V^T-rows, as attention.cc calls them.
void Step(const Kernels& k, const Shape& s, const uint8_t* base, size_t copies,
          size_t first, const float* q, float* scores, float* out) {
  const int kv_dim = s.kv_heads * s.head_dim;
  const size_t layer = LayerBytes(s);
  for (int l = 0; l < s.layers; ++l) {
    const uint8_t* kc = base + ((first + l) % copies) * layer;  // K [slots, kv]
    const uint8_t* vt = kc + layer / 2;                         // [kv, slots]
    for (int g = 0; g < s.kv_heads; ++g) {
      k.gemm_f16_f32(kc + size_t{2} * g * s.head_dim, size_t{2} * kv_dim, 0,
                     s.slots, s.head_dim, q, s.head_dim, s.rows, scores,
                     s.slots);
      k.gemm_f16_f32(vt + size_t{2} * g * s.head_dim * s.slots,
                     size_t{2} * s.slots, 0, s.head_dim, s.slots, scores,
                     s.slots, s.rows, out, s.head_dim);
    }
  }
}

// Every element of got within 1e-4 of the largest |want| (sums of thousands of
// terms cancel: a per-element relative bound would flag summation order).
bool Close(const float* got, const float* want, size_t n) {
  float scale = 0.f;
  for (size_t i = 0; i < n; ++i) scale = std::max(scale, std::fabs(want[i]));
  for (size_t i = 0; i < n; ++i) {
    if (std::fabs(got[i] - want[i]) > 1e-4f * scale) return false;
  }
  return true;
}

// Both products of the first layer (the last KV head's scores and output)
// against scalar's: a check that the timed kernel computes the products, not
// a precision test (the kernel suite is that).
bool Validate(const Kernels& k, Shape s, const uint8_t* base,
              const std::vector<float>& q) {
  s.layers = 1;
  const size_t n_sc = static_cast<size_t>(s.rows) * s.slots;
  const size_t n_out = static_cast<size_t>(s.rows) * s.head_dim;
  std::vector<float> got(n_sc + n_out), want(got.size());
  Step(k, s, base, 1, 0, q.data(), got.data(), got.data() + n_sc);
  Step(kScalarKernels, s, base, 1, 0, q.data(), want.data(),
       want.data() + n_sc);
  return Close(got.data(), want.data(), n_sc) &&
         Close(got.data() + n_sc, want.data() + n_sc, n_out);
}

}  // namespace

int RunAttentionBench(const AttentionBenchOptions& o) {
  std::vector<const Kernels*> variants;
  for (const Kernels* k : BuiltKernels()) {
    if (!k->runnable(GetCpuFeatures())) continue;
    if (o.variant.empty() ? k == &kScalarKernels : o.variant != k->name) {
      continue;
    }
    variants.push_back(k);
  }
  const size_t cold_bytes =
      o.quick ? 0 : std::max(size_t{256} << 20, 3 * LastLevelCacheBytes());
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  std::vector<Row> rows;
  std::printf("%-10s %-14s %-4s %9s %8s %8s\n", "variant", "shape", "",
              "ms/step", "GMAC/s", "GB/s");
  for (Shape s : kShapes) {
    if (o.quick) s.layers = 1;  // smoke test: one layer of each shape
    const size_t layer = LayerBytes(s);
    const size_t copies = std::max<size_t>(
        s.layers, (cold_bytes + layer - 1) / layer);  // cold working set
    HugePageBytes cache(copies * layer);
    std::vector<uint16_t> f16(cache.size() / 2);
    for (size_t i = 0; i < f16.size(); ++i) f16[i] = F32ToF16(nd(rng));
    std::memcpy(cache.data(), f16.data(), cache.size());
    std::vector<float> q(static_cast<size_t>(s.rows) * s.head_dim);
    for (float& v : q) v = nd(rng);
    std::vector<float> scores(static_cast<size_t>(s.rows) * s.slots),
        out(static_cast<size_t>(s.rows) * s.head_dim);
    const double macs = 2.0 * s.layers * s.kv_heads * s.rows *
                        static_cast<double>(s.slots) * s.head_dim;
    for (const Kernels* k : variants) {
      if (!Validate(*k, s, cache.data(), q)) {
        std::printf("%s %s: MISMATCH vs scalar, not timed\n", k->name, s.name);
        return 1;
      }
      for (bool hot : {false, true}) {
        size_t next = 0;
        const double t = MedianTime(
            [&] {
              Step(*k, s, cache.data(), hot ? 1 : copies, next, q.data(),
                   scores.data(), out.data());
              if (!hot) next += s.layers;
            },
            o.quick ? 0 : 0.5);
        rows.push_back({k->name, s.name, hot, t * 1e3, macs / t / 1e9,
                        s.layers * double(layer) / t / 1e9});
        const Row& r = rows.back();
        std::printf("%-10s %-14s %-4s %9.3f %8.1f %8.1f\n", r.variant.c_str(),
                    r.shape.c_str(), hot ? "hot" : "cold", r.ms, r.gmacs,
                    r.gbps);
      }
    }
  }
  if (o.json.empty()) return 0;
  FILE* f = OpenJsonOut(o.json);
  if (f == nullptr) return 1;
  std::fprintf(f, "{\"cpu\": \"%s\", \"threads\": 1, \"rows\": [\n",
               GetCpuFeatures().model.c_str());
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::fprintf(f,
                 "  {\"variant\": \"%s\", \"shape\": \"%s\", \"cache\": "
                 "\"%s\", \"ms_per_step\": %.4f, \"gmacs\": %.2f, \"gbps\": "
                 "%.2f}%s\n",
                 r.variant.c_str(), r.shape.c_str(), r.hot ? "hot" : "cold",
                 r.ms, r.gmacs, r.gbps, i + 1 < rows.size() ? "," : "");
  }
  std::fprintf(f, "]}\n");
  std::fclose(f);
  return 0;
}

}  // namespace edgemma
