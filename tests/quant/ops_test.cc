// The public ops.h surface: selection, threaded MatMul, scratch sizing, row
// dequantization, RoPE by frequencies, conversions.
#include "quant/ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

TEST(Select, ScalarIsLastAndSelectable) {
  std::vector<const Kernels*> avail = AvailableKernels();
  ASSERT_FALSE(avail.empty());
  EXPECT_STREQ(KernelsName(*avail.back()), "scalar");
  EXPECT_TRUE(FindKernels("scalar").ok());
  Result<const Kernels*> bad = FindKernels("mmx");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("mmx"), std::string::npos);
  for (const Kernels* k : BuiltKernels()) {
    Result<const Kernels*> r = FindKernels(k->name);
    EXPECT_EQ(r.ok(), k->runnable(GetCpuFeatures())) << k->name;
  }
  setenv("EDGEMMA_KERNELS", "scalar", 1);
  Result<const Kernels*> forced = SelectKernels();
  ASSERT_TRUE(forced.ok());
  EXPECT_STREQ((*forced)->name, "scalar");
  setenv("EDGEMMA_KERNELS", "nope", 1);
  EXPECT_FALSE(SelectKernels().ok());
  unsetenv("EDGEMMA_KERNELS");
  ASSERT_TRUE(SelectKernels().ok());
  // The first available variant this CPU is not excluded from: a tuned twin
  // (avx512_amd) is runnable (and tested) on every CPU with its features but
  // selected only on the CPUs it was tuned for.
  const Kernels* want = nullptr;
  for (const Kernels* k : avail) {
    if (k->preferred == nullptr || k->preferred(GetCpuFeatures())) {
      want = k;
      break;
    }
  }
  EXPECT_EQ(SelectKernels().value(), want);
  for (const Kernels* k : BuiltKernels()) {
    if (std::string(k->name).find("_amd") == std::string::npos) continue;
    ASSERT_NE(k->preferred, nullptr) << k->name;
    CpuFeatures f = GetCpuFeatures();
    f.amd = false;
    EXPECT_FALSE(k->preferred(f)) << k->name;
    f.amd = true;
    EXPECT_TRUE(k->preferred(f)) << k->name;
  }
}

TEST(MatMul, ThreadedEqualsSingleThreaded) {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  const Kernels* k = SelectKernels().value();
  ThreadPool pool(2);
  for (DType type : {DType::kQ4_0, DType::kQ8_0, DType::kBF16}) {
    const int64_t rows = 301, cols = 256;
    std::vector<float> wf(rows * cols);
    for (auto& v : wf) v = nd(rng);
    const size_t rb = RowBytes(type, cols).value();
    std::vector<uint8_t> wq(rb * rows);
    for (int64_t r = 0; r < rows; ++r) {
      ASSERT_TRUE(
          QuantizeRow(type, wf.data() + r * cols, cols, wq.data() + r * rb)
              .ok());
    }
    WeightMatrix w{type, rows, cols, wq.data(), rb};
    for (int64_t n : {1, 7, 40}) {
      std::vector<float> x(n * cols);
      for (auto& v : x) v = nd(rng);
      std::vector<uint8_t> scratch(MatMulScratchBytes(type, cols, n));
      std::vector<float> y1(n * rows), y2(n * rows);
      MatMul(*k, w, x.data(), n, y1.data(), scratch.data(), nullptr);
      MatMul(*k, w, x.data(), n, y2.data(), scratch.data(), &pool);
      EXPECT_EQ(y1, y2) << DTypeName(type) << " n "
                        << n;  // same kernels, same order
    }
  }
  EXPECT_EQ(MatMulScratchBytes(DType::kF16, 64, 3), 0u);
  EXPECT_EQ(MatMulScratchBytes(DType::kQ4_0, 64, 3), 3u * 2 * 34);
  EXPECT_TRUE(MatMulSupports(DType::kBF16));
  EXPECT_FALSE(MatMulSupports(DType::kI8));
}

// llama.cpp K-quant weights with f32 activations (the dequantizing path):
// MatMul equals the f32 product with the dequantized rows, threaded or not;
// the Q8_K kernels (default activations) give the same bits threaded or not.
// Random blocks with finite scales are valid encodings of every format.
TEST(MatMul, KQuantWeightsMatchTheirDequantizedRows) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd;
  const Kernels* k = SelectKernels().value();
  ThreadPool pool(2);
  for (DType type : {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    ASSERT_TRUE(MatMulSupports(type));
    const int64_t rows = 37, cols = 768;
    const size_t rb = RowBytes(type, cols).value();
    const size_t bb = BlockBytes(type);
    std::vector<uint8_t> wq(rb * rows);
    for (auto& b : wq) b = static_cast<uint8_t>(rng());
    for (size_t blk = 0; blk < wq.size() / bb; ++blk) {
      uint8_t* p = wq.data() + blk * bb;
      const uint16_t d = F32ToF16(0.01f * (1 + blk % 5));
      // Q4_K / Q5_K: d, dmin first; Q6_K: d last.
      const bool last = type == DType::kQ6_K;
      uint8_t* dp = last ? p + bb - 2 : p;
      std::memcpy(dp, &d, 2);
      if (!last) std::memcpy(p + 2, &d, 2);
    }
    WeightMatrix w{type, rows, cols, wq.data(), rb};
    std::vector<float> wf(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      DequantizeRow(w, r, wf.data() + r * cols);
    ASSERT_TRUE(std::all_of(wf.begin(), wf.end(),
                            [](float v) { return std::isfinite(v); }));
    WeightMatrix wd{DType::kF32, rows, cols, wf.data(), cols * sizeof(float)};
    for (int64_t n : {1, 5}) {
      std::vector<float> x(n * cols);
      for (auto& v : x) v = nd(rng);
      std::vector<float> y(n * rows), yt(n * rows), want(n * rows);
      EXPECT_EQ(MatMulScratchBytes(type, cols, n, ActType::kF32), 0u);
      MatMul(*k, w, x.data(), n, y.data(), nullptr, nullptr, ActType::kF32);
      MatMul(*k, w, x.data(), n, yt.data(), nullptr, &pool, ActType::kF32);
      MatMul(*k, wd, x.data(), n, want.data(), nullptr, nullptr);
      EXPECT_EQ(y, yt) << DTypeName(type);
      std::vector<uint8_t> scratch(MatMulScratchBytes(type, cols, n));
      std::vector<float> yq(n * rows), yqt(n * rows);
      MatMul(*k, w, x.data(), n, yq.data(), scratch.data(), nullptr);
      MatMul(*k, w, x.data(), n, yqt.data(), scratch.data(), &pool);
      EXPECT_EQ(yq, yqt) << DTypeName(type);
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_NEAR(y[i], want[i], 1e-4f * (1.0f + std::fabs(want[i])))
            << DTypeName(type) << " n " << n << " i " << i;
      }
    }
  }
}

