// edgemma-bench-vision --tower PATH [--budgets 70,140,280] [--threads N]
//                      [--act q8|f32] [--repeat R] [--width W --height H]
//                      [--json OUT]
// Figures for the vision encoder (core/vision): time to encode one W x H RGB
// image (exact preprocessing + tower + embedder) at each soft-token budget,
// the MAC rate of the linear layers (the int8 part) against this machine's
// int8 peak, the attention MACs (f32), the encoder's arena and the peak RSS
// with the tower mapped. PATH: an HF directory or an mmproj GGUF. Synthetic
// image: speed does not depend on the content. One JSON line per budget.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/common/probes.h"
#include "bench/e2e/proc_memory.h"
#include "core/vision/image_encoder.h"

namespace edgemma {
namespace {

struct Args {
  std::string tower, json;
  std::vector<int> budgets = {70, 140, 280};
  int threads = 1, repeat = 2, width = 640, height = 480;
  ActType act = ActType::kQ8_0;
};

// MACs of one image of n patches and N soft tokens.
struct Macs {
  double linear = 0, attention = 0;
};
Macs ImageMacs(const VisionDims& v, int text_d, double n, double N) {
  const double d = v.d, qd = double(v.n_heads) * v.head_dim,
               kd = double(v.n_kv_heads) * v.head_dim;
  Macs m;
  m.linear = n * 3.0 * v.patch * v.patch * d +
             v.n_layers * n * (d * (qd + 2 * kd) + qd * d + 3 * d * v.d_ff) +
             N * d * text_d;
  m.attention = v.n_layers * 2.0 * n * n * qd;
  return m;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return 1;
}

int Main(const Args& a) {
  auto tower = TowerWeights::Open(a.tower);
  if (!tower.ok()) return Fail(tower.status());
  ImageEncoderOptions o;
  o.encoder.max_budget = *std::max_element(a.budgets.begin(), a.budgets.end());
  o.encoder.n_threads = a.threads;
  o.encoder.act_type = a.act;
  auto enc = ImageEncoder::Create(**tower, o);
  if (!enc.ok()) return Fail(enc.status());
  std::vector<uint8_t> rgb(size_t(a.width) * a.height * 3);
  std::mt19937 rng(1);
  for (size_t i = 0; i < rgb.size(); ++i)
    rgb[i] = uint8_t((i / 3 % a.width) * 200 / a.width + rng() % 32);
  ThreadPool pool(a.threads);
  const char* kernels = KernelsName(*SelectKernels().value());
  const PeakLoop* loop = FindPeakLoop(kernels);
  const double peak_gmac = loop ? Int8Peak(*loop, &pool, false) / 2 : 0;
  const VisionDims& v = (*tower)->dims().vision;
  std::vector<float> out(size_t((*enc)->max_soft_tokens()) * (*enc)->text_d());
  FILE* json = a.json.empty() ? nullptr : std::fopen(a.json.c_str(), "w");
  for (int budget : a.budgets) {
    auto n_soft = (*enc)->CountSoftTokens(a.height, a.width, budget);
    if (!n_soft.ok()) return Fail(n_soft.status());
    double best = 1e30, best_cpu = 1e30;
    for (int r = 0; r < a.repeat; ++r) {
      const double t0 = Now(), c0 = CpuNow();
      auto n = (*enc)->Encode(rgb.data(), a.height, a.width, budget, out.data(),
                              n_soft.value());
      best = std::min(best, Now() - t0);
      best_cpu = std::min(best_cpu, CpuNow() - c0);
      if (!n.ok()) return Fail(n.status());
    }
    const double N = n_soft.value(), n = N * v.pool * v.pool;
    const Macs m = ImageMacs(v, (*enc)->text_d(), n, N);
    const ProcMemory mem = ReadProcMemory();
    char buf[1024];
    std::snprintf(
        buf, sizeof(buf),
        "{\"tower\": \"%s\", \"kernels\": \"%s\", \"weights\": \"%s\", "
        "\"act\": \"%s\", \"threads\": %d, \"image\": \"%dx%d\", "
        "\"budget\": %d, \"soft_tokens\": %d, \"patches\": %d, "
        "\"encode_s\": %.3f, \"encode_cpu_s\": %.3f, \"linear_gmac\": %.1f, "
        "\"attention_gmac\": %.1f, \"linear_gmac_per_s\": %.1f, "
        "\"int8_peak_gmac_per_s\": %.1f, \"of_int8_peak\": %.3f, "
        "\"arena_mib\": %.1f, \"peak_rss_mib\": %.1f}\n",
        a.tower.c_str(), kernels,
        DTypeName((*tower)->vision().layers[0].q.w.t.dtype), ActTypeName(a.act),
        a.threads, a.width, a.height, budget, int(N), int(n), best, best_cpu,
        m.linear / 1e9, m.attention / 1e9, m.linear / 1e9 / best, peak_gmac,
        peak_gmac > 0 ? m.linear / 1e9 / best / peak_gmac : 0.0,
        (*enc)->arena_bytes() / 1048576.0, mem.vm_hwm / 1048576.0);
    std::fputs(buf, stdout);
    std::fflush(stdout);
    if (json) std::fputs(buf, json);
  }
  if (json) std::fclose(json);
  return 0;
}

}  // namespace
}  // namespace edgemma

int main(int argc, char** argv) {
  edgemma::Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--tower") {
      a.tower = v;
    } else if (k == "--json") {
      a.json = v;
    } else if (k == "--threads") {
      a.threads = std::atoi(v.c_str());
    } else if (k == "--repeat") {
      a.repeat = std::atoi(v.c_str());
    } else if (k == "--width") {
      a.width = std::atoi(v.c_str());
    } else if (k == "--height") {
      a.height = std::atoi(v.c_str());
    } else if (k == "--act") {
      if (!edgemma::ParseActType(v.c_str(), &a.act))
        return std::fprintf(stderr, "--act: q8 or f32\n"), 2;
    } else if (k == "--budgets") {
      a.budgets.clear();
      std::stringstream ss(v);
      std::string b;
      while (std::getline(ss, b, ','))
        a.budgets.push_back(std::atoi(b.c_str()));
    } else {
      return std::fprintf(stderr, "unknown option %s\n", k.c_str()), 2;
    }
  }
  if (a.tower.empty() || a.budgets.empty() || a.threads < 1 || a.repeat < 1) {
    std::fprintf(stderr,
                 "usage: edgemma-bench-vision --tower PATH [--budgets "
                 "70,140,280] [--threads N] [--act q8|f32] [--repeat R] "
                 "[--width W --height H] [--json OUT]\n");
    return 2;
  }
  return edgemma::Main(a);
}
