// Sampler: greedy, temperature, top-k, top-p, min-p candidate sets and
// frequencies, seeding. Frequencies are measured over many draws with a fixed
// seed, so every check is deterministic; tolerances are ~10 standard deviations
// so that a change of seed would not flake either.
#include "core/text/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "tests/support/alloc_guard.h"

namespace edgemma {
namespace {

constexpr int kDraws = 200000;
constexpr double kTol =
    0.01;  // sd of a frequency is <= sqrt(0.25 / kDraws) = 0.0011

std::vector<float> LogitsFromProbs(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs)
    l.push_back(p > 0 ? static_cast<float>(std::log(p)) : -INFINITY);
  return l;
}

std::vector<double> Frequencies(Sampler& s, const std::vector<float>& logits) {
  std::vector<double> f(logits.size(), 0.0);
  for (int i = 0; i < kDraws; ++i) {
    Result<int32_t> id =
        s.Sample(logits.data(), static_cast<int>(logits.size()));
    EXPECT_TRUE(id.ok());
    if (!id.ok()) break;
    f[*id] += 1.0 / kDraws;
  }
  return f;
}

// Expects frequencies == probs restricted to `kept` (renormalised), exactly 0
// elsewhere.
void ExpectDistribution(const std::vector<double>& freq,
                        const std::vector<double>& probs,
                        const std::vector<int>& kept) {
  double mass = 0;
  for (int i : kept) mass += probs[i];
  for (size_t i = 0; i < freq.size(); ++i) {
    const bool in =
        std::find(kept.begin(), kept.end(), static_cast<int>(i)) != kept.end();
    if (in) {
      EXPECT_NEAR(freq[i], probs[i] / mass, kTol) << "token " << i;
    } else {
      EXPECT_EQ(freq[i], 0.0) << "token " << i << " must never be drawn";
    }
  }
}

int32_t One(Sampler& s, const float* logits, int n) {
  Result<int32_t> id = s.Sample(logits, n);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? id.value() : -1;
}

const std::vector<double> kProbs = {0.05, 0.3,  0.02, 0.2, 0.15,
                                    0.1,  0.08, 0.06, 0.04};

TEST(Argmax, PicksLargestLowestIdOnTiesIgnoresNan) {
  std::vector<float> l = {1.f, 3.f, NAN, 3.f, -2.f};
  EXPECT_EQ(Argmax(l.data(), 5), 1);
  std::vector<float> nan = {NAN, NAN};
  EXPECT_EQ(Argmax(nan.data(), 2), -1);
  std::vector<float> neg = {-INFINITY, -INFINITY, -5.f};
  EXPECT_EQ(Argmax(neg.data(), 3), 2);
}

TEST(Sampler, GreedyWhenTemperatureZeroOrTopKOne) {
  Rng rng(7);
  std::vector<float> l(1000);
  for (float& x : l) x = static_cast<float>(rng.Uniform() * 20 - 10);
  const int32_t best = Argmax(l.data(), 1000);
  for (SamplingParams p : {SamplingParams{0.f, 0, 1.f, 0.f, 1},
                           SamplingParams{-1.f, 5, .5f, 0.f, 2},
                           SamplingParams{1.f, 1, 1.f, 0.f, 3}}) {
    Sampler s(1000, p);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(One(s, l.data(), 1000), best);
  }
}

TEST(Sampler, PlainSamplingMatchesSoftmax) {
  Sampler s(16, SamplingParams{1.f, 0, 1.f, 0.f, 42});
  std::vector<float> l = LogitsFromProbs(kProbs);
  std::vector<int> all(kProbs.size());
  std::iota(all.begin(), all.end(), 0);
  ExpectDistribution(Frequencies(s, l), kProbs, all);
}

TEST(Sampler, TemperatureSharpens) {
  const float t = 0.5f;
  Sampler s(16, SamplingParams{t, 0, 1.f, 0.f, 5});
  std::vector<float> l = LogitsFromProbs(kProbs);
  std::vector<double> q(kProbs.size());
  double z = 0;
  for (size_t i = 0; i < q.size(); ++i) z += q[i] = std::exp(l[i] / t);
  for (double& x : q) x /= z;
  std::vector<int> all(kProbs.size());
  std::iota(all.begin(), all.end(), 0);
  ExpectDistribution(Frequencies(s, l), q, all);
}

TEST(Sampler, TopKKeepsExactlyKBest) {
  Sampler s(16, SamplingParams{1.f, 3, 1.f, 0.f, 11});
  ExpectDistribution(Frequencies(s, LogitsFromProbs(kProbs)), kProbs,
                     {1, 3, 4});
}

TEST(Sampler, TopPKeepsSmallestPrefixReachingMass) {
  // Sorted: 0.3, 0.2, 0.15, 0.1 -> 0.75; top_p 0.7 needs the 4th (0.65 < 0.7).
  Sampler s(16, SamplingParams{1.f, 0, 0.7f, 0.f, 12});
  ExpectDistribution(Frequencies(s, LogitsFromProbs(kProbs)), kProbs,
                     {1, 3, 4, 5});
}

TEST(Sampler, TopPAppliesToTheTopKRenormalisedSet) {
  // Top-4 mass 0.75: renormalised 0.4, 0.267, 0.2, 0.133; top_p 0.6 -> first
  // two (0.667).
  Sampler s(16, SamplingParams{1.f, 4, 0.6f, 0.f, 13});
  ExpectDistribution(Frequencies(s, LogitsFromProbs(kProbs)), kProbs, {1, 3});
}

TEST(Sampler, MinPKeepsTokensAboveFractionOfMax) {
  // min_p 0.3 -> p >= 0.09: 0.3, 0.2, 0.15, 0.1.
  Sampler s(16, SamplingParams{1.f, 0, 1.f, 0.3f, 14});
  ExpectDistribution(Frequencies(s, LogitsFromProbs(kProbs)), kProbs,
                     {1, 3, 4, 5});
}

TEST(Sampler, AllFiltersTogether) {
  // top_k 6 -> {1,3,4,5,6,7}; top_p 0.9 of 0.89: cum 0.3,.5,.65,.75,.83
  // (=.83/.89=.93) -> {1,3,4,5,6}; min_p 0.4 -> p >= 0.12 -> {1,3,4}.
  Sampler s(16, SamplingParams{1.f, 6, 0.9f, 0.4f, 15});
  ExpectDistribution(Frequencies(s, LogitsFromProbs(kProbs)), kProbs,
                     {1, 3, 4});
}

TEST(Sampler, NucleusOverLargeVocabulary) {
  // Slowly decaying logits: the nucleus spans hundreds of candidates.
  const int n = 3000;
  const int draws = 10000;
  std::vector<float> l(n);
  Rng rng(3);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int i = n - 1; i > 0; --i)
    std::swap(order[i], order[rng.Next() % (i + 1)]);
  for (int r = 0; r < n; ++r) l[order[r]] = -0.002f * r;
  std::vector<double> probs(n);
  double z = 0;
  for (int i = 0; i < n; ++i)
    z += probs[i] = std::exp(static_cast<double>(l[i]));
  for (double& p : probs) p /= z;
  const float top_p = 0.8f;
  std::vector<int> kept;
  double cum = 0;
  for (int r = 0; r < n && cum < top_p; ++r) {
    kept.push_back(order[r]);
    cum += probs[order[r]];
  }
  ASSERT_GT(kept.size(), 256u);
  Sampler s(n, SamplingParams{1.f, 0, top_p, 0.f, 21});
  std::vector<int> seen(n, 0);
  for (int i = 0; i < draws; ++i) ++seen[One(s, l.data(), n)];
  std::vector<char> in(n, 0);
  for (int i : kept) in[i] = 1;
  int outside = 0, first_half = 0;
  for (int i = 0; i < n; ++i) {
    if (!in[i]) outside += seen[i];
  }
  for (size_t r = 0; r < kept.size() / 2; ++r) first_half += seen[kept[r]];
  EXPECT_EQ(outside, 0);
  double mass_first_half = 0, mass = 0;
  for (size_t r = 0; r < kept.size(); ++r) {
    (r < kept.size() / 2 ? mass_first_half : mass) += probs[kept[r]];
  }
  mass += mass_first_half;
  EXPECT_NEAR(static_cast<double>(first_half) / draws, mass_first_half / mass,
              3 * kTol);
  // The least likely kept token is reachable.
  EXPECT_GT(seen[kept.back()] + seen[kept[kept.size() - 2]], 0);
}

