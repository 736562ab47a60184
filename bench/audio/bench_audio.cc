// edgemma-bench-audio --tower PATH [--seconds 30] [--threads N] [--act f32|q8]
//                     [--repeat R] [--stream-seconds 10] [--json OUT]
// Figures for the audio encoder (core/audio): time to encode S seconds of
// audio (log-mel + Conformer + embedder; real-time factor), the rate of the
// Conformer MatMul MACs against this machine's int8 peak, peak RSS with the
// tower mapped, and the streaming case: an utterance fed in real time (20 ms
// pieces, paced) with the end-of-speech -> last soft token latency (p50/p95
// over the repeats). PATH: an HF directory or an mmproj GGUF. Synthetic audio
// (tones + noise): speed does not depend on the content.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/probes.h"
#include "bench/e2e/proc_memory.h"
#include "core/audio/audio_pcm.h"

namespace edgemma {
namespace {

struct Args {
  std::string tower, json;
  double seconds = 30, stream_seconds = 10;
  int threads = 1, repeat = 3, min_block = 8, max_block = 64;
  ActType act = ActType::kF32;
};

// MatMul MACs per soft token of the Conformer + projections (the int8 part).
double MatMulMacsPerToken(const AudioDims& a, int text_d, int f1) {
  const double d = a.d, dff = a.d_ff();
  const double layer = 2 * (2 * d * dff) + 4 * d * d + 2 * d * d + d * d;
  return a.n_layers * layer + double(f1) * a.conv1 * d + d * a.out_dims +
         double(a.out_dims) * text_d;
}

std::vector<float> Synthetic(int64_t n, int rate) {
  std::vector<float> x(n);
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.f, 0.02f);
  for (int64_t i = 0; i < n; ++i) {
    const double t = double(i) / rate;
    x[i] = float(0.3 * std::sin(2 * M_PI * (220 + 50 * std::sin(t)) * t)) +
           noise(rng);
  }
  return x;
}

Status Nop(void*, const float*, int, int64_t) { return Status::Ok(); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * (v.size() - 1) + 0.5))];
}

