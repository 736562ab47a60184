// accum_rows_f32 (y += x . W with W row-major and a short reduction) of every
// built variant against a double-precision reference on odd shapes: column
// counts around the 4-vector blocks and the lane tail, token counts around the
// 2-token pairs, strides wider than the rows, misaligned pointers, and a
// nonzero y to accumulate into.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/ops.h"
#include "tests/quant/variant_test.h"

namespace edgemma {
namespace {

class AccumRowsTest : public VariantTest {
 protected:
  std::vector<float> Random(int64_t n) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = nd(rng_);
    return v;
  }
  std::mt19937 rng_{7};
};

TEST_P(AccumRowsTest, MatchesDoubleReference) {
  for (int64_t nk : {1, 3, 8, 17, 64}) {
    for (int64_t cols : {1, 7, 8, 16, 33, 64, 100, 257}) {
      for (int64_t n : {1, 2, 3, 5}) {
        const int64_t ws = cols + 3, ldx = nk + 1, ldy = cols + 5;
        // +1: every pointer is 4 bytes past the allocation's alignment.
        const std::vector<float> w = Random(nk * ws + 1),
                                 x = Random(n * ldx + 1);
        const std::vector<float> y0 = Random(n * ldy + 1);
        std::vector<float> y = y0;
        AccumRows(*GetParam(), w.data() + 1, ws, nk, cols, x.data() + 1, ldx, n,
                  y.data() + 1, ldy);
        for (int64_t t = 0; t < n; ++t) {
          for (int64_t c = 0; c < ldy; ++c) {
            const int64_t i = 1 + t * ldy + c;
            if (c >= cols) {  // past the row: untouched
              ASSERT_EQ(y[i], y0[i]) << t << " " << c;
              continue;
            }
            double want = y0[i], mag = std::fabs(y0[i]);
            for (int64_t k = 0; k < nk; ++k) {
              const double p = double{x[1 + t * ldx + k]} * w[1 + k * ws + c];
              want += p;
              mag += std::fabs(p);
            }
            ASSERT_NEAR(y[i], want, (nk + 2) * 1.2e-7 * mag)
                << GetParam()->name << " nk " << nk << " cols " << cols << " n "
                << n << " t " << t << " c " << c;
          }
        }
      }
    }
  }
}

EDGEMMA_INSTANTIATE_VARIANTS(AccumRowsTest);

}  // namespace
}  // namespace edgemma
