// Reference (scalar) quantizers and dequantizers. These define the formats; the
// SIMD activation quantizers in the kernel variants must agree with
// QuantizeQ8_0Ref.
#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "quant/blocks.h"

namespace edgemma {

void QuantizeQ8_0Ref(const float* x, void* y, int64_t n) {
  auto* out = static_cast<uint8_t*>(y);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += sizeof(BlockQ8_0)) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ8_0 blk;
    blk.d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) {
      blk.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
    }
    std::memcpy(out, &blk, sizeof(blk));
  }
}

void QuantizeQ8_KRef(const float* x, void* y, int64_t n) {
  auto* out = static_cast<uint8_t*>(y);
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, out += sizeof(BlockQ8_K)) {
    float amax = 0.0f;
    for (int j = 0; j < kQKK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ8_K blk;
    blk.d = d;
    for (int g = 0; g < kQKK / 16; ++g) {
      int sum = 0;
      for (int j = 16 * g; j < 16 * g + 16; ++j) {
        blk.qs[j] = static_cast<int8_t>(std::round(x[j] * id));
        sum += blk.qs[j];
      }
      blk.bsums[g] = static_cast<int16_t>(sum);
    }
    std::memcpy(out, &blk, sizeof(blk));
  }
}

void QuantizeQ4_0Ref(const float* x, void* y, int64_t n) {
  auto* out = static_cast<uint8_t*>(y);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += sizeof(BlockQ4_0)) {
    float amax = 0.0f;
    float max = 0.0f;  // the signed value with the largest magnitude
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_0 blk;
    blk.d = F32ToF16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      const int q1 = std::min(15, static_cast<int>(x[j + 16] * id + 8.5f));
      blk.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    std::memcpy(out, &blk, sizeof(blk));
  }
}

void DequantizeQ4_0(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(x);
  for (int64_t b = 0; b < n / kQK; ++b, in += sizeof(BlockQ4_0), y += kQK) {
    const float d = BlockScale(in);
    const uint8_t* qs = in + 2;
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>((qs[j] & 0x0f) - 8) * d;
      y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
  }
}

void DequantizeQ8_0(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(x);
  for (int64_t b = 0; b < n / kQK; ++b, in += sizeof(BlockQ8_0), y += kQK) {
    const float d = BlockScale(in);
    const auto* qs = reinterpret_cast<const int8_t*>(in + 2);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(qs[j]) * d;
  }
}

namespace {

// The fifth bit of Q5_K element l of sub-block pair c (16 or 0); Q4_K has none.
int HighBit(const BlockQ4_K&, int, int) { return 0; }
int HighBit(const BlockQ5_K& blk, int l, int mask) {
  return (blk.qh[l] & mask) ? 16 : 0;
}

// Q4_K and Q5_K share the layout of scales, mins and low nibbles: per
// super-block 8 sub-blocks of 32, element = d * sc * q - dmin * m.
template <class Block>
void DequantizeQ45_K(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(x);
  for (int64_t b = 0; b < n / kQKK; ++b, in += sizeof(Block)) {
    Block blk;
    std::memcpy(&blk, in, sizeof(blk));
    const float d = F16ToF32(blk.d);
    const float dmin = F16ToF32(blk.dmin);
    const uint8_t* q = blk.qs;
    for (int c = 0; c < 4; ++c, q += 32) {
      int sc0, m0, sc1, m1;
      KScaleMin(blk.scales, 2 * c, &sc0, &m0);
      KScaleMin(blk.scales, 2 * c + 1, &sc1, &m1);
      const float d0 = d * sc0, mm0 = dmin * m0, d1 = d * sc1, mm1 = dmin * m1;
      const int lo = 1 << (2 * c), hi = 2 << (2 * c);
      for (int l = 0; l < 32; ++l) {
        *y++ = d0 * ((q[l] & 0x0f) + HighBit(blk, l, lo)) - mm0;
      }
      for (int l = 0; l < 32; ++l) {
        *y++ = d1 * ((q[l] >> 4) + HighBit(blk, l, hi)) - mm1;
      }
    }
  }
}

}  // namespace

