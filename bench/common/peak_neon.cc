// ARMv8.0 int8 peak: vmlal_s8 (8 MACs) into 8 independent int16x8 accumulators,
// drained with vpadalq_s16 like the kernel does.
#include <arm_neon.h>

#include <cstdint>

namespace edgemma {

int64_t PeakNeon(int64_t iters, int64_t* sink) {
  int32x4_t acc32 = vdupq_n_s32(0);
  int8x8_t a = vdup_n_s8(static_cast<int8_t>(*sink & 7));
  const int8x8_t b = vdup_n_s8(3);
  for (int64_t i = 0; i < iters; ++i) {
    int16x8_t acc[8];
    for (auto& x : acc) x = vmull_s8(a, b);
    for (auto& x : acc) x = vmlal_s8(x, a, b);
    for (auto& x : acc) acc32 = vpadalq_s16(acc32, x);
    __asm__ volatile("" : "+w"(a));
  }
  *sink += vaddvq_s32(acc32);
  return iters * 8 * 16;
}

}  // namespace edgemma
