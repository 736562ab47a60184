// The scalar table: portable C++, runnable everywhere, always built.
#include "quant/kernels.h"

#include "quant/scalar/scalar.h"

namespace edgemma {

constexpr Kernels kScalarKernels = ScalarKernelTable();

}  // namespace edgemma
