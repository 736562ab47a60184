// Every kernel variant built here, against the scalar oracle (matrix ops) and
// float64 references (vector ops), on odd shapes, tails and misaligned
// pointers. Variants this CPU cannot run are skipped.
#include "quant/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "quant/blocks.h"
#include "quant/ops.h"
#include "quant/quantize.h"
#include "tests/quant/variant_test.h"

namespace edgemma {
namespace {

class KernelsTest : public VariantTest {
 protected:
  std::mt19937 rng_{42};
  std::vector<float> Random(int64_t n, float scale = 1.0f) {
    std::normal_distribution<float> nd(0.0f, scale);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = nd(rng_);
    return v;
  }
};

const int64_t kRows[] = {1, 3, 17, 31, 33, 255, 257};
const int64_t kTokens[] = {1, 2, 3, 5, 8, 17};

// Quantized weights with `rows` x `cols`, stored 2 bytes past a 64-byte
// boundary (blocks are 18/34 bytes so rows are never 4-byte aligned anyway).
// Returns the matrix and its dequantized copy.
struct TestMatrix {
  std::vector<uint8_t> storage;
  std::vector<float> dense;  // [rows, cols] dequantized values
  WeightMatrix w;
};

TestMatrix MakeMatrix(DType type, int64_t rows, int64_t cols,
                      std::mt19937& rng) {
  TestMatrix m;
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> row(static_cast<size_t>(cols));
  const size_t rb = RowBytes(type, cols).value();
  const size_t offset = type == DType::kF32 ? 4 : 2;
  m.storage.assign(rb * rows + 64 + offset, 0);
  uint8_t* base = m.storage.data() + offset;
  m.dense.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = nd(rng);
    EXPECT_TRUE(QuantizeRow(type, row.data(), cols, base + r * rb).ok());
    EXPECT_TRUE(
        DequantizeRow(type, base + r * rb, cols, m.dense.data() + r * cols)
            .ok());
  }
  m.w = WeightMatrix{type, rows, cols, base, rb};
  return m;
}

// Every table is built from the scalar one by naming what it overrides, so no
// member may be left null, and the name must find the same table.
TEST_P(KernelsTest, TableFillsEveryMember) {
  const Kernels& t = k();
  const void* members[] = {
      reinterpret_cast<const void*>(t.runnable),
      reinterpret_cast<const void*>(t.quantize_q8_0),
      reinterpret_cast<const void*>(t.gemv_q4_0_q8_0),
      reinterpret_cast<const void*>(t.gemm_q4_0_q8_0),
      reinterpret_cast<const void*>(t.gemv_q8_0_q8_0),
      reinterpret_cast<const void*>(t.gemm_q8_0_q8_0),
      reinterpret_cast<const void*>(t.quantize_q8_K),
      reinterpret_cast<const void*>(t.gemv_q4_K_q8_K),
      reinterpret_cast<const void*>(t.gemm_q4_K_q8_K),
      reinterpret_cast<const void*>(t.gemv_q5_K_q8_K),
      reinterpret_cast<const void*>(t.gemm_q5_K_q8_K),
      reinterpret_cast<const void*>(t.gemv_q6_K_q8_K),
      reinterpret_cast<const void*>(t.gemm_q6_K_q8_K),
      reinterpret_cast<const void*>(t.gemm_f32_f32),
      reinterpret_cast<const void*>(t.gemm_f16_f32),
      reinterpret_cast<const void*>(t.gemm_bf16_f32),
      reinterpret_cast<const void*>(t.gemm_q4_0_f32),
      reinterpret_cast<const void*>(t.gemm_q8_0_f32),
      reinterpret_cast<const void*>(t.dot_f32),
      reinterpret_cast<const void*>(t.axpy_f32),
      reinterpret_cast<const void*>(t.dot_f16),
      reinterpret_cast<const void*>(t.axpy_f16),
      reinterpret_cast<const void*>(t.accum_rows_f32),
      reinterpret_cast<const void*>(t.f32_to_f16),
      reinterpret_cast<const void*>(t.f16_to_f32),
      reinterpret_cast<const void*>(t.rmsnorm),
      reinterpret_cast<const void*>(t.rope_neox_cossin),
      reinterpret_cast<const void*>(t.softmax),
      reinterpret_cast<const void*>(t.gelu_tanh),
      reinterpret_cast<const void*>(t.gelu_tanh_mul),
      reinterpret_cast<const void*>(t.softcap),
      reinterpret_cast<const void*>(t.scale),
      reinterpret_cast<const void*>(t.add),
      reinterpret_cast<const void*>(t.clamp),
  };
  for (size_t i = 0; i < std::size(members); ++i)
    EXPECT_NE(members[i], nullptr) << t.name << " member " << i;
  ASSERT_NE(t.name, nullptr);
  Result<const Kernels*> found = FindKernels(t.name);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value(), &t);
}

