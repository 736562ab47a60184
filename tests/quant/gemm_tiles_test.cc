// The int8 prefill kernels (gemm_q4_0_q8_0, gemm_q8_0_q8_0) of every variant
// built here against the scalar oracle at every token count from 2 to 130 (the
// AMX kernel runs whole 16-token tiles and hands the rest to the AVX-512 one),
// on row ranges that start past 0 and are no multiple of 16, and odd block
// counts, including ones longer than the AMX kernel's 16-block window (7, 131
// blocks). The AMX kernel rounds to bf16: its tolerance is its stated bound
// (GemmQ8RelTol; measured worst 9e-4 of sum |w x|, against 1.6e-2). Variants
// this CPU cannot run are skipped.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/ops.h"
#include "quant/quantize.h"
#include "tests/quant/variant_test.h"

namespace edgemma {
namespace {

class GemmTilesTest : public VariantTest {
 protected:
  std::mt19937 rng_{7};
};

TEST_P(GemmTilesTest, EveryTokenCountMatchesScalar) {
  const Kernels& k = *GetParam();
  struct Case {
    int64_t rows, r0, r1, nb;
  };
  // [r0, r1): 43 rows (two 16-row tiles + 11), 48 rows (a 32-row step + one
  // 16-row tile), 7 rows (tail only); 131 blocks span nine AMX windows.
  for (const Case& c :
       {Case{50, 5, 48, 7}, Case{67, 17, 65, 131}, Case{12, 3, 10, 3}}) {
    for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
      const int64_t cols = c.nb * 32;
      const size_t rb = RowBytes(type, cols).value();
      std::normal_distribution<float> nd(0.0f, 1.0f);
      std::vector<float> dense(c.rows * cols);  // [rows, cols]
      for (float& v : dense) v = nd(rng_);
      std::vector<uint8_t> w(c.rows * rb);  // [rows, rb]
      for (int64_t r = 0; r < c.rows; ++r) {
        ASSERT_TRUE(QuantizeRow(type, &dense[r * cols], cols, &w[r * rb]).ok());
        ASSERT_TRUE(
            DequantizeRow(type, &w[r * rb], cols, &dense[r * cols]).ok());
      }
      const int64_t n_max = 130;
      std::vector<float> x(n_max * cols);  // [n_max, cols]
      for (float& v : x) v = nd(rng_);
      // Activation rows 2 bytes longer than their blocks (odd strides).
      const size_t xs = c.nb * sizeof(BlockQ8_0) + 2;
      std::vector<uint8_t> xq(n_max * xs);  // [n_max, xs]
      for (int64_t t = 0; t < n_max; ++t) {
        k.quantize_q8_0(&x[t * cols], &xq[t * xs], cols);
      }
      std::vector<double> mag(n_max * c.rows);  // [n_max, rows]
      for (int64_t t = 0; t < n_max; ++t) {
        for (int64_t r = 0; r < c.rows; ++r) {
          for (int64_t j = 0; j < cols; ++j) {
            mag[t * c.rows + r] +=
                std::fabs(dense[r * cols + j] * x[t * cols + j]);
          }
        }
      }
      const bool q4 = type == DType::kQ4_0;
      const GemmQFn gemm = q4 ? k.gemm_q4_0_q8_0 : k.gemm_q8_0_q8_0;
      const GemmQFn want_fn =
          q4 ? kScalarKernels.gemm_q4_0_q8_0 : kScalarKernels.gemm_q8_0_q8_0;
      // A token's result does not depend on n: one oracle call for all n.
      const int64_t ldy = c.rows + 3;
      std::vector<float> want(n_max * ldy, NAN);  // [n_max, ldy]
      want_fn(w.data(), rb, c.r0, c.r1, c.nb, xq.data(), xs, n_max, want.data(),
              ldy);
      for (int64_t n = 2; n <= n_max; ++n) {
        std::vector<float> y(n * ldy, NAN);  // [n, ldy]
        gemm(w.data(), rb, c.r0, c.r1, c.nb, xq.data(), xs, n, y.data(), ldy);
        for (int64_t t = 0; t < n; ++t) {
          for (int64_t r = 0; r < ldy; ++r) {
            const float got = y[t * ldy + r];
            if (r < c.r0 || r >= c.r1) {
              ASSERT_TRUE(std::isnan(got)) << "wrote outside [r0, r1) at " << r;
              continue;
            }
            // Same integer block sums, different float order (2 terms per
            // block), or amx's bf16 rounding (GemmQ8RelTol).
            const double tol =
                GemmQ8RelTol(k, c.nb) * mag[t * c.rows + r] + 1e-30;
            ASSERT_NEAR(got, want[t * ldy + r], tol)
                << k.name << " " << DTypeName(type) << " nb " << c.nb << " n "
                << n << " t " << t << " r " << r;
          }
        }
      }
    }
  }
}

EDGEMMA_INSTANTIATE_VARIANTS(GemmTilesTest);

}  // namespace
}  // namespace edgemma
