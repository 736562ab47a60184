// The K-quant x Q8_K kernels (q4_K, q5_K, q6_K) of every variant built here,
// against the scalar oracle on odd shapes (rows not a multiple of any tile,
// one to many super-blocks, token counts past every tile and pass of 64), with
// random and extreme block contents (every scale, min and quant at its
// largest, Q6_K scales at -128 / 127, activations at full int8 range); the
// scalar oracle itself against f32 math on the dequantized weights; the
// Q8_K activation quantizers against the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/ops.h"
#include "quant/quantize.h"
#include "tests/quant/variant_test.h"

namespace edgemma {
namespace {

constexpr DType kKTypes[] = {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

enum class Fill { kRandom, kExtreme };

// One K-quant super-block of random (or all-extreme) bytes with a sane f16
// super-scale. d and dmin are positive, so flipping the sign bit of dmin turns
// each weight d*sc*q - dmin*m into the magnitude bound d*sc*q + dmin*m.
void FillBlock(DType type, Fill fill, std::mt19937& rng, uint8_t* p) {
  const size_t bytes = BlockBytes(type);
  for (size_t i = 0; i < bytes; ++i) {
    p[i] = fill == Fill::kExtreme ? 0xff : static_cast<uint8_t>(rng());
  }
  std::uniform_real_distribution<float> ud(0.5f, 2.0f);
  const uint16_t d = F32ToF16(ud(rng) / 256.0f);
  const uint16_t dmin = F32ToF16(ud(rng) / 64.0f);
  if (type == DType::kQ6_K) {
    if (fill == Fill::kExtreme) {  // scales alternate -128 / 127
      for (int g = 0; g < 16; ++g) p[192 + g] = g % 2 ? 0x80 : 0x7f;
    }
    std::memcpy(p + 208, &d, 2);
  } else {
    std::memcpy(p, &d, 2);
    std::memcpy(p + 2, &dmin, 2);
  }
}

struct KMatrix {
  std::vector<uint8_t> storage;
  std::vector<float> dense;  // [rows, cols] dequantized weights
  std::vector<float> mag;    // [rows, cols] bound on each weight's terms
  WeightMatrix w;
};

KMatrix MakeKMatrix(DType type, int64_t rows, int64_t cols, Fill fill,
                    std::mt19937& rng) {
  KMatrix m;
  const size_t rb = RowBytes(type, cols).value();
  m.storage.assign(rb * rows + 64 + 2, 0);
  uint8_t* base = m.storage.data() + 2;  // rows never 4-byte aligned
  for (int64_t b = 0; b < rows * cols / kQKK; ++b) {
    FillBlock(type, fill, rng, base + b * BlockBytes(type));
  }
  m.w = WeightMatrix{type, rows, cols, base, rb};
  m.dense.resize(static_cast<size_t>(rows * cols));
  m.mag.resize(m.dense.size());
  std::vector<uint8_t> flipped(rb);
  for (int64_t r = 0; r < rows; ++r) {
    DequantizeRow(m.w, r, m.dense.data() + r * cols);
    std::memcpy(flipped.data(), base + r * rb, rb);
    for (int64_t b = 0; type != DType::kQ6_K && b < cols / kQKK; ++b) {
      flipped[b * BlockBytes(type) + 3] ^= 0x80;  // -dmin
    }
    EXPECT_TRUE(
        DequantizeRow(type, flipped.data(), cols, m.mag.data() + r * cols)
            .ok());
    for (int64_t c = 0; c < cols; ++c) {
      float& v = m.mag[r * cols + c];
      v = std::fabs(v);
    }
  }
  return m;
}

GemmQFn KFn(const Kernels& k, DType type, bool gemv) {
  switch (type) {
    case DType::kQ4_K:
      return gemv ? k.gemv_q4_K_q8_K : k.gemm_q4_K_q8_K;
    case DType::kQ5_K:
      return gemv ? k.gemv_q5_K_q8_K : k.gemm_q5_K_q8_K;
    default:
      return gemv ? k.gemv_q6_K_q8_K : k.gemm_q6_K_q8_K;
  }
}

class KQuantTest : public VariantTest {
 protected:
  std::mt19937 rng_{7};
  std::vector<float> Activations(int64_t n, Fill fill) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) {
      // Extreme: +-amax everywhere, so every int8 is +-127.
      v[i] = fill == Fill::kExtreme ? ((rng_() & 1) ? 3.0f : -3.0f) : nd(rng_);
    }
    return v;
  }
  // Runs the variant's kernel on rows split in two ranges (as MatMul's
  // threads split them) and the scalar kernel on all rows; checks they agree
  // within the f32 rounding of the per-super-block terms.
  void CheckShape(DType type, int64_t rows, int64_t cols, int64_t n, Fill fill);
};

void KQuantTest::CheckShape(DType type, int64_t rows, int64_t cols, int64_t n,
                            Fill fill) {
  const KMatrix m = MakeKMatrix(type, rows, cols, fill, rng_);
  const std::vector<float> x = Activations(n * cols, fill);
  const int64_t nb = cols / kQKK;
  const size_t xs = nb * sizeof(BlockQ8_K) + 4;  // padded stride
  std::vector<uint8_t> xq(xs * n + 4);
  uint8_t* xq0 = xq.data() + 4;
  for (int64_t t = 0; t < n; ++t) {
    kScalarKernels.quantize_q8_K(x.data() + t * cols, xq0 + t * xs, cols);
  }
  const int64_t ldy = rows + 3;
  std::vector<float> y(n * ldy, NAN), want(n * ldy, NAN);
  const auto* w = static_cast<const uint8_t*>(m.w.data);
  const GemmQFn fn = KFn(k(), type, n == 1);
  const int64_t split = rows / 2 + 1 < rows ? rows / 2 + 1 : rows;
  fn(w, m.w.row_bytes, 0, split, nb, xq0, xs, n, y.data(), ldy);
  fn(w, m.w.row_bytes, split, rows, nb, xq0, xs, n, y.data(), ldy);
  KFn(kScalarKernels, type, n == 1)(w, m.w.row_bytes, 0, rows, nb, xq0, xs, n,
                                    want.data(), ldy);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = 0; r < ldy; ++r) {
      const int64_t i = t * ldy + r;
      if (r >= rows) {
        ASSERT_TRUE(std::isnan(y[i])) << "wrote past the rows at " << i;
        continue;
      }
      double mag = 0;
      for (int64_t c = 0; c < cols; ++c) {
        mag += m.mag[r * cols + c] * std::fabs(x[t * cols + c]);
      }
      // Integer sums are identical; the f32 terms (a few per super-block)
      // are summed in another order. The Q8 rounding of x changes each term's
      // magnitude by at most 1/254: factor 2.
      const double tol = (4.0 * nb + 16) * FLT_EPSILON * 2 * mag + 1e-30;
      ASSERT_NEAR(y[i], want[i], tol)
          << DTypeName(type) << " rows " << rows << " cols " << cols << " n "
          << n << (fill == Fill::kExtreme ? " extreme" : "") << " at t " << t
          << " r " << r;
    }
  }
}