// Matrix products. Both sides quantize activations the same way (same formula
// for d and the reciprocal; SIMD rounding can differ only on exact .5 ties,
// absent in random data), so the integer block sums are identical and results
// differ only by float summation order. The error of a float sum of T terms is
// bounded by about T * eps * sum|terms|; T is cols for the float types and 2
// per block (convert, fused multiply-add) for the quantized ones. We allow (T +
// 16) * eps * M with M = sum_c |w_c x_c| computed from the dequantized values;
// amx's quantized prefill rounds to bf16 and gets its stated bound on top
// (GemmQ8RelTol).
TEST_P(KernelsTest, MatMulMatchesScalar) {
  const int64_t kCols[] = {32, 96, 544, 1056};
  const int64_t kOddCols[] = {1, 3, 17, 31, 33, 255, 257};
  for (DType type :
       {DType::kQ4_0, DType::kQ8_0, DType::kF32, DType::kF16, DType::kBF16}) {
    const bool q = IsBlockQuantized(type);
    for (int64_t cols :
         q ? std::vector<int64_t>(std::begin(kCols), std::end(kCols))
           : std::vector<int64_t>(std::begin(kOddCols), std::end(kOddCols))) {
      for (int64_t rows : kRows) {
        TestMatrix m = MakeMatrix(type, rows, cols, rng_);
        for (int64_t n : kTokens) {
          if (rows * cols * n > 2000000)
            continue;  // keep the scalar oracle fast
          // x starts 4 bytes past an aligned address.
          std::vector<float> xs = Random(n * cols + 1);
          const float* x = xs.data() + 1;
          std::vector<uint8_t> scratch(MatMulScratchBytes(type, cols, n) + 1);
          std::vector<float> y(n * rows, NAN), want(n * rows, NAN);
          MatMul(k(), m.w, x, n, y.data(), scratch.data() + 1, nullptr);
          MatMul(kScalarKernels, m.w, x, n, want.data(), scratch.data() + 1,
                 nullptr);
          const double rel =
              q ? GemmQ8RelTol(k(), cols / 32) : (cols + 16) * FLT_EPSILON;
          for (int64_t t = 0; t < n; ++t) {
            for (int64_t r = 0; r < rows; ++r) {
              double mag = 0;
              for (int64_t c = 0; c < cols; ++c) {
                mag += std::fabs(m.dense[r * cols + c] * x[t * cols + c]);
              }
              const double tol = rel * mag + 1e-30;
              ASSERT_NEAR(y[t * rows + r], want[t * rows + r], tol)
                  << DTypeName(type) << " rows " << rows << " cols " << cols
                  << " n " << n << " at t " << t << " r " << r;
            }
          }
        }
      }
    }
  }
}

