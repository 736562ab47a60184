// Block formats: f16/bf16 conversions, reference quantizers, Q4_K/Q6_K
// dequantization checked against blocks packed by hand here (independently of
// quant/quantize.cc).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "quant/blocks.h"
#include "quant/quantize.h"
#include "quant/types.h"

namespace edgemma {
namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// Value of a finite half computed from its definition (independent of
// F16ToF32).
double HalfValue(uint16_t h) {
  const int e = (h >> 10) & 31;
  const int m = h & 1023;
  const double v = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return (h & 0x8000) ? -v : v;
}

TEST(F16, AllHalvesDecodeExactlyAndRoundTrip) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = F16ToF32(static_cast<uint16_t>(h));
    const int e = (h >> 10) & 31;
    if (e == 31) {
      if ((h & 1023) == 0) {
        EXPECT_TRUE(std::isinf(f)) << h;
      } else {
        EXPECT_TRUE(std::isnan(f)) << h;
        EXPECT_TRUE(std::isnan(F16ToF32(F32ToF16(f))));
      }
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), HalfValue(static_cast<uint16_t>(h))) << h;
    ASSERT_EQ(F32ToF16(f), h) << h;
  }
}

TEST(F16, RoundsToNearestEvenIncludingSubnormalsAndOverflow) {
  // For every pair of adjacent positive finite halves, the f32 midpoint must
  // round to the even one and the f32 values just around it to the nearer one.
  for (uint16_t h = 0; h < 0x7bff; ++h) {
    const float lo = F16ToF32(h), hi = F16ToF32(static_cast<uint16_t>(h + 1));
    const float mid = static_cast<float>((static_cast<double>(lo) + hi) / 2);
    ASSERT_EQ(static_cast<double>(mid),
              (static_cast<double>(lo) + hi) / 2);  // exact in f32
    ASSERT_EQ(F32ToF16(mid), (h & 1) ? h + 1 : h) << h;
    ASSERT_EQ(F32ToF16(std::nextafter(mid, 0.0f)), h) << h;
    ASSERT_EQ(F32ToF16(std::nextafter(mid, 1e9f)), h + 1) << h;
    ASSERT_EQ(F32ToF16(-mid), ((h & 1) ? h + 1 : h) | 0x8000) << h;
  }
  EXPECT_EQ(F32ToF16(65504.0f), 0x7bff);
  EXPECT_EQ(F32ToF16(65519.99f), 0x7bff);
  EXPECT_EQ(F32ToF16(65520.0f),
            0x7c00);  // tie with the (odd) max rounds to inf
  EXPECT_EQ(F32ToF16(1e10f), 0x7c00);
  EXPECT_EQ(F32ToF16(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(F32ToF16(std::ldexp(1.0f, -25)), 0);  // tie with 0 -> 0
  EXPECT_EQ(F32ToF16(std::ldexp(1.5f, -25)),
            1);  // above the tie -> min subnormal
  EXPECT_EQ(F32ToF16(std::ldexp(1.0f, -30)), 0);
  EXPECT_EQ(F32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(F32ToF16(std::numeric_limits<float>::quiet_NaN()) & 0x7c00, 0x7c00);
  EXPECT_NE(F32ToF16(std::numeric_limits<float>::quiet_NaN()) & 0x3ff, 0);
  EXPECT_NE(F32ToF16(FromBits(0x7f800001u)) & 0x3ff,
            0);  // signalling nan stays nan
}

TEST(BF16, RoundsToNearestEvenAndKeepsNan) {
  EXPECT_EQ(F32ToBF16(1.0f), 0x3f80);
  EXPECT_EQ(F32ToBF16(FromBits(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(F32ToBF16(FromBits(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(F32ToBF16(FromBits(0x3f808001u)), 0x3f81);
  EXPECT_EQ(F32ToBF16(FromBits(0x3f807fffu)), 0x3f80);
  EXPECT_EQ(F32ToBF16(FromBits(0x7f7fffffu)),
            0x7f80);  // max float rounds to inf
  EXPECT_EQ(F32ToBF16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(F32ToBF16(FromBits(0x00000001u)),
            0x0000);  // subnormal rounds to zero
  EXPECT_EQ(F32ToBF16(FromBits(0x00018000u)), 0x0002);  // subnormal tie to even
  const uint16_t nan =
      F32ToBF16(FromBits(0xff800001u));  // payload only in low bits
  EXPECT_TRUE(std::isnan(BF16ToF32(nan)));
  EXPECT_EQ(nan & 0x8000, 0x8000);
  for (uint32_t b = 0; b < 65536; ++b) {
    const float f = BF16ToF32(static_cast<uint16_t>(b));
    EXPECT_EQ(Bits(f), b << 16);
    if (!std::isnan(f)) {
      ASSERT_EQ(F32ToBF16(f), b);
    }
  }
}

TEST(Types, TablesMatchGguf) {
  EXPECT_EQ(BlockBytes(DType::kQ4_0), 18u);
  EXPECT_EQ(BlockBytes(DType::kQ8_0), 34u);
  EXPECT_EQ(BlockBytes(DType::kQ4_K), 144u);
  EXPECT_EQ(BlockBytes(DType::kQ6_K), 210u);
  EXPECT_EQ(BlockElems(DType::kQ6_K), 256);
  EXPECT_STREQ(DTypeName(DType::kBF16), "bf16");
  EXPECT_STREQ(DTypeName(static_cast<DType>(99)), "unknown");
  EXPECT_TRUE(IsKnownDType(30));
  EXPECT_FALSE(IsKnownDType(3));
  EXPECT_EQ(RowBytes(DType::kQ4_0, 64).value(), 36u);
  EXPECT_FALSE(RowBytes(DType::kQ4_0, 33).ok());
  EXPECT_EQ(RowBytes(DType::kBF16, 3).value(), 6u);
}

TEST(Quantize, RejectsBadLengthAndReadOnlyTypes) {
  float x[64] = {};
  uint8_t buf[512];
  EXPECT_EQ(QuantizeRow(DType::kQ4_0, x, 33, buf).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(QuantizeRow(DType::kQ4_K, x, 256, buf).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(QuantizeRow(DType::kI8, x, 4, buf).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(DequantizeRow(DType::kQ6_K, buf, 255, x).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(QuantizeRow(DType::kF16, x, 3, buf).ok());
}

TEST(Quantize, HandComputedBlocks) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16);
  BlockQ4_0 q4;
  ASSERT_TRUE(QuantizeRow(DType::kQ4_0, x, 32, &q4).ok());
  // max |x| is -16 at j = 0 -> d = 2, q = min(15, trunc(x / 2 + 8.5)).
  EXPECT_EQ(q4.d, F32ToF16(2.0f));
  EXPECT_EQ(q4.qs[0], 0x00 | (8 << 4));  // x=-16 -> 0 ; x=0 -> trunc(8.5) = 8
  EXPECT_EQ(q4.qs[1], 0x01 | (9 << 4));  // x=-15 -> trunc(1.0) = 1 ; x=1 -> 9
  EXPECT_EQ(q4.qs[15],
            0x08 | (15 << 4));  // x=-1 -> trunc(8.0) = 8 ; x=15 -> min(15, 16)
  BlockQ8_0 q8;
  ASSERT_TRUE(QuantizeRow(DType::kQ8_0, x, 32, &q8).ok());
  EXPECT_EQ(q8.d, F32ToF16(16.0f / 127.0f));
  EXPECT_EQ(q8.qs[0], -127);
  EXPECT_EQ(q8.qs[17], 8);    // round(1 * 127 / 16 = 7.94)
  EXPECT_EQ(q8.qs[31], 119);  // round(15 * 7.9375 = 119.06)
}

// Round-trip bounds. Q8_0: |x - q*d16| <= d/2 (rounding) + 127 * |d - d16| (f16
// scale, relative error <= 2^-11) <= 0.57 d. Q4_0: unclipped elements <= |d|/2
// + 8 |d| 2^-11; the clip at 15 (values near +8|d|) adds up to |d| -> per
// element <= 1.01 |d|.
TEST(Quantize, RoundTripErrorBounds) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const int n = 32 * 64;
  std::vector<float> x(n), y(n);
  for (auto& v : x) v = nd(rng) * (rng() % 2 ? 1e-3f : 3.0f);
  std::vector<uint8_t> buf(n * 4);
  for (DType t :
       {DType::kQ8_0, DType::kQ4_0, DType::kF16, DType::kBF16, DType::kF32}) {
    ASSERT_TRUE(QuantizeRow(t, x.data(), n, buf.data()).ok());
    ASSERT_TRUE(DequantizeRow(t, buf.data(), n, y.data()).ok());
    for (int b = 0; b < n / 32; ++b) {
      float amax = 0;
      for (int j = 0; j < 32; ++j)
        amax = std::fmax(amax, std::fabs(x[b * 32 + j]));
      for (int j = 0; j < 32; ++j) {
        const int i = b * 32 + j;
        const float err = std::fabs(x[i] - y[i]);
        float bound = 0;
        if (t == DType::kQ8_0) bound = 0.57f * amax / 127;
        if (t == DType::kQ4_0) bound = 1.01f * amax / 8;
        if (t == DType::kF16) bound = std::fabs(x[i]) * 0x1p-11f + 0x1p-25f;
        if (t == DType::kBF16) bound = std::fabs(x[i]) * 0x1p-8f;
        ASSERT_LE(err, bound) << DTypeName(t) << " at " << i;
      }
    }
  }
}

// Packs Q4_K sub-block (scale, min) pairs exactly as GGUF's layout describes.
void PackQ4KScales(const int sc[8], const int mn[8], uint8_t out[12]) {
  std::memset(out, 0, 12);
  for (int k = 0; k < 4; ++k) {
    out[k] = static_cast<uint8_t>(sc[k] | ((sc[k + 4] >> 4) << 6));
    out[k + 4] = static_cast<uint8_t>(mn[k] | ((mn[k + 4] >> 4) << 6));
    out[k + 8] =
        static_cast<uint8_t>((sc[k + 4] & 15) | ((mn[k + 4] & 15) << 4));
  }
}

TEST(Dequantize, Q4KHandBuiltBlock) {
  std::mt19937 rng(3);
  BlockQ4_K blk;
  int sc[8], mn[8], q[256];
  for (int k = 0; k < 8; ++k) {
    sc[k] = static_cast<int>(rng() % 64);
    mn[k] = static_cast<int>(rng() % 64);
  }
  sc[5] = 63, mn[6] = 63, mn[7] = 48;  // exercise the high bits
  for (int& v : q) v = static_cast<int>(rng() % 16);
  blk.d = F32ToF16(0.125f);
  blk.dmin = F32ToF16(0.0625f);
  PackQ4KScales(sc, mn, blk.scales);
  std::memset(blk.qs, 0, 128);
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32, l = i % 32, byte = 32 * (s / 2) + l;
    blk.qs[byte] |= static_cast<uint8_t>(s % 2 ? q[i] << 4 : q[i]);
  }
  std::vector<float> y(256);
  ASSERT_TRUE(DequantizeRow(DType::kQ4_K, &blk, 256, y.data()).ok());
  for (int i = 0; i < 256; ++i) {
    const float want = 0.125f * sc[i / 32] * q[i] - 0.0625f * mn[i / 32];
    ASSERT_EQ(y[i], want) << i;
  }
}

TEST(Dequantize, Q5KHandBuiltBlock) {
  std::mt19937 rng(4);
  BlockQ5_K blk;
  int sc[8], mn[8], q[256];
  for (int k = 0; k < 8; ++k) {
    sc[k] = static_cast<int>(rng() % 64);
    mn[k] = static_cast<int>(rng() % 64);
  }
  sc[4] = 63, mn[7] = 63;
  for (int& v : q) v = static_cast<int>(rng() % 32);
  q[0] = 31, q[255] = 16;
  blk.d = F32ToF16(0.25f);
  blk.dmin = F32ToF16(0.125f);
  PackQ4KScales(sc, mn, blk.scales);
  std::memset(blk.qs, 0, 128);
  std::memset(blk.qh, 0, 32);
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32, l = i % 32, byte = 32 * (s / 2) + l;
    blk.qs[byte] |= static_cast<uint8_t>(s % 2 ? (q[i] & 15) << 4 : q[i] & 15);
    blk.qh[l] |= static_cast<uint8_t>((q[i] >> 4) << s);
  }
  std::vector<float> y(256);
  ASSERT_TRUE(DequantizeRow(DType::kQ5_K, &blk, 256, y.data()).ok());
  for (int i = 0; i < 256; ++i) {
    const float want = 0.25f * sc[i / 32] * q[i] - 0.125f * mn[i / 32];
    ASSERT_EQ(y[i], want) << i;
  }
  EXPECT_EQ(BlockBytes(DType::kQ5_K), 176u);
  EXPECT_STREQ(DTypeName(DType::kQ5_K), "q5_K");
  EXPECT_TRUE(IsKnownDType(13));
}

// The 32-bit unpacking of the 6-bit scales and mins the kernels use agrees
// with the one-at-a-time form on every byte pattern of random blocks.
TEST(Dequantize, KScalesMinsMatchesKScaleMin) {
  std::mt19937 rng(6);
  for (int trial = 0; trial < 1000; ++trial) {
    uint8_t s[12], out[16];
    for (uint8_t& b : s) b = static_cast<uint8_t>(rng());
    KScalesMins(s, out);
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      KScaleMin(s, j, &sc, &m);
      ASSERT_EQ(out[j], sc) << j;
      ASSERT_EQ(out[8 + j], m) << j;
    }
  }
}

TEST(Dequantize, Q6KHandBuiltBlock) {
  std::mt19937 rng(5);
  BlockQ6_K blk;
  int q[256];
  for (int& v : q) v = static_cast<int>(rng() % 64);
  for (int k = 0; k < 16; ++k)
    blk.scales[k] = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  blk.d = F32ToF16(0.5f);
  std::memset(blk.ql, 0, 128);
  std::memset(blk.qh, 0, 64);
  for (int i = 0; i < 256; ++i) {
    const int h = i / 128, j = i % 128, quarter = j / 32, l = j % 32;
    const int qi = 64 * h + l + (quarter % 2 ? 32 : 0);
    blk.ql[qi] |=
        static_cast<uint8_t>(quarter < 2 ? (q[i] & 15) : (q[i] & 15) << 4);
    blk.qh[32 * h + l] |= static_cast<uint8_t>((q[i] >> 4) << (2 * quarter));
  }
  std::vector<float> y(512);
  BlockQ6_K two[2] = {blk, blk};
  ASSERT_TRUE(DequantizeRow(DType::kQ6_K, two, 512, y.data()).ok());
  for (int i = 0; i < 512; ++i) {
    const int k = i % 256, h = k / 128, j = k % 128;
    const int s = 8 * h + (j % 32) / 16 + 2 * (j / 32);
    ASSERT_EQ(y[i], 0.5f * blk.scales[s] * (q[k] - 32)) << i;
  }
}

}  // namespace
}  // namespace edgemma