TEST_P(KQuantTest, GemvAndGemmMatchScalar) {
  const int64_t kRows[] = {1, 3, 5, 17, 33, 67};
  const int64_t kCols[] = {256, 768, 2560};
  const int64_t kTokens[] = {1, 2, 3, 4, 5, 9, 37, 70};
  for (DType type : kKTypes) {
    for (int64_t rows : kRows) {
      for (int64_t cols : kCols) {
        for (int64_t n : kTokens) {
          if (rows * cols * n > 700000) continue;  // keep the oracle fast
          CheckShape(type, rows, cols, n, Fill::kRandom);
        }
      }
    }
  }
}

TEST_P(KQuantTest, ExtremeBlocksMatchScalar) {
  for (DType type : kKTypes) {
    for (int64_t n : {1, 2, 5}) CheckShape(type, 7, 512, n, Fill::kExtreme);
  }
}

// The Q8_K quantizer of each variant gives the reference's bytes (random data
// has no exact .5 ties), including the 16-element sums.
TEST_P(KQuantTest, QuantizeQ8KMatchesReference) {
  for (int64_t n : {256, 512, 2816}) {
    std::vector<float> x = Activations(n + 1, Fill::kRandom);
    x[5] = 40.0f;  // one outlier sets the scale
    const size_t bytes = n / kQKK * sizeof(BlockQ8_K);
    std::vector<uint8_t> got(bytes + 1), want(bytes);
    k().quantize_q8_K(x.data() + 1, got.data() + 1, n);
    QuantizeQ8_KRef(x.data() + 1, want.data(), n);
    ASSERT_EQ(std::memcmp(got.data() + 1, want.data(), bytes), 0) << n;
  }
  std::vector<float> zeros(256, 0.0f);
  std::vector<uint8_t> q(sizeof(BlockQ8_K), 0xff);
  k().quantize_q8_K(zeros.data(), q.data(), 256);
  BlockQ8_K blk;
  std::memcpy(&blk, q.data(), sizeof(blk));
  EXPECT_EQ(blk.d, 0.0f);
  for (int8_t v : blk.qs) ASSERT_EQ(v, 0);
  for (int16_t s : blk.bsums) ASSERT_EQ(s, 0);
}

