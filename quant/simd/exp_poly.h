// Constants of the branch-free vector exp shared by the SIMD variants
// (quant/simd/vec_ops.h). exp(x) = 2^n * exp(r), n = round(x / ln2), r = x - n
// ln2 (ln2 split hi + lo so n * ln2_hi is exact), |r| <= ln2 / 2, and exp(r) =
// 1 + r + r^2 P(r) with P the degree-5 minimax polynomial of the Cephes expf
// (about 1 ulp). Inputs are clamped to [kExpLo, kExpHi] so 2^n is a normal
// float and the result never overflows; inputs below kExpLo (including -inf)
// give 0.
#ifndef EDGEMMA_QUANT_SIMD_EXP_POLY_H_
#define EDGEMMA_QUANT_SIMD_EXP_POLY_H_

namespace edgemma {
namespace exp_poly {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kExpLo = -87.33f;  // just above ln(FLT_MIN)
constexpr float kExpHi = 88.0f;    // exp(88) = 1.65e38 < FLT_MAX
constexpr float kP0 = 1.9875691500e-4f;
constexpr float kP1 = 1.3981999507e-3f;
constexpr float kP2 = 8.3334519073e-3f;
constexpr float kP3 = 4.1665795894e-2f;
constexpr float kP4 = 1.6666665459e-1f;
constexpr float kP5 = 5.0000001201e-1f;

// gelu_tanh(x) = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), is
// computed as x / (1 + exp(-2u)) (no cancellation for negative x; saturates to
// x or 0 without inf/NaN since exp is clamped). -2u = x (kG1 + kG2 x^2).
constexpr float kG1 = -1.5957691216057308f;   // -2 sqrt(2/pi)
constexpr float kG2 = -0.07135481627159023f;  // kG1 * 0.044715

}  // namespace exp_poly
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SIMD_EXP_POLY_H_