int Main(const Args& a) {
  auto tower = TowerWeights::Open(a.tower);
  if (!tower.ok())
    return std::fprintf(stderr, "%s\n", tower.status().ToString().c_str()), 1;
  auto enc = AudioEncoder::Create(**tower);
  if (!enc.ok())
    return std::fprintf(stderr, "%s\n", enc.status().ToString().c_str()), 1;
  AudioStreamOptions o;
  o.n_threads = a.threads;
  o.act_type = a.act;
  o.min_block = a.min_block;
  o.max_block = a.max_block;
  auto s = AudioPcmStream::Create(**enc, LogMelParams{}, o);
  if (!s.ok())
    return std::fprintf(stderr, "%s\n", s.status().ToString().c_str()), 1;
  const int rate = (*s)->sample_rate();
  const int64_t n = int64_t(a.seconds * rate);
  const std::vector<float> pcm = Synthetic(n, rate);
  const int64_t tokens = (*s)->TokensForSamples(n);
  std::vector<float> out(size_t(tokens) * (*enc)->text_d());
  double best = 1e30, best_cpu = 1e30;
  for (int r = 0; r < a.repeat; ++r) {
    int64_t got = 0;
    const double t0 = Now(), c0 = CpuNow();
    Status st = (*s)->Encode(pcm.data(), n, out.data(), tokens, &got);
    best = std::min(best, Now() - t0);
    best_cpu = std::min(best_cpu, CpuNow() - c0);
    if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
  }
  const AudioDims& d = (*enc)->dims();
  const int f1 = ((d.n_mel + 1) / 2 + 1) / 2;
  const double macs = MatMulMacsPerToken(d, (*enc)->text_d(), f1) * tokens;
  // int8 peak of the kernel variant in use, all threads.
  ThreadPool pool(a.threads);
  const PeakLoop* loop = FindPeakLoop(KernelsName((*enc)->kernels()));
  const double peak_gmac = loop ? Int8Peak(*loop, &pool, false) / 2 : 0;
  // Streaming: real-time pacing of 20 ms pieces; latency = Finish after the
  // last piece (everything before it was encoded while "speaking").
  const int64_t sn = int64_t(a.stream_seconds * rate), piece = rate / 50;
  const std::vector<float> utt = Synthetic(sn, rate);
  std::vector<double> lat;
  for (int r = 0; r < a.repeat; ++r) {
    (*s)->Reset();
    const auto start = std::chrono::steady_clock::now();
    for (int64_t off = 0; off < sn; off += piece) {
      std::this_thread::sleep_until(
          start + std::chrono::microseconds(off * 1000000 / rate));
      Status st =
          (*s)->Feed(utt.data() + off, std::min(piece, sn - off), Nop, nullptr);
      if (!st.ok())
        return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
    }
    std::this_thread::sleep_until(
        start + std::chrono::microseconds(sn * 1000000 / rate));
    const double t0 = Now();
    Status st = (*s)->Finish(Nop, nullptr);
    lat.push_back((Now() - t0) * 1e3);
    if (!st.ok()) return std::fprintf(stderr, "%s\n", st.ToString().c_str()), 1;
  }
  const ProcMemory mem = ReadProcMemory();
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      "{\"tower\": \"%s\", \"kernels\": \"%s\", \"weights\": \"%s\", \"act\": "
      "\"%s\", "
      "\"threads\": %d, \"min_block\": %d, \"max_block\": %d, \"audio_s\": "
      "%.1f, \"tokens\": "
      "%lld, \"encode_s\": "
      "%.3f, "
      "\"rtf\": %.4f, \"encode_cpu_s\": %.3f, \"gmac_per_cpu_s\": %.1f, "
      "\"matmul_gmac\": %.1f, \"gmac_per_s\": %.1f, "
      "\"int8_peak_gmac_per_s\": %.1f, \"of_int8_peak\": %.3f, "
      "\"stream_s\": %.1f, \"stream_end_latency_ms_p50\": %.1f, "
      "\"stream_end_latency_ms_p95\": %.1f, \"peak_rss_mib\": %.1f, "
      "\"arena_mib\": %.2f}\n",
      a.tower.c_str(), KernelsName((*enc)->kernels()),
      DTypeName((*tower)->audio().layers[0].ffn_up.w.t.dtype),
      ActTypeName(a.act), a.threads, a.min_block, a.max_block, a.seconds,
      static_cast<long long>(tokens), best, best / a.seconds, best_cpu,
      macs / 1e9 / best_cpu, macs / 1e9, macs / 1e9 / best, peak_gmac,
      peak_gmac > 0 ? macs / 1e9 / best / peak_gmac : 0.0, a.stream_seconds,
      Percentile(lat, 0.5), Percentile(lat, 0.95), mem.vm_hwm / 1048576.0,
      (*s)->encoder_stream().plan().total_bytes() / 1048576.0);
  std::fputs(buf, stdout);
  if (!a.json.empty()) {
    FILE* f = std::fopen(a.json.c_str(), "w");
    if (f) {
      std::fputs(buf, f);
      std::fclose(f);
    }
  }
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
    } else if (k == "--seconds") {
      a.seconds = std::atof(v.c_str());
    } else if (k == "--stream-seconds") {
      a.stream_seconds = std::atof(v.c_str());
    } else if (k == "--threads") {
      a.threads = std::max(1, std::atoi(v.c_str()));
    } else if (k == "--repeat") {
      a.repeat = std::max(1, std::atoi(v.c_str()));
    } else if (k == "--max-block") {
      a.max_block = std::max(1, std::atoi(v.c_str()));
    } else if (k == "--min-block") {
      a.min_block = std::max(1, std::atoi(v.c_str()));
    } else if (k == "--json") {
      a.json = v;
    } else if (k == "--act") {
      if (!edgemma::ParseActType(v.c_str(), &a.act))
        return std::fputs("--act f32|q8\n", stderr), 2;
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (a.tower.empty() || a.seconds <= 0 || a.stream_seconds <= 0) {
    std::fputs(
        "usage: edgemma-bench-audio --tower PATH [--seconds 30] [--threads N] "
        "[--act f32|q8]\n"
        "                           [--repeat R] [--stream-seconds 10] [--json "
        "OUT]\n",
        stderr);
    return 2;
  }
  return edgemma::Main(a);
}
