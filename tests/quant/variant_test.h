// The fixture of the parameterised kernel-variant tests: one instance per
// variant built into this binary (BuiltKernels()), skipped where this CPU
// cannot run it, named after the variant. A suite derives from VariantTest and
// is instantiated with EDGEMMA_INSTANTIATE_VARIANTS(Suite).
#ifndef EDGEMMA_TESTS_QUANT_VARIANT_TEST_H_
#define EDGEMMA_TESTS_QUANT_VARIANT_TEST_H_

#include <gtest/gtest.h>

#include <cfloat>
#include <cstdint>
#include <string>

#include "platform/cpu_features.h"
#include "quant/kernels.h"

namespace edgemma {

class VariantTest : public ::testing::TestWithParam<const Kernels*> {
 protected:
  void SetUp() override {
    if (!GetParam()->runnable(GetCpuFeatures())) {
      GTEST_SKIP() << GetParam()->name << " cannot run on this CPU";
    }
  }
  const Kernels& k() const { return *GetParam(); }
};

inline std::string VariantName(
    const ::testing::TestParamInfo<const Kernels*>& info) {
  return info.param->name;
}

// Tolerance of a Q4_0 / Q8_0 x Q8_0 product row of nb blocks (the gemm
// members, or MatMul on those weights) against the scalar kernel, as a
// multiple of mag = sum_k |w_k x_k| (w the dequantized weights, x the f32
// activations before their Q8_0 rounding). Integer block sums: the results
// differ only by float order, (2 nb + 16) * eps. gemm_q8_bf16 (amx) adds its
// stated bound on the dequantized operands (Kernels::gemm_q8_bf16), taken
// twice because a Q8_0-rounded activation is at most 2 |x| (it is 0 where |x|
// is below half a step, else within half a step of x).
inline double GemmQ8RelTol(const Kernels& k, int64_t nb) {
  const double order = (2.0 * nb + 16) * FLT_EPSILON;
  if (!k.gemm_q8_bf16) return order;
  return order + 2 * (0x1p-7 + 0x1p-16 + (32.0 * nb + 2) * 0x1p-24);
}

#define EDGEMMA_INSTANTIATE_VARIANTS(Suite)                                  \
  INSTANTIATE_TEST_SUITE_P(Host, Suite, ::testing::ValuesIn(BuiltKernels()), \
                           VariantName)

}  // namespace edgemma

#endif  // EDGEMMA_TESTS_QUANT_VARIANT_TEST_H_
