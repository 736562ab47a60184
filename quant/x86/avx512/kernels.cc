// The AVX-512 F/BW/VL + VNNI variant's table (built in table.h).
#include "quant/kernels.h"

#include "quant/x86/avx512/table.h"

namespace edgemma {

constexpr Kernels kAvx512Kernels = Avx512KernelTable();

}  // namespace edgemma
