// MatMulShared (several weight matrices, one input, one dispatch) gives the
// same bits as separate MatMul calls, in every variant, for odd shapes, mixed
// weight types (shared and not shared activation blocks), token counts and
// thread counts.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/ops.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

bool IsKQuant(DType t) {
  return t == DType::kQ4_K || t == DType::kQ5_K || t == DType::kQ6_K;
}

// A random [rows, cols] matrix of `type` (K-quants: random blocks with finite
// scales, which are valid encodings).
struct TestMatrix {
  std::vector<uint8_t> bytes;
  WeightMatrix w;

  TestMatrix(DType type, int64_t rows, int64_t cols, std::mt19937& rng) {
    const size_t rb = RowBytes(type, cols).value();
    bytes.resize(rb * rows);
    if (IsKQuant(type)) {
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      const size_t bb = BlockBytes(type);
      for (size_t blk = 0; blk < bytes.size() / bb; ++blk) {
        uint8_t* p = bytes.data() + blk * bb;
        const uint16_t d = F32ToF16(0.01f * (1 + blk % 5));
        const bool last = type == DType::kQ6_K;  // Q6_K: d last
        std::memcpy(last ? p + bb - 2 : p, &d, 2);
        if (!last) std::memcpy(p + 2, &d, 2);
      }
    } else {
      std::normal_distribution<float> nd;
      std::vector<float> row(cols);  // [cols]
      for (int64_t r = 0; r < rows; ++r) {
        for (auto& v : row) v = nd(rng);
        EXPECT_TRUE(
            QuantizeRow(type, row.data(), cols, bytes.data() + r * rb).ok());
      }
    }
    w = WeightMatrix{type, rows, cols, bytes.data(), rb};
  }
};

struct Group {
  std::vector<DType> types;
  std::vector<int64_t> rows;
  int64_t cols;
};

std::string Describe(const Kernels& k, const Group& g, int64_t n, int threads,
                     ActType act) {
  std::string s = std::string(KernelsName(k)) + " n " + std::to_string(n) +
                  " threads " + std::to_string(threads) + " act " +
                  ActTypeName(act) + " :";
  for (size_t i = 0; i < g.types.size(); ++i) {
    s += std::string(" ") + DTypeName(g.types[i]) + "x" +
         std::to_string(g.rows[i]);
  }
  return s;
}

TEST(MatMulShared, EqualsSeparateMatMulsBitForBit) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  const std::vector<Group> groups = {
      // q/k/v-like: odd row counts, one matrix under a grain.
      {{DType::kQ4_0, DType::kQ4_0, DType::kQ4_0}, {301, 37, 9}, 288},
      // gate/up-like.
      {{DType::kQ8_0, DType::kQ8_0}, {200, 200}, 96},
      // Q8_0 activations shared by different row sizes (units of 16 vs 32).
      {{DType::kQ4_0, DType::kQ8_0, DType::kQ4_0}, {131, 77, 16}, 160},
      // Q8_K activations shared; Q8_0 + Q8_K not shared (separate calls).
      {{DType::kQ4_K, DType::kQ6_K, DType::kQ5_K}, {45, 19, 33}, 768},
      {{DType::kQ4_0, DType::kQ4_K}, {70, 21}, 256},
      // Float weights: no activation blocks.
      {{DType::kBF16, DType::kF32, DType::kF16}, {41, 64, 5}, 40},
      // More matrices than one dispatch takes.
      {{DType::kQ4_0, DType::kQ4_0, DType::kQ4_0, DType::kQ4_0, DType::kQ4_0},
       {17, 33, 48, 3, 64},
       64},
  };
  std::unique_ptr<ThreadPool> pools[] = {nullptr,
                                         std::make_unique<ThreadPool>(2),
                                         std::make_unique<ThreadPool>(3)};
  for (const Kernels* k : AvailableKernels()) {
    for (const Group& g : groups) {
      std::vector<TestMatrix> m;
      for (size_t i = 0; i < g.types.size(); ++i)
        m.emplace_back(g.types[i], g.rows[i], g.cols, rng);
      for (int64_t n : {1, 3, 21}) {
        std::vector<float> x(n * g.cols);  // [n, cols]
        for (auto& v : x) v = nd(rng);
        for (ActType act : {ActType::kQ8_0, ActType::kF32}) {
          size_t scratch_bytes = 0;
          for (const TestMatrix& t : m)
            scratch_bytes = std::max(
                scratch_bytes, MatMulScratchBytes(t.w.type, g.cols, n, act));
          std::vector<uint8_t> scratch(scratch_bytes);
          for (const auto& pool : pools) {
            const int threads = pool ? pool->size() : 1;
            std::vector<std::vector<float>> want(m.size()), got(m.size());
            std::vector<MatMulOut> outs;
            for (size_t i = 0; i < m.size(); ++i) {
              want[i].assign(n * g.rows[i], 0.f);  // [n, rows_i]
              got[i].assign(n * g.rows[i], -1.f);  // [n, rows_i]
              MatMul(*k, m[i].w, x.data(), n, want[i].data(), scratch.data(),
                     pool.get(), act);
              outs.push_back({&m[i].w, got[i].data()});
            }
            MatMulShared(*k, outs.data(), static_cast<int>(outs.size()),
                         x.data(), n, scratch.data(), pool.get(), act);
            for (size_t i = 0; i < m.size(); ++i) {
              ASSERT_EQ(got[i], want[i])
                  << Describe(*k, g, n, threads, act) << " matrix " << i;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgemma
