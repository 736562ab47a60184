#include "core/text/sampler.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
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

// Top-p radix select: three digits of a logit's 32-bit order key, most
// significant first.
constexpr int kRadixBuckets = 2048;
constexpr int kDigitBits[] = {11, 11, 10};
constexpr int kDigitShift[] = {21, 10, 0};
constexpr int kLevels = 3;

// Maps a non-NaN float onto uint32 preserving order (larger float, larger
// key); -0 and +0 share a key because they compare equal.
uint32_t OrderKey(float x) {
  x += 0.0f;  // -0 -> +0
  uint32_t b;
  std::memcpy(&b, &x, sizeof(b));
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

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
  bucket_mass_.resize(kRadixBuckets);
  key_.resize(static_cast<size_t>(vocab));
  index_.resize(static_cast<size_t>(vocab));
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

// cand_[0, n_cand) sorted best first: returns the length of the shortest
// prefix whose mass reaches top_p of the total (the crossing token included).
int Sampler::NucleusPrefixSorted(int n_cand, float max_logit) {
  const float t = params_.temperature;
  double total = 0.0;
  for (int j = 0; j < n_cand; ++j) {
    weight_[j] = std::exp((cand_[j].logit - max_logit) / t);
    total += weight_[j];
  }
  const double target = static_cast<double>(params_.top_p) * total;
  double cum = 0.0;
  for (int j = 0; j < n_cand; ++j) {
    cum += weight_[j];
    if (cum >= target) return j + 1;
  }
  return n_cand;
}

// cand_[0, n_cand) in id order: compacts the top-p set (the same set as the
// sorted definition: best first by logit desc, id asc, until the mass reaches
// top_p of the total, crossing token included) into cand_[0, return), still in
// id order, with each kept candidate's weight in weight_[position]. Radix
// select weighted by mass: each level histograms the mass of the candidates
// left in the crossing bucket (index_[0, m)) by the next digit of their order
// key, and keeps the buckets above the one where the cumulative mass crosses
// the target; the branch-free narrowing then keeps only that bucket's
// candidates in index_. After the last digit the crossing key is exact; its m
// candidates share one weight and the sorted order takes the lowest ids (the
// first in id order) until the target is reached. Cost: one exp pass, one
// narrowing and one compaction pass over n_cand, the rest over crossing
// buckets only. Allocates nothing.
int Sampler::NucleusSelect(int n_cand, float max_logit) {
  const float t = params_.temperature;
  Candidate* c = cand_.data();
  uint32_t* key = key_.data();
  int32_t* idx = index_.data();
  double* mass = bucket_mass_.data();
  std::fill(mass, mass + kRadixBuckets, 0.0);
  for (int j = 0; j < n_cand; ++j) {
    key[j] = OrderKey(c[j].logit);
    weight_[j] = std::exp((c[j].logit - max_logit) / t);
    mass[key[j] >> kDigitShift[0]] += weight_[j];
  }
  double total = 0.0;
  for (int d = 0; d < kRadixBuckets; ++d) total += mass[d];
  const double target = static_cast<double>(params_.top_p) * total;
  if (!(target > 0.0)) return n_cand;  // NaN weights (a +inf logit): keep all
  double cum = 0.0;     // mass of the candidates with a key above the prefix
  uint32_t prefix = 0;  // key >> kDigitShift[level] of the crossing bucket
  int m = 0;            // idx[0, m): the candidates in the crossing bucket
  for (int level = 0; level < kLevels; ++level) {
    const int shift = kDigitShift[level];
    const uint32_t mask = (1u << kDigitBits[level]) - 1;
    if (level > 0) {
      std::fill(mass, mass + kRadixBuckets, 0.0);
      for (int i = 0; i < m; ++i) {
        mass[(key[idx[i]] >> shift) & mask] += weight_[idx[i]];
      }
    }
    int d = kRadixBuckets - 1;
    for (; d >= 0 && cum + mass[d] < target; --d) cum += mass[d];
    if (d < 0) return n_cand;  // rounding left the target unreached: keep all
    prefix = (prefix << kDigitBits[level]) | static_cast<uint32_t>(d);
    int narrowed = 0;
    if (level == 0) {
      for (int j = 0; j < n_cand; ++j) {
        idx[narrowed] = j;
        narrowed += (key[j] >> shift) == prefix;
      }
    } else {
      for (int i = 0; i < m; ++i) {
        idx[narrowed] = idx[i];
        narrowed += (key[idx[i]] >> shift) == prefix;
      }
    }
    m = narrowed;               // >= 1: the crossing bucket had mass
    if (m == 0) return n_cand;  // unreachable; keeps idx[0] below valid
  }
  const uint32_t crossing = prefix;
  const double w = weight_[idx[0]];
  int n_eq = 1;  // how many of the crossing key's candidates are kept
  for (cum += w; n_eq < m && cum < target; ++n_eq) cum += w;
  int k = 0;
  for (int j = 0; j < n_cand; ++j) {
    const bool eq = key[j] == crossing;
    const bool keep = (key[j] > crossing) | (eq & (n_eq > 0));
    n_eq -= eq;
    c[k] = c[j];
    weight_[k] = weight_[j];
    k += keep;
  }
  return k;
}

float Sampler::MaxLogit(int n_cand) const {
  float m = cand_[0].logit;
  for (int j = 1; j < n_cand; ++j) m = std::max(m, cand_[j].logit);
  return m;
}

std::vector<int32_t> Sampler::NucleusIdsForTesting(const float* logits, int n) {
  assert(logits != nullptr && n > 0 && n <= vocab_);
  const int n_cand = CollectAll(logits, n);
  if (n_cand == 0) return {};
  const int n_kept = NucleusSelect(n_cand, MaxLogit(n_cand));
  std::vector<int32_t> ids;
  for (int j = 0; j < n_kept; ++j) ids.push_back(cand_[j].id);
  return ids;
}

// Draws from cand_[0, n_kept) in proportion to exp((logit - max) / T); the
// weights are computed into weight_[position] unless `weights_ready`
// (NucleusSelect left them there).
int32_t Sampler::Draw(int n_kept, float max_logit, bool weights_ready) {
  const float t = params_.temperature;
  double total = 0.0;
  for (int j = 0; j < n_kept; ++j) {
    if (!weights_ready) weight_[j] = std::exp((cand_[j].logit - max_logit) / t);
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
  const float max_logit = sorted ? cand_[0].logit : MaxLogit(n_cand);

  int n_kept = n_cand;
  bool weights_ready = false;
  if (p.top_p < 1.f) {
    // Sorted top-k candidates keep their order; otherwise the kept set comes
    // back unordered.
    n_kept = sorted ? NucleusPrefixSorted(n_cand, max_logit)
                    : NucleusSelect(n_cand, max_logit);
    weights_ready = true;
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
        if (cand_[j].logit >= cut) {
          weight_[w] = weight_[j];  // stays aligned if the weights are ready
          cand_[w++] = cand_[j];
        }
      }
      n_kept = w;  // >= 1: the max always passes
    }
  }
  return Draw(n_kept, max_logit, weights_ready);
}

}  // namespace edgemma
