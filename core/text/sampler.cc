#include "core/text/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace edgemma {
namespace {

// Below this temperature the scaled logits overflow float; it is greedy for all
// purposes.
constexpr float kMinTemperature = 1e-6f;

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

bool Usable(float x) { return x > -INFINITY; }  // false for -inf and NaN

}  // namespace

SamplingParams DefaultSamplingParams(const Gemma4Config& cfg) {
  SamplingParams p;
  if (cfg.temperature > 0.f) p.temperature = cfg.temperature;
  if (cfg.top_k > 0) p.top_k = cfg.top_k;
  if (cfg.top_p > 0.f) p.top_p = cfg.top_p;
  return p;
}

Status ValidateSamplingParams(const SamplingParams& p) {
  if (std::isnan(p.temperature) || std::isinf(p.temperature)) {
    return InvalidArgument("sampling: temperature must be a finite number");
  }
  if (!(p.top_p > 0.f && p.top_p <= 1.f)) {
    return InvalidArgument("sampling: top_p must be in (0, 1], got " +
                           std::to_string(p.top_p));
  }
  if (!(p.min_p >= 0.f && p.min_p <= 1.f)) {
    return InvalidArgument("sampling: min_p must be in [0, 1], got " +
                           std::to_string(p.min_p));
  }
  if (p.top_k < 0) {
    return InvalidArgument("sampling: top_k must be >= 0 (0 = off), got " +
                           std::to_string(p.top_k));
  }
  return Status::Ok();
}