// Shapes that cross the blocked kernels' internal boundaries: more tokens than
// one activation chunk (32 or 64 tokens), a row tile of 32 rows plus a tail
// shorter than 16 rows, windows of 128 blocks at 64 tokens, an activation table
// that holds fewer than 32 tokens (300 blocks), and a row longer than the table
// (8193 blocks, so the blocks are processed in windows), with row tails. Called
// directly on the kernel (several row ranges, the way MatMul's threads split
// them; n == 1 through the decode gemv member, also with short and long rows,
// and with 3109 rows, enough for several groups of row bands plus a partial
// tile) and through MatMul.
TEST_P(KernelsTest, QuantGemmLargeShapesMatchScalar) {
  struct Case {
    int64_t rows, cols, n;
  };
  for (const Case& c :
       {Case{33, 1056, 40}, Case{17, 9600, 37}, Case{3, 8193 * 32, 2},
        Case{19, 64, 70}, Case{21, 8193 * 32, 1}, Case{45, 4128, 130},
        Case{33, 1056, 1}, Case{19, 9600, 1}, Case{3109, 64, 1}}) {
    for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
      TestMatrix m = MakeMatrix(type, c.rows, c.cols, rng_);
      std::vector<float> x = Random(c.n * c.cols);
      std::vector<uint8_t> xq(MatMulScratchBytes(type, c.cols, c.n));
      for (int64_t t = 0; t < c.n; ++t) {
        k().quantize_q8_0(x.data() + t * c.cols,
                          xq.data() + t * (xq.size() / c.n), c.cols);
      }
      const bool q4 = type == DType::kQ4_0;
      const GemmQFn gemm = c.n == 1
                               ? (q4 ? k().gemv_q4_0_q8_0 : k().gemv_q8_0_q8_0)
                               : (q4 ? k().gemm_q4_0_q8_0 : k().gemm_q8_0_q8_0);
      const GemmQFn want_fn =
          q4 ? kScalarKernels.gemm_q4_0_q8_0 : kScalarKernels.gemm_q8_0_q8_0;
      const auto* w = static_cast<const uint8_t*>(m.w.data);
      const int64_t nb = c.cols / 32;
      const size_t xs = xq.size() / c.n;
      std::vector<float> y(c.n * c.rows, NAN), want(c.n * c.rows, NAN);
      const int64_t split = c.rows / 2;
      gemm(w, m.w.row_bytes, 0, split, nb, xq.data(), xs, c.n, y.data(),
           c.rows);
      gemm(w, m.w.row_bytes, split, c.rows, nb, xq.data(), xs, c.n, y.data(),
           c.rows);
      want_fn(w, m.w.row_bytes, 0, c.rows, nb, xq.data(), xs, c.n, want.data(),
              c.rows);
      // Same integer block sums, different float order: the bound of
      // MatMulMatchesScalar (2 terms per block).
      std::vector<double> tol(c.n * c.rows);
      for (int64_t t = 0; t < c.n; ++t) {
        for (int64_t r = 0; r < c.rows; ++r) {
          double mag = 0;
          for (int64_t j = 0; j < c.cols; ++j) {
            mag += std::fabs(m.dense[r * c.cols + j] * x[t * c.cols + j]);
          }
          tol[t * c.rows + r] = GemmQ8RelTol(k(), nb) * mag + 1e-30;
        }
      }
      for (int64_t i = 0; i < c.n * c.rows; ++i) {
        ASSERT_NEAR(y[i], want[i], tol[i])
            << DTypeName(type) << " rows " << c.rows << " cols " << c.cols
            << " n " << c.n << " at " << i;
      }
      std::vector<uint8_t> scratch(xq.size());
      MatMul(k(), m.w, x.data(), c.n, y.data(), scratch.data(), nullptr);
      for (int64_t i = 0; i < c.n * c.rows; ++i) {
        ASSERT_NEAR(y[i], want[i], tol[i])
            << "MatMul " << DTypeName(type) << " at " << i;
      }
    }
  }
}