void DequantizeQ4_K(const void* x, float* y, int64_t n) {
  DequantizeQ45_K<BlockQ4_K>(x, y, n);
}

void DequantizeQ5_K(const void* x, float* y, int64_t n) {
  DequantizeQ45_K<BlockQ5_K>(x, y, n);
}

void DequantizeQ6_K(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(x);
  for (int64_t b = 0; b < n / kQKK; ++b, in += sizeof(BlockQ6_K)) {
    BlockQ6_K blk;
    std::memcpy(&blk, in, sizeof(blk));
    const float d = F16ToF32(blk.d);
    const uint8_t* ql = blk.ql;
    const uint8_t* qh = blk.qh;
    const int8_t* sc = blk.scales;
    for (int half = 0; half < 2;
         ++half, ql += 64, qh += 32, sc += 8, y += 128) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q0 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q1 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is + 0] * q0;
        y[l + 32] = d * sc[is + 2] * q1;
        y[l + 64] = d * sc[is + 4] * q2;
        y[l + 96] = d * sc[is + 6] * q3;
      }
    }
  }
}

namespace {

Status CheckRow(DType type, int64_t n, bool writable) {
  const bool ok_type =
      type == DType::kF32 || type == DType::kF16 || type == DType::kBF16 ||
      type == DType::kQ8_0 || type == DType::kQ4_0 ||
      (!writable &&
       (type == DType::kQ4_K || type == DType::kQ5_K || type == DType::kQ6_K));
  if (!ok_type) {
    return Unsupported(
        std::string(writable ? "quantizing to " : "dequantizing ") +
        DTypeName(type) + " is not supported");
  }
  if (n < 0 || n % BlockElems(type) != 0) {
    return InvalidArgument(std::string("row of ") + std::to_string(n) +
                           " elements is not a " + "multiple of the " +
                           DTypeName(type) + " block size " +
                           std::to_string(BlockElems(type)));
  }
  return Status::Ok();
}

}  // namespace

Status QuantizeRow(DType type, const float* src, int64_t n, void* dst) {
  EM_RETURN_IF_ERROR(CheckRow(type, n, /*writable=*/true));
  auto* out = static_cast<uint8_t*>(dst);
  switch (type) {
    case DType::kF32:
      if (n > 0)
        std::memcpy(dst, src, static_cast<size_t>(n) * 4);  // may be null
      break;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = F32ToF16(src[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      break;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = F32ToBF16(src[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      break;
    case DType::kQ8_0:
      QuantizeQ8_0Ref(src, dst, n);
      break;
    default:
      QuantizeQ4_0Ref(src, dst, n);
      break;
  }
  return Status::Ok();
}

Status DequantizeRow(DType type, const void* src, int64_t n, float* dst) {
  EM_RETURN_IF_ERROR(CheckRow(type, n, /*writable=*/false));
  const auto* in = static_cast<const uint8_t*>(src);
  switch (type) {
    case DType::kF32:
      if (n > 0)
        std::memcpy(dst, src, static_cast<size_t>(n) * 4);  // may be null
      break;
    case DType::kF16:
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        dst[i] = type == DType::kF16 ? F16ToF32(h) : BF16ToF32(h);
      }
      break;
    case DType::kQ8_0:
      DequantizeQ8_0(src, dst, n);
      break;
    case DType::kQ4_0:
      DequantizeQ4_0(src, dst, n);
      break;
    case DType::kQ4_K:
      DequantizeQ4_K(src, dst, n);
      break;
    case DType::kQ5_K:
      DequantizeQ5_K(src, dst, n);
      break;
    default:
      DequantizeQ6_K(src, dst, n);
      break;
  }
  return Status::Ok();
}

}  // namespace edgemma
