// i8mm int8 peak: smmla (32 MACs) on 8 independent accumulators.
#include <arm_neon.h>

#include <cstdint>

namespace edgemma {

int64_t PeakNeonI8mm(int64_t iters, int64_t* sink) {
  int32x4_t acc[8];
  for (auto& x : acc) x = vdupq_n_s32(0);
  int8x16_t a = vdupq_n_s8(static_cast<int8_t>(*sink & 7));
  const int8x16_t b = vdupq_n_s8(3);
  for (int64_t i = 0; i < iters; ++i) {
    for (auto& x : acc) x = vmmlaq_s32(x, a, b);
    __asm__ volatile("" : "+w"(a));
  }
  int32x4_t t = acc[0];
  for (int i = 1; i < 8; ++i) t = vaddq_s32(t, acc[i]);
  *sink += vaddvq_s32(t);
  return iters * 8 * 32;
}

}  // namespace edgemma