// Float weights (f32/f16/bf16) the way attention calls them: more tokens than
// one pass (32), row ranges split in two (odd split), activation and output
// strides larger than cols and rows (ldx, ldy), column counts with every tail
// of a 16- or 8-wide vector, against the scalar oracle with the bound of
// MatMulMatchesScalar (cols terms).
TEST_P(KernelsTest, FloatGemmStridedLargeShapesMatchScalar) {
  struct Case {
    int64_t rows, cols, n;
  };
  // Rows longer than one 1024-column panel of the AVX-512 kernel (P . V over
  // a long cache): 2100 = 2 panels + a 52-column one. cols == 0 (P . V over no
  // cache slots) must write zeros. 1-8 tokens (decode attention: one KV head's
  // query rows) take the AVX-512 direct tiles: rows that are not a multiple of
  // their 6- or 8-row tiles, columns not a multiple of a cache line.
  for (const Case& c :
       {Case{37, 256, 70}, Case{9, 527, 33}, Case{130, 15, 41},
        Case{6, 512, 64}, Case{513, 40, 5}, Case{13, 2100, 8}, Case{11, 0, 7},
        Case{25, 77, 4}, Case{19, 33, 3}, Case{7, 300, 1}, Case{23, 48, 2},
        Case{17, 256, 6}, Case{5, 1030, 4}}) {
    for (DType type : {DType::kF32, DType::kF16, DType::kBF16}) {
      TestMatrix m = MakeMatrix(type, c.rows, c.cols, rng_);
      const int64_t ldx = c.cols + 3, ldy = c.rows + 5;
      std::vector<float> x = Random(c.n * ldx);
      const GemmFFn gemm = type == DType::kF32   ? k().gemm_f32_f32
                           : type == DType::kF16 ? k().gemm_f16_f32
                                                 : k().gemm_bf16_f32;
      const GemmFFn want_fn = type == DType::kF32 ? kScalarKernels.gemm_f32_f32
                              : type == DType::kF16
                                  ? kScalarKernels.gemm_f16_f32
                                  : kScalarKernels.gemm_bf16_f32;
      const auto* w = static_cast<const uint8_t*>(m.w.data);
      std::vector<float> y(c.n * ldy, NAN), want(c.n * ldy, NAN);
      const int64_t split = c.rows / 2 + 1;
      gemm(w, m.w.row_bytes, 0, split, c.cols, x.data(), ldx, c.n, y.data(),
           ldy);
      gemm(w, m.w.row_bytes, split, c.rows, c.cols, x.data(), ldx, c.n,
           y.data(), ldy);
      want_fn(w, m.w.row_bytes, 0, c.rows, c.cols, x.data(), ldx, c.n,
              want.data(), ldy);
      for (int64_t t = 0; t < c.n; ++t) {
        for (int64_t r = 0; r < ldy; ++r) {
          const int64_t i = t * ldy + r;
          if (r >= c.rows) {  // between rows: never written
            ASSERT_TRUE(std::isnan(y[i])) << DTypeName(type) << " at " << i;
            continue;
          }
          double mag = 0;
          for (int64_t j = 0; j < c.cols; ++j) {
            mag += std::fabs(m.dense[r * c.cols + j] * x[t * ldx + j]);
          }
          const double tol = (c.cols + 16) * FLT_EPSILON * mag + 1e-30;
          ASSERT_NEAR(y[i], want[i], tol)
              << DTypeName(type) << " rows " << c.rows << " cols " << c.cols
              << " n " << c.n << " at t " << t << " r " << r;
        }
      }
    }
  }
}

// The quantized x f32 kernels (exact path) against the scalar oracle and a
// float64 product with the dequantized weights, called directly on row ranges
// split the way MatMul's threads split them, with an activation stride larger
// than cols (ldx), odd rows and tokens (every tile tail), more tokens than one
// pass (32) and a long row; then through MatMul with ActType::kF32 (no
// scratch). Both f32 sums have cols terms: tolerance (cols + 16) * eps *
// sum|w x|, as for the float weights.
TEST_P(KernelsTest, QuantF32GemmMatchesScalarAndFloat64) {
  struct Case {
    int64_t rows, cols, n;
  };
  for (const Case& c :
       {Case{1, 32, 1}, Case{3, 96, 2}, Case{17, 544, 5}, Case{31, 1056, 3},
        Case{33, 64, 40}, Case{257, 96, 1}, Case{9, 288, 17},
        Case{5, 8193 * 32, 2}, Case{19, 160, 70}}) {
    for (DType type : {DType::kQ4_0, DType::kQ8_0}) {
      TestMatrix m = MakeMatrix(type, c.rows, c.cols, rng_);
      const int64_t ldx = c.cols + 3;
      std::vector<float> xs = Random(c.n * ldx + 1);
      const float* x = xs.data() + 1;  // misaligned by 4 bytes
      const bool q4 = type == DType::kQ4_0;
      const GemmFFn gemm = q4 ? k().gemm_q4_0_f32 : k().gemm_q8_0_f32;
      const GemmFFn oracle =
          q4 ? kScalarKernels.gemm_q4_0_f32 : kScalarKernels.gemm_q8_0_f32;
      const auto* w = static_cast<const uint8_t*>(m.w.data);
      const int64_t ldy = c.rows + 1;
      std::vector<float> y(c.n * ldy, NAN), want(c.n * ldy, NAN);
      const int64_t split = c.rows / 2;
      gemm(w, m.w.row_bytes, 0, split, c.cols, x, ldx, c.n, y.data(), ldy);
      gemm(w, m.w.row_bytes, split, c.rows, c.cols, x, ldx, c.n, y.data(), ldy);
      oracle(w, m.w.row_bytes, 0, c.rows, c.cols, x, ldx, c.n, want.data(),
             ldy);
      for (int64_t t = 0; t < c.n; ++t) {
        for (int64_t r = 0; r < c.rows; ++r) {
          double mag = 0, ref = 0;
          for (int64_t j = 0; j < c.cols; ++j) {
            const double p = double{m.dense[r * c.cols + j]} * x[t * ldx + j];
            mag += std::fabs(p);
            ref += p;
          }
          const double tol = (c.cols + 16) * FLT_EPSILON * mag + 1e-30;
          ASSERT_NEAR(y[t * ldy + r], want[t * ldy + r], 2 * tol)
              << DTypeName(type) << " rows " << c.rows << " cols " << c.cols
              << " n " << c.n << " at t " << t << " r " << r;
          ASSERT_NEAR(y[t * ldy + r], ref, tol) << DTypeName(type);
          ASSERT_TRUE(std::isnan(y[t * ldy + c.rows]));  // ldy padding
        }
      }
      // Through MatMul: dense x (ldx == cols), no scratch needed.
      ASSERT_EQ(MatMulScratchBytes(type, c.cols, c.n, ActType::kF32), 0u);
      std::vector<float> xd(c.n * c.cols), yd(c.n * c.rows, NAN);
      for (int64_t t = 0; t < c.n; ++t) {
        std::memcpy(xd.data() + t * c.cols, x + t * ldx, 4 * c.cols);
      }
      MatMul(k(), m.w, xd.data(), c.n, yd.data(), nullptr, nullptr,
             ActType::kF32);
      for (int64_t t = 0; t < c.n; ++t) {
        for (int64_t r = 0; r < c.rows; ++r) {
          ASSERT_EQ(yd[t * c.rows + r], y[t * ldy + r])
              << "MatMul " << DTypeName(type) << " t " << t << " r " << r;
        }
      }
    }
  }
}

