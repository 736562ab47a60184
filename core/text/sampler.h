// Token sampling from one row of logits: greedy, temperature, top-k, top-p
// (nucleus), min-p, with a seeded private PRNG (no global state), so a seed
// reproduces a sequence exactly.
//
// Filter order follows Hugging Face's generate(): temperature -> top-k -> top-p
// -> min-p, each on the distribution left by the previous one. top-p keeps the
// smallest set of most likely tokens whose renormalised mass reaches top_p (the
// token that crosses is kept); min-p keeps tokens with p >= min_p * p_max. Ties
// at the top-k boundary are broken by a fixed rule (lower id first), so results
// are deterministic.
//
// Cost over a 262k vocabulary: greedy is one argmax pass; top-k is one pass
// with a k-heap plus a sort of k entries; top-p without top-k is a radix
// select on the logits' bits weighted by probability mass (one exp and one
// histogram pass over the vocabulary, then passes over ever smaller crossing
// buckets), so it is O(vocab) whatever fraction of the vocabulary the nucleus
// covers. No full sort, no allocation per token: the scratch buffers are
// allocated once at construction (about 20 bytes per vocabulary entry).
//
// Thread-safety: a Sampler is used by one thread at a time (it owns its PRNG
// state).
#ifndef EDGEMMA_CORE_TEXT_SAMPLER_H_
#define EDGEMMA_CORE_TEXT_SAMPLER_H_

#include <cstdint>
#include <vector>

#include "core/io/config.h"
#include "platform/status.h"

namespace edgemma {

struct SamplingParams {
  float temperature = 1.0f;  // <= 0: greedy (argmax)
  int top_k = 0;             // <= 0: off; 1: greedy
  float top_p = 1.0f;        // >= 1: off; must be > 0
  float min_p = 0.0f;        // <= 0: off; must be <= 1
  uint64_t seed = 0;
};

// Sampling defaults of a model: generation_config.json's
// temperature/top_p/top_k where given (Gemma4Config fields; 0 = not given),
// else the neutral values above (temperature 1, no top-k, no top-p, no min-p).
SamplingParams DefaultSamplingParams(const Gemma4Config& cfg);

// Checks ranges (finite temperature, top_p in (0, 1], min_p in [0, 1]); names
// the field.
Status ValidateSamplingParams(const SamplingParams& p);

// xoshiro256** seeded through splitmix64: small, fast, good enough for
// sampling, and identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }
  void Seed(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() {
    return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0);
  }

 private:
  uint64_t s_[4];
};

// Index of the largest logit (lowest index on ties; NaN never wins). -1 if n <=
// 0 or all NaN.
int32_t Argmax(const float* logits, int n);

class Sampler {
 public:
  // Allocates the scratch for `vocab` candidates (vocab > 0) and seeds the PRNG
  // from params.
  Sampler(int vocab, const SamplingParams& params);

  // Replaces the parameters and reseeds the PRNG with params.seed (allocates
  // nothing).
  void Reset(const SamplingParams& params);
  const SamplingParams& params() const { return params_; }
  int vocab() const { return vocab_; }

  // Draws one token id from logits [n] (n <= vocab). Errors: n out of range, or
  // no finite logit to choose from. Never allocates.
  Result<int32_t> Sample(const float* logits, int n);

  // For tests: the ids that top-p alone (params' temperature and top_p, no
  // top-k, no min-p) keeps for logits [n], in no particular order. Allocates
  // the returned vector; n must be in [1, vocab].
  std::vector<int32_t> NucleusIdsForTesting(const float* logits, int n);

 private:
  struct Candidate {
    float logit;
    int32_t id;
  };
  int CollectTopK(const float* logits, int n, int k);
  int CollectAll(const float* logits, int n);
  float MaxLogit(int n_cand) const;
  int NucleusPrefixSorted(int n_cand, float max_logit);
  int NucleusSelect(int n_cand, float max_logit);
  int32_t Draw(int n_kept, float max_logit, bool weights_ready);

  int vocab_;
  SamplingParams params_;
  Rng rng_;
  std::vector<Candidate> cand_;  // [vocab] scratch, allocated once
  std::vector<float>
      weight_;  // [vocab] unnormalised probabilities of the candidates
  std::vector<double> bucket_mass_;  // [radix buckets] top-p mass histogram
  std::vector<uint32_t> key_;        // [vocab] top-p: order keys of cand_
  std::vector<int32_t> index_;       // [vocab] top-p: crossing-bucket list
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_SAMPLER_H_