TEST(Ops, DequantizeRowRangeAndConversions) {
  std::vector<float> src(3 * 64);
  for (size_t i = 0; i < src.size(); ++i) src[i] = std::sin(0.1f * i);
  std::vector<uint8_t> q(3 * 2 * 34);
  for (int r = 0; r < 3; ++r) {
    ASSERT_TRUE(
        QuantizeRow(DType::kQ8_0, src.data() + 64 * r, 64, q.data() + 68 * r)
            .ok());
  }
  WeightMatrix w{DType::kQ8_0, 3, 64, q.data(), 68};
  std::vector<float> full(64), part(32);
  DequantizeRow(w, 2, full.data());
  DequantizeRowRange(w, 2, 32, 32, part.data());
  for (int i = 0; i < 32; ++i) EXPECT_EQ(part[i], full[32 + i]);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(full[i], src[128 + i], 0.01f);

  std::vector<uint16_t> h(37);
  std::vector<float> back(37);
  ConvertF32ToF16(src.data(), h.data(), 37);
  ConvertF16ToF32(h.data(), back.data(), 37);
  for (int i = 0; i < 37; ++i) EXPECT_EQ(back[i], F16ToF32(F32ToF16(src[i])));
}

// The table's conversions give the scalar bits in every variant (so the
// kernel-less scalar ConvertF32ToF16 and any table agree), at every length
// (vector body and tail) and across the f16 range: subnormals, ties, overflow.
TEST(Ops, F16ConversionsAreBitIdenticalInEveryVariant) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> expo(-30, 17);
  std::vector<float> src(301);
  for (float& v : src) v = std::ldexp(mant(rng), expo(rng));
  const float edges[] = {0.0f,
                         -0.0f,
                         65504.0f,
                         65519.0f,
                         65520.0f,
                         -1e9f,
                         INFINITY,
                         -INFINITY,
                         6.0e-8f,
                         2.98023224e-8f,
                         1.0f + 1.0f / 2048.0f};
  std::copy(std::begin(edges), std::end(edges), src.begin());
  for (const Kernels* k : AvailableKernels()) {
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{16}, int64_t{37},
                      static_cast<int64_t>(src.size())}) {
      std::vector<uint16_t> want(n), got(n);
      std::vector<float> back_want(n), back_got(n);
      ConvertF32ToF16(src.data(), want.data(), n);
      ConvertF32ToF16(*k, src.data(), got.data(), n);
      ConvertF16ToF32(want.data(), back_want.data(), n);
      ConvertF16ToF32(*k, want.data(), back_got.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        EXPECT_EQ(got[i], want[i]) << k->name << " n " << n << " x " << src[i];
        EXPECT_EQ(want[i], F32ToF16(src[i]));
        EXPECT_EQ(std::memcmp(&back_got[i], &back_want[i], 4), 0) << k->name;
      }
    }
  }
}

TEST(Ops, RopeNeoxByFrequencies) {
  const Kernels& k = *SelectKernels().value();
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  const float inv_freq[4] = {1.0f, 0.1f, 0.01f, 0.0f};
  float cos_v[4], sin_v[4];
  for (int j = 0; j < 4; ++j) {
    cos_v[j] = static_cast<float>(std::cos(3.0 * inv_freq[j]));
    sin_v[j] = static_cast<float>(std::sin(3.0 * inv_freq[j]));
  }
  std::vector<float> got = x;
  RopeNeoxCosSin(k, got.data(), 8, cos_v, sin_v);
  for (int j = 0; j < 4; ++j) {
    const double ang = 3.0 * inv_freq[j];
    EXPECT_NEAR(got[j], x[j] * std::cos(ang) - x[j + 4] * std::sin(ang), 1e-6);
    EXPECT_NEAR(got[j + 4], x[j + 4] * std::cos(ang) + x[j] * std::sin(ang),
                1e-6);
  }
  EXPECT_EQ(got[3], 4.0f);  // inv_freq 0 leaves the pair unchanged
  EXPECT_EQ(got[7], 8.0f);
}

}  // namespace
}  // namespace edgemma