// Activation quantization must be bit-identical to the reference except on
// exact ties. Magnitudes whose block scales are normal, subnormal, underflow
// and overflow as f16 (the scale's f32 -> f16 rounding is part of the bits).
TEST_P(KernelsTest, QuantizeQ8_0MatchesReference) {
  for (float mag : {3.0f, 2e-4f, 1e-9f, 3e7f}) {
    for (int64_t n : {32, 64, 96, 1056}) {
      std::vector<float> x = Random(n + 1, mag);
      x[5] = 0;  // one all-zero block
      std::fill(x.begin() + 1, x.begin() + 33, 0.0f);
      std::vector<uint8_t> got(n / 32 * 34 + 1), want(n / 32 * 34);
      k().quantize_q8_0(x.data() + 1, got.data() + 1, n);
      QuantizeQ8_0Ref(x.data() + 1, want.data(), n);
      EXPECT_EQ(0, std::memcmp(got.data() + 1, want.data(), want.size()))
          << n << " magnitude " << mag;
    }
  }
}

double DotRef(const float* a, const float* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}
double AbsDot(const float* a, const float* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += std::fabs(static_cast<double>(a[i]) * b[i]);
  return s;
}

// Vector ops vs float64. Sums of n products: error <= n * eps * sum|terms| (any
// order). Element-wise ops: a few ulp relative plus an absolute floor of 1e-6
// (tanh/exp based ones may use approximations with <= 1e-6 absolute error on
// values of order 1).
TEST_P(KernelsTest, VectorOpsMatchFloat64) {
  for (int64_t n : {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 255, 257, 1000}) {
    std::vector<float> a = Random(n + 1), b = Random(n + 1);
    const float* pa = a.data() + 1;  // misaligned by 4 bytes
    const float* pb = b.data() + 1;
    const double tol_sum = (n + 4) * FLT_EPSILON * AbsDot(pa, pb, n);
    EXPECT_NEAR(k().dot_f32(pa, pb, n), DotRef(pa, pb, n), tol_sum) << n;

    std::vector<uint16_t> h(n + 1);
    std::vector<float> hf(n);
    for (int64_t i = 0; i < n; ++i) {
      h[i + 1] = F32ToF16(pb[i]);
      hf[i] = F16ToF32(h[i + 1]);
    }
    EXPECT_NEAR(k().dot_f16(pa, h.data() + 1, n), DotRef(pa, hf.data(), n),
                tol_sum * 1.01)
        << n;

    std::vector<float> y(pb, pb + n), y16(pb, pb + n);
    k().axpy_f32(0.75f, pa, y.data(), n);
    k().axpy_f16(-1.25f, h.data() + 1, y16.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(y[i], pb[i] + 0.75 * pa[i],
                  2e-7 * (std::fabs(pb[i]) + std::fabs(pa[i])));
      ASSERT_NEAR(y16[i], pb[i] - 1.25 * hf[i],
                  3e-7 * (std::fabs(pb[i]) + std::fabs(hf[i])));
    }

    std::vector<uint16_t> conv(n);
    std::vector<float> back(n);
    k().f32_to_f16(pa, conv.data(), n);
    k().f16_to_f32(conv.data(), back.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(conv[i], F32ToF16(pa[i])) << i;
      ASSERT_EQ(back[i], F16ToF32(conv[i])) << i;
    }

    // rmsnorm with and without weight, in place.
    const float eps = 1e-6f;
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(pa[i]) * pa[i];
    const double inv = 1.0 / std::sqrt(ss / n + eps);
    std::vector<float> r(pa, pa + n), rw(n);
    k().rmsnorm(r.data(), nullptr, n, eps, r.data());
    k().rmsnorm(pa, pb, n, eps, rw.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(r[i], pa[i] * inv, 4e-6 * std::fabs(pa[i] * inv) + 1e-7);
      ASSERT_NEAR(rw[i], pa[i] * inv * pb[i],
                  4e-6 * std::fabs(pa[i] * inv * pb[i]) + 1e-7);
    }

    std::vector<float> g(n), gm(pa, pa + n), sc(pa, pa + n), s(pa, pa + n),
        ad(pb, pb + n);
    k().gelu_tanh(pa, n, g.data());
    k().gelu_tanh_mul(gm.data(), pb, n);
    k().softcap(sc.data(), n, 0.5f);
    k().scale(s.data(), n, 3.0f);
    k().add(pa, ad.data(), n);
    std::vector<float> cl(n);
    k().clamp(pa, n, -0.25f, 0.5f, cl.data());
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(cl[i], std::min(std::max(pa[i], -0.25f), 0.5f)) << i;
    for (int64_t i = 0; i < n; ++i) {
      const double v = pa[i];
      const double gelu =
          0.5 * v *
          (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
      ASSERT_NEAR(g[i], gelu, 1e-6 + 4e-7 * std::fabs(gelu)) << i;
      ASSERT_NEAR(gm[i], gelu * pb[i],
                  (1e-6 + 4e-7 * std::fabs(gelu)) * std::fabs(pb[i]) + 1e-7);
      ASSERT_NEAR(sc[i], 0.5 * std::tanh(v / 0.5), 1e-6) << i;
      ASSERT_EQ(s[i], pa[i] * 3.0f);
      ASSERT_EQ(ad[i], pa[i] + pb[i]);
    }

    // Softmax over values spanning a wide range (stability).
    std::vector<float> sm = Random(n, 20.0f);
    std::vector<double> e(n);
    double mx = sm[0], sum = 0;
    for (int64_t i = 0; i < n; ++i)
      mx = std::max(mx, static_cast<double>(sm[i]));
    for (int64_t i = 0; i < n; ++i) sum += e[i] = std::exp(sm[i] - mx);
    k().softmax(sm.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(sm[i], e[i] / sum, 1e-6 + 1e-5 * e[i] / sum);
  }
}

double GeluRef(double v) {
  return 0.5 * v *
         (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
}

// Transcendental ops on odd lengths (every tail), with inputs that include
// saturating magnitudes (|x| = 20, 100, 1e4) and -inf in softmax (masked
// scores): results stay finite, gelu saturates to x or 0, softmax gives 0.
TEST_P(KernelsTest, GeluSoftmaxSaturateOnOddLengths) {
  const float kSpecial[] = {20.0f, -20.0f, 100.0f, -100.0f, 1e4f, -1e4f,
                            0.0f,  -5.5f,  3.25f,  -0.1f,   9.0f, -9.0f};
  for (int64_t n : {1, 3, 17, 31, 33, 255, 257}) {
    std::vector<float> x = Random(n + 1, 4.0f), b = Random(n + 1);
    for (int64_t i = 0; i < n; i += 3) x[i + 1] = kSpecial[(i / 3) % 12];
    const float* px = x.data() + 1;  // misaligned by 4 bytes
    const float* pb = b.data() + 1;
    std::vector<float> g(n), gm(px, px + n);
    k().gelu_tanh(px, n, g.data());
    k().gelu_tanh_mul(gm.data(), pb, n);
    for (int64_t i = 0; i < n; ++i) {
      const double ref = GeluRef(px[i]);
      ASSERT_NEAR(g[i], ref, 1e-6 + 4e-7 * std::fabs(ref)) << n << " " << i;
      ASSERT_NEAR(gm[i], ref * pb[i],
                  (1e-6 + 4e-7 * std::fabs(ref)) * std::fabs(pb[i]) + 1e-7)
          << n << " " << i;
    }

    std::vector<float> sm(px, px + n);
    for (int64_t i = 1; i < n; i += 5) sm[i] = -INFINITY;
    std::vector<double> e(n);
    double mx = -INFINITY, sum = 0;
    for (float v : sm) mx = std::max(mx, static_cast<double>(v));
    for (int64_t i = 0; i < n; ++i) sum += e[i] = std::exp(sm[i] - mx);
    k().softmax(sm.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_NEAR(sm[i], e[i] / sum, 1e-7 + 4e-6 * e[i] / sum) << n << " " << i;
  }
}

TEST_P(KernelsTest, RopeMatchesFloat64) {
  for (int64_t hd : {2, 8, 64, 256, 512}) {
    std::vector<float> x = Random(hd), c(hd / 2), s(hd / 2);
    for (int64_t j = 0; j < hd / 2; ++j) {
      c[j] = static_cast<float>(std::cos(0.37 * j + 1));
      s[j] = static_cast<float>(std::sin(0.37 * j + 1));
    }
    std::vector<float> got = x;
    k().rope_neox_cossin(got.data(), hd, c.data(), s.data());
    for (int64_t j = 0; j < hd / 2; ++j) {
      const double a = x[j], b = x[j + hd / 2];
      const double tol = 2e-7 * (std::fabs(a) + std::fabs(b));
      ASSERT_NEAR(got[j], a * c[j] - b * s[j], tol);
      ASSERT_NEAR(got[j + hd / 2], b * c[j] + a * s[j], tol);
    }
  }
}

// RMSNorm at model widths with inputs that all share one sign and magnitude
// (the worst case for a long f32 sum: every partial sum grows), and softcap
// over logits from tiny to saturating, +-inf included, at the Gemma 4 cap.
TEST_P(KernelsTest, RmsNormSoftcapMatchFloat64AtModelWidths) {
  double worst_norm = 0, worst_cap = 0;
  for (int64_t n : {1536, 2048, 2560, 2561, 10240}) {
    std::vector<float> x = Random(n, 0.5f), w = Random(n);
    for (float& v : x) v += 300.0f;
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double inv = 1.0 / std::sqrt(ss / n + 1e-6);
    std::vector<float> y(n);
    k().rmsnorm(x.data(), w.data(), n, 1e-6f, y.data());
    for (int64_t i = 0; i < n; ++i) {
      const double ref = x[i] * inv * w[i];
      const double err = std::fabs(y[i] - ref) / (std::fabs(ref) + 1e-30);
      worst_norm = std::max(worst_norm, err);
      ASSERT_LE(err, 3e-7) << n << " " << i;
    }
  }
  for (float cap : {30.0f, 0.5f}) {
    const int64_t n = 4099;
    std::vector<float> x = Random(n, 3.0f * cap);
    for (int64_t i = 0; i < n; i += 7) x[i] *= 1e-4f;
    x[1] = INFINITY;
    x[2] = -INFINITY;
    x[3] = 1e30f;
    x[4] = -50.0f * cap;
    std::vector<float> y = x;
    k().softcap(y.data(), n, cap);
    for (int64_t i = 0; i < n; ++i) {
      const double ref = cap * std::tanh(static_cast<double>(x[i]) / cap);
      const double err = std::fabs(y[i] - ref);
      worst_cap = std::max(worst_cap, err / cap);
      ASSERT_LE(err, 4e-7 * cap) << cap << " " << x[i];
    }
  }
  RecordProperty("rmsnorm_max_rel_err",
                 std::to_string(worst_norm * 1e9) + "e-9");
  RecordProperty("softcap_max_err_over_cap",
                 std::to_string(worst_cap * 1e9) + "e-9");
}

EDGEMMA_INSTANTIATE_VARIANTS(KernelsTest);

}  // namespace
}  // namespace edgemma