TEST(Sampler, TopPThenMinPWithoutTopK) {
  // top_p 0.9: cum .3,.5,.65,.75,.83,.89,.94 -> {1,3,4,5,6,7,0}; min_p 0.3 ->
  // p >= 0.09 -> {1,3,4,5}.
  Sampler s(16, SamplingParams{1.f, 0, 0.9f, 0.3f, 16});
  ExpectDistribution(Frequencies(s, LogitsFromProbs(kProbs)), kProbs,
                     {1, 3, 4, 5});
}

// The top-p set by its definition: sort by (logit desc, id asc), keep the
// prefix until the mass reaches top_p of the total (the crossing token too).
std::vector<int32_t> ReferenceNucleus(const std::vector<float>& l, float t,
                                      float top_p) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i] > -INFINITY) ids.push_back(static_cast<int32_t>(i));
  }
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
    return l[a] > l[b] || (l[a] == l[b] && a < b);
  });
  if (ids.empty()) return ids;
  const float max = l[ids[0]];
  std::vector<double> w;
  double total = 0;
  for (int32_t i : ids) {
    w.push_back(std::exp((l[i] - max) / t));
    total += w.back();
  }
  double cum = 0;
  for (size_t j = 0; j < ids.size(); ++j) {
    cum += w[j];
    if (cum >= top_p * total) {
      ids.resize(j + 1);
      break;
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<float> RandomLogits(Rng& rng, int kind) {
  const int n = 1 + static_cast<int>(rng.Next() % 4000);
  std::vector<float> l(n);
  for (float& x : l) {
    const double u = rng.Uniform();
    switch (kind) {
      case 0:  // spread over a wide range, both signs
        x = static_cast<float>((u - 0.5) * 40);
        break;
      case 1:  // few distinct values: long runs of ties
        x = static_cast<float>(static_cast<int>(u * 5)) - 2.f;
        break;
      case 2:  // flat
        x = 0.25f;
        break;
      case 3:  // bulk plus a peak below
        x = static_cast<float>(u * 3);
        break;
      default:  // -inf, NaN, signed zeros mixed in
        x = u < 0.2   ? -INFINITY
            : u < 0.3 ? NAN
            : u < 0.4 ? -0.f
            : u < 0.5 ? 0.f
                      : static_cast<float>(u * 8 - 4);
    }
  }
  if (kind == 3) l[rng.Next() % n] = 25.f;
  return l;
}

TEST(Sampler, TopPKeptSetMatchesFullSortReference) {
  Rng rng(77);
  const float top_ps[] = {1e-4f, 0.1f, 0.37f, 0.5f, 0.9f, 0.95f, 0.999f};
  const float temps[] = {0.5f, 1.f, 2.3f};
  int cases = 0;
  for (int kind = 0; kind < 5; ++kind) {
    for (int rep = 0; rep < 30; ++rep) {
      std::vector<float> l = RandomLogits(rng, kind);
      if (kind == 4) l[rng.Next() % l.size()] = 1.f;  // one usable logit
      const int n = static_cast<int>(l.size());
      const float top_p = top_ps[rng.Next() % 7];
      const float t = temps[rng.Next() % 3];
      Sampler s(n, SamplingParams{t, 0, top_p, 0.f, 1});
      std::vector<int32_t> got = s.NucleusIdsForTesting(l.data(), n);
      std::sort(got.begin(), got.end());
      ASSERT_EQ(got, ReferenceNucleus(l, t, top_p))
          << "kind " << kind << " rep " << rep << " n " << n << " top_p "
          << top_p << " T " << t;
      ++cases;
    }
  }
  EXPECT_EQ(cases, 150);
}

TEST(Sampler, TopPWithInfiniteLogitStaysInRange) {
  std::vector<float> l = {1.f, INFINITY, 0.5f, -INFINITY, 2.f};
  Sampler s(5, SamplingParams{1.f, 0, 0.9f, 0.1f, 3});
  for (int i = 0; i < 20; ++i) {
    const int32_t id = One(s, l.data(), 5);
    EXPECT_TRUE(id >= 0 && id < 5 && id != 3) << id;
  }
}

TEST(Sampler, SameSeedSameSequenceAndResetReplays) {
  std::vector<float> l = LogitsFromProbs(kProbs);
  const SamplingParams p{0.9f, 0, 1.f, 0.f, 1234};
  Sampler a(16, p), b(16, p);
  std::vector<int32_t> sa, sb;
  for (int i = 0; i < 200; ++i) {
    sa.push_back(One(a, l.data(), 9));
    sb.push_back(One(b, l.data(), 9));
  }
  EXPECT_EQ(sa, sb);
  a.Reset(p);
  std::vector<int32_t> again;
  for (int i = 0; i < 200; ++i) again.push_back(One(a, l.data(), 9));
  EXPECT_EQ(sa, again);
  SamplingParams q = p;
  q.seed = 1235;
  a.Reset(q);
  std::vector<int32_t> other;
  for (int i = 0; i < 200; ++i) other.push_back(One(a, l.data(), 9));
  EXPECT_NE(sa, other);
}

TEST(Sampler, RngIsPlatformIndependent) {
  // First outputs of xoshiro256** seeded through splitmix64(0): fixed forever,
  // so a seed gives the same text on x86 and ARM.
  Rng r(0);
  const uint64_t first = r.Next();
  Rng r2(0);
  EXPECT_EQ(first, r2.Next());
  EXPECT_EQ(first, 0x99EC5F36CB75F2B4ull);
}

TEST(Sampler, ErrorsAreValues) {
  Sampler s(8, SamplingParams{});
  std::vector<float> l(9, 0.f);
  EXPECT_EQ(s.Sample(l.data(), 9).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s.Sample(nullptr, 4).status().code(), StatusCode::kInvalidArgument);
  std::vector<float> dead(8, -INFINITY);
  EXPECT_EQ(s.Sample(dead.data(), 8).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      ValidateSamplingParams(SamplingParams{1.f, 0, 0.f, 0.f, 0}).ok());
  EXPECT_FALSE(
      ValidateSamplingParams(SamplingParams{1.f, 0, 1.f, 1.5f, 0}).ok());
  EXPECT_FALSE(
      ValidateSamplingParams(SamplingParams{NAN, 0, 1.f, 0.f, 0}).ok());
  EXPECT_FALSE(
      ValidateSamplingParams(SamplingParams{1.f, -1, 1.f, 0.f, 0}).ok());
  EXPECT_TRUE(
      ValidateSamplingParams(SamplingParams{0.f, 64, 0.95f, 0.05f, 0}).ok());
}

TEST(Sampler, DefaultsComeFromTheConfig) {
  Gemma4Config cfg;
  SamplingParams none = DefaultSamplingParams(cfg);
  EXPECT_EQ(none.temperature, 1.f);
  EXPECT_EQ(none.top_k, 0);
  EXPECT_EQ(none.top_p, 1.f);
  cfg.temperature = 0.7f;
  cfg.top_k = 40;
  cfg.top_p = 0.9f;
  SamplingParams given = DefaultSamplingParams(cfg);
  EXPECT_EQ(given.temperature, 0.7f);
  EXPECT_EQ(given.top_k, 40);
  EXPECT_EQ(given.top_p, 0.9f);
}

TEST(Sampler, NoAllocationPerToken) {
  if (!AllocHookInstalled()) GTEST_SKIP() << "allocation hook not linked";
  const int n = 50000;
  std::vector<float> l(n);
  Rng rng(9);
  for (float& x : l) x = static_cast<float>(rng.Uniform() * 10);
  for (SamplingParams p : {SamplingParams{1.f, 64, 0.95f, 0.05f, 1},
                           SamplingParams{1.f, 0, 0.9f, 0.f, 2},
                           SamplingParams{1.f, 0, 0.9f, 0.2f, 5},
                           SamplingParams{0.f, 0, 1.f, 0.f, 3},
                           SamplingParams{0.8f, 0, 1.f, 0.1f, 4}}) {
    Sampler s(n, p);
    ScopedNoAlloc guard;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.Sample(l.data(), n).ok());
    EXPECT_EQ(guard.allocations(), 0);
  }
}

}  // namespace
}  // namespace edgemma