// The scalar oracle is exact up to f32 rounding: against a float64 product
// of the dequantized weights with the dequantized Q8_K activations (d * q).
TEST_P(KQuantTest, KernelEqualsDequantizedProductOfBothSides) {
  for (DType type : kKTypes) {
    const int64_t rows = 13, cols = 1024, n = 3, nb = cols / kQKK;
    const KMatrix m = MakeKMatrix(type, rows, cols, Fill::kRandom, rng_);
    const std::vector<float> x = Activations(n * cols, Fill::kRandom);
    std::vector<BlockQ8_K> xq(n * nb);
    for (int64_t t = 0; t < n; ++t) {
      QuantizeQ8_KRef(x.data() + t * cols, xq.data() + t * nb, cols);
    }
    std::vector<float> y(n * rows);
    const auto* xb = reinterpret_cast<const uint8_t*>(xq.data());
    KFn(k(), type, false)(static_cast<const uint8_t*>(m.w.data), m.w.row_bytes,
                          0, rows, nb, xb, nb * sizeof(BlockQ8_K), n, y.data(),
                          rows);
    for (int64_t t = 0; t < n; ++t) {
      for (int64_t r = 0; r < rows; ++r) {
        double ref = 0, mag = 0;
        for (int64_t c = 0; c < cols; ++c) {
          const BlockQ8_K& a = xq[t * nb + c / kQKK];
          const double xa = double{a.d} * a.qs[c % kQKK];
          ref += double{m.dense[r * cols + c]} * xa;
          mag += double{m.mag[r * cols + c]} * std::fabs(xa);
        }
        ASSERT_NEAR(y[t * rows + r], ref, (4.0 * nb + 16) * FLT_EPSILON * mag)
            << DTypeName(type) << " t " << t << " r " << r;
      }
    }
  }
}

// Through MatMul (the dispatch Linear uses): the Q8_K path against f32 math on
// the dequantized weights (within the int8 rounding of the activations), and
// ActType::kF32 (the dequantizing path) against the same to f32 rounding.
TEST_P(KQuantTest, MatMulMatchesDequantizedF32) {
  for (DType type : kKTypes) {
    for (int64_t n : {1, 6}) {
      const int64_t rows = 21, cols = 768;
      const KMatrix m = MakeKMatrix(type, rows, cols, Fill::kRandom, rng_);
      const std::vector<float> x = Activations(n * cols, Fill::kRandom);
      std::vector<uint8_t> scratch(MatMulScratchBytes(type, cols, n));
      ASSERT_EQ(scratch.size(), n * 3 * sizeof(BlockQ8_K));
      ASSERT_EQ(MatMulScratchBytes(type, cols, n, ActType::kF32), 0u);
      std::vector<float> y(n * rows), y32(n * rows);
      MatMul(k(), m.w, x.data(), n, y.data(), scratch.data(), nullptr);
      MatMul(k(), m.w, x.data(), n, y32.data(), nullptr, nullptr,
             ActType::kF32);
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t r = 0; r < rows; ++r) {
          // Each activation moves by at most amax / 254 when quantized.
          double ref = 0, mag = 0, wsum = 0;
          float amax = 0;
          for (int64_t c = 0; c < cols; ++c) {
            const float wc = m.dense[r * cols + c], xc = x[t * cols + c];
            ref += double{wc} * xc;
            mag += double{m.mag[r * cols + c]} * std::fabs(xc);
            wsum += std::fabs(wc);
            amax = std::max(amax, std::fabs(xc));
          }
          const double q8_tol =
              amax / 254.0 * wsum * 1.01 + 64 * FLT_EPSILON * mag;
          ASSERT_NEAR(y[t * rows + r], ref, q8_tol)
              << DTypeName(type) << " n " << n << " r " << r;
          ASSERT_NEAR(y32[t * rows + r], ref, (cols + 16) * FLT_EPSILON * mag)
              << DTypeName(type) << " n " << n << " r " << r;
        }
      }
    }
  }
}

EDGEMMA_INSTANTIATE_VARIANTS(KQuantTest);

}  // namespace
}  // namespace edgemma
