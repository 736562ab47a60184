// core/nn blocks against plain loops over the scalar ops, on odd sizes, on one
// thread and split over a pool (the parallel paths must give the same rows).
#include "core/nn/blocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "core/nn/context.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

const Kernels& Scalar() { return *FindKernels("scalar").value(); }

class NnBlocks : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (GetParam() > 1) pool_ = std::make_unique<ThreadPool>(GetParam());
    nn_.kernels = SelectKernels().value();
    nn_.pool = pool_.get();
  }
  std::unique_ptr<ThreadPool> pool_;
  NnContext nn_;
};

TEST_P(NnBlocks, NormRowsMatchesRmsNormPerRow) {
  const int64_t rows = 37, n = 19;  // several grains, odd width
  const std::vector<float> x = Random(rows * n, 1), w = Random(n, 2);
  std::vector<float> got(rows * n), want(rows * n);
  NormRowsTo(nn_, x.data(), rows, n, w.data(), 1e-6f, got.data());
  for (int64_t r = 0; r < rows; ++r)
    RmsNorm(Scalar(), x.data() + r * n, w.data(), n, 1e-6f,
            want.data() + r * n);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f);
  std::vector<float> in_place = x;
  NormRows(nn_, in_place.data(), rows, n, w.data(), 1e-6f);
  EXPECT_EQ(in_place, got);
}

TEST_P(NnBlocks, NormRopeHeadsNormsEachHeadThenRotatesHalves) {
  const int T = 21, heads = 3, hd = 10, half = hd / 2;
  const std::vector<float> x = Random(T * heads * hd, 3), w = Random(hd, 4);
  std::vector<double> inv_freq(half);
  for (int j = 0; j < half; ++j) inv_freq[j] = std::pow(100.0, -2.0 * j / hd);
  std::vector<float> cos(T * half), sin(T * half);
  RopeTable(inv_freq, T, 5, cos.data(), sin.data());
  EXPECT_FLOAT_EQ(cos[2 * half + 1],
                  static_cast<float>(std::cos(7.0 * inv_freq[1])));

  std::vector<float> got = x;
  NormRopeHeads(nn_, got.data(), T, heads, hd, w.data(), 1e-6f, cos.data(),
                sin.data());
  for (int t = 0; t < T; ++t) {
    for (int h = 0; h < heads; ++h) {
      std::vector<float> v(x.begin() + (t * heads + h) * hd,
                           x.begin() + (t * heads + h + 1) * hd);
      RmsNorm(Scalar(), v.data(), w.data(), hd, 1e-6f, v.data());
      for (int j = 0; j < half; ++j) {  // rotate-half with angle (5 + t) f_j
        const double a = (5.0 + t) * inv_freq[j];
        const float x0 = v[j], x1 = v[j + half];
        const float c = static_cast<float>(std::cos(a)),
                    s = static_cast<float>(std::sin(a));
        EXPECT_NEAR(got[(t * heads + h) * hd + j], x0 * c - x1 * s, 1e-5f);
        EXPECT_NEAR(got[(t * heads + h) * hd + j + half], x0 * s + x1 * c,
                    1e-5f);
      }
    }
  }
  std::vector<float> norm_only = x;  // cos == null: no rotation, no weight
  NormRopeHeads(nn_, norm_only.data(), T, heads, hd, nullptr, 1e-6f, nullptr,
                nullptr);
  std::vector<float> want(hd);
  RmsNorm(Scalar(), x.data() + hd, nullptr, hd, 1e-6f, want.data());
  for (int i = 0; i < hd; ++i) EXPECT_NEAR(norm_only[hd + i], want[i], 1e-5f);
}

TEST_P(NnBlocks, GatedGeluAndLinear) {
  const int64_t n = 5000;  // above two GELU grains
  const std::vector<float> gate = Random(n, 5), up = Random(n, 6);
  std::vector<float> got = gate, want = gate;
  GatedGelu(nn_, got.data(), up.data(), n);
  GeluTanhMul(Scalar(), want.data(), up.data(), n);
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(got[i], want[i], 1e-5f);

  const int64_t rows = 13, cols = 7, tokens = 3;  // f32 weights: no scratch
  const std::vector<float> wdata = Random(rows * cols, 7),
                           x = Random(tokens * cols, 8);
  WeightMatrix w;
  w.type = DType::kF32;
  w.rows = rows;
  w.cols = cols;
  w.data = wdata.data();
  w.row_bytes = cols * sizeof(float);
  std::vector<float> y(tokens * rows);
  Linear(nn_, w, x.data(), tokens, y.data());
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t c = 0; c < cols; ++c)
        sum += double{wdata[r * cols + c]} * x[t * cols + c];
      EXPECT_NEAR(y[t * rows + r], sum, 1e-4);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, NnBlocks, ::testing::Values(1, 3));

}  // namespace
}  // namespace edgemma