void Rng::Seed(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = SplitMix64(&x);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

int32_t Argmax(const float* logits, int n) {
  // One branch-light pass; NaN fails every comparison so it never wins.
  int32_t best = -1;
  float best_v = -INFINITY;
  for (int i = 0; i < n; ++i) {
    if (logits[i] > best_v) {
      best_v = logits[i];
      best = i;
    }
  }
  if (best >= 0) return best;
  for (int i = 0; i < n;
       ++i) {  // every logit is -inf or NaN: first -inf, else none
    if (!std::isnan(logits[i])) return i;
  }
  return -1;
}

Sampler::Sampler(int vocab, const SamplingParams& params)
    : vocab_(vocab), params_(params), rng_(params.seed) {
  assert(vocab > 0);
  cand_.resize(static_cast<size_t>(vocab));
  weight_.resize(static_cast<size_t>(vocab));
}

void Sampler::Reset(const SamplingParams& params) {
  params_ = params;
  rng_.Seed(params.seed);
}

namespace {
// "a ranks before b": higher logit first, lower id on ties.
template <typename C>
bool Better(const C& a, const C& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}
}  // namespace

// Keeps the k best usable logits with a heap whose top is the worst kept one;
// for typical logits almost every entry fails the single comparison with the
// top. Leaves cand_[0, k) sorted best first and returns their count (< k only
// if fewer usable logits exist).
int Sampler::CollectTopK(const float* logits, int n, int k) {
  auto better = [](const Candidate& a, const Candidate& b) {
    return Better(a, b);
  };
  Candidate* heap = cand_.data();
  int size = 0;
  int i = 0;
  for (; i < n && size < k; ++i) {
    if (!Usable(logits[i])) continue;
    heap[size++] = Candidate{logits[i], i};
    std::push_heap(heap, heap + size, better);
  }
  for (; i < n; ++i) {
    // Later ids lose ties, so only a strictly larger logit displaces the worst
    // kept one.
    if (logits[i] > heap[0].logit) {
      std::pop_heap(heap, heap + size, better);
      heap[size - 1] = Candidate{logits[i], i};
      std::push_heap(heap, heap + size, better);
    }
  }
  std::sort_heap(heap, heap + size, better);
  return size;
}

// Copies every usable logit into cand_ (unsorted) and returns the count.
int Sampler::CollectAll(const float* logits, int n) {
  int size = 0;
  for (int i = 0; i < n; ++i) {
    if (Usable(logits[i])) cand_[size++] = Candidate{logits[i], i};
  }
  return size;
}

// Orders the most likely candidates first, in growing chunks selected with
// nth_element, until their mass reaches top_p of the total. Returns the length
// of that prefix (sorted best first).
int Sampler::NucleusPrefix(int n_cand, float max_logit) {
  auto better = [](const Candidate& a, const Candidate& b) {
    return Better(a, b);
  };
  const float t = params_.temperature;
  double total = 0.0;
  for (int j = 0; j < n_cand; ++j)
    total += std::exp((cand_[j].logit - max_logit) / t);
  const double target = static_cast<double>(params_.top_p) * total;
  Candidate* c = cand_.data();
  double cum = 0.0;
  int done = 0;
  for (int chunk = 256; done < n_cand; chunk *= 4) {
    const int end = std::min(n_cand, done + chunk);
    if (end < n_cand)
      std::nth_element(c + done, c + end - 1, c + n_cand, better);
    std::sort(c + done, c + end, better);
    for (int j = done; j < end; ++j) {
      cum += std::exp((c[j].logit - max_logit) / t);
      if (cum >= target) return j + 1;
    }
    done = end;
  }
  return n_cand;
}

// Draws from cand_[0, n_kept) in proportion to exp((logit - max) / T).
int32_t Sampler::Draw(int n_kept, float max_logit) {
  const float t = params_.temperature;
  double total = 0.0;
  for (int j = 0; j < n_kept; ++j) {
    weight_[j] = std::exp((cand_[j].logit - max_logit) / t);
    total += weight_[j];
  }
  const double u = rng_.Uniform() * total;
  double cum = 0.0;
  for (int j = 0; j < n_kept; ++j) {
    cum += weight_[j];
    if (u < cum) return cand_[j].id;
  }
  return cand_[n_kept - 1].id;  // u rounded up to the total
}

Result<int32_t> Sampler::Sample(const float* logits, int n) {
  if (logits == nullptr || n <= 0 || n > vocab_) {
    return InvalidArgument("sampler: " + std::to_string(n) +
                           " logits for a vocabulary of " +
                           std::to_string(vocab_));
  }
  const SamplingParams& p = params_;
  if (!(p.temperature >= kMinTemperature) || p.top_k == 1) {
    const int32_t id = Argmax(logits, n);
    if (id < 0) return InvalidArgument("sampler: every logit is NaN");
    return id;
  }
  int n_cand = 0;
  bool sorted = false;
  if (p.top_k > 0 && p.top_k < n) {
    n_cand = CollectTopK(logits, n, p.top_k);
    sorted = true;
  } else {
    n_cand = CollectAll(logits, n);
  }
  if (n_cand == 0)
    return InvalidArgument("sampler: no finite logit to sample from");
  float max_logit = cand_[0].logit;
  if (!sorted) {
    for (int j = 1; j < n_cand; ++j)
      max_logit = std::max(max_logit, cand_[j].logit);
  }

  int n_kept = n_cand;
  if (p.top_p < 1.f) {
    // Already-sorted top-k candidates cost one small sort pass here.
    n_kept = NucleusPrefix(n_cand, max_logit);
    sorted = true;
  }
  if (p.min_p > 0.f) {
    // p_j / p_max = exp((l_j - l_max) / T) >= min_p  <=>  l_j >= l_max + T *
    // ln(min_p).
    const float cut = max_logit + p.temperature * std::log(p.min_p);
    if (sorted) {
      while (n_kept > 1 && cand_[n_kept - 1].logit < cut) --n_kept;
    } else {
      int w = 0;
      for (int j = 0; j < n_kept; ++j) {
        if (cand_[j].logit >= cut) cand_[w++] = cand_[j];
      }
      n_kept = w;  // >= 1: the max always passes
    }
  }
  return Draw(n_kept, max_logit);
}

}  // namespace edgemma
