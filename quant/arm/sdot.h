// The int8 block-product policy of quant/arm/int8_tiles.h built on the
// ARMv8.2 dot-product instruction (sdot: four int8 products summed into each
// int32 lane), shared by the neondot and neoni8mm variants. Include ONLY from
// a translation unit compiled with dotprod; anonymous namespace, as
// int8_tiles.h.
#ifndef EDGEMMA_QUANT_ARM_SDOT_H_
#define EDGEMMA_QUANT_ARM_SDOT_H_

#include <arm_neon.h>

#include "quant/arm/int8_tiles.h"

namespace edgemma {
namespace {

struct SdotDot {
  static constexpr int kQ4Frac = 4;  // int32 lanes: Q4_0 weights x16
  static int32x4_t Dot(const I8x32& w, const I8x32& a) {
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w.lo, a.lo), w.hi, a.hi);
  }
  template <bool kQ4>
  static int32x4_t Rows4(const I8x32 w[4], const I8x32& a) {
    const int32x4_t s[4] = {Dot(w[0], a), Dot(w[1], a), Dot(w[2], a),
                            Dot(w[3], a)};
    return RowTotals(s);
  }
};

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_ARM_SDOT_H_
