// Sampling time over a Gemma-sized vocabulary (262144 logits by default), per
// configuration. Prints one JSON object: microseconds per Sample() call (median
// of repeats). Never asserts. usage: bench_sampler [vocab] [iterations]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/text/sampler.h"

namespace {

struct Case {
  const char* name;
  edgemma::SamplingParams params;
};

double MedianMicros(edgemma::Sampler& s, const std::vector<float>& logits,
                    int iters) {
  std::vector<double> t;
  int64_t sink = 0;
  for (int i = 0; i < iters; ++i) {
    const auto a = std::chrono::steady_clock::now();
    edgemma::Result<int32_t> id =
        s.Sample(logits.data(), static_cast<int>(logits.size()));
    const auto b = std::chrono::steady_clock::now();
    sink += id.ok() ? id.value() : -1;
    t.push_back(std::chrono::duration<double, std::micro>(b - a).count());
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  if (sink == -7)
    std::fprintf(stderr, "unlikely\n");  // keeps the calls observable
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int vocab = argc > 1 ? std::atoi(argv[1]) : 262144;
  const int iters = argc > 2 ? std::atoi(argv[2]) : 200;
  if (vocab <= 0 || iters <= 0) {
    std::fprintf(stderr, "usage: bench_sampler [vocab > 0] [iterations > 0]\n");
    return 2;
  }
  // Logits shaped like a language model's: a Gaussian bulk plus a few strong
  // candidates.
  edgemma::Rng rng(1);
  std::vector<float> logits(static_cast<size_t>(vocab));
  for (float& x : logits) {
    const double u1 = rng.Uniform() + 1e-12, u2 = rng.Uniform();
    x = static_cast<float>(2.0 * std::sqrt(-2.0 * std::log(u1)) *
                           std::cos(6.283185307 * u2));
  }
  for (int i = 0; i < 20; ++i) logits[rng.Next() % vocab] += 12.f - 0.5f * i;
  const Case cases[] = {
      {"greedy", {0.f, 0, 1.f, 0.f, 1}},
      {"top_k64_top_p0.95 (gemma4 default)", {1.f, 64, 0.95f, 0.f, 1}},
      {"top_k64_top_p0.95_min_p0.05", {1.f, 64, 0.95f, 0.05f, 1}},
      {"top_p0.95_no_top_k", {1.f, 0, 0.95f, 0.f, 1}},
      {"min_p0.05_only", {1.f, 0, 1.f, 0.05f, 1}},
      {"pure_temperature", {1.f, 0, 1.f, 0.f, 1}},
  };
  std::printf("{\"vocab\": %d, \"iterations\": %d, \"median_us\": {", vocab,
              iters);
  bool first = true;
  for (const Case& c : cases) {
    edgemma::Sampler s(vocab, c.params);
    std::printf("%s\n  \"%s\": %.1f", first ? "" : ",", c.name,
                MedianMicros(s, logits, iters));
    first = false;
  }
  std::printf("\n}}\n");
  return 0;
}
