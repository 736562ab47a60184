// safetensors header: any bytes as a single model.safetensors. A file that
// opens must describe tensors whose bytes lie inside the mapping and whose
// byte length matches shape x dtype.
#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(safetensors) {
  using namespace edgemma;
  static fuzz::ScratchFile file("fuzz.safetensors");
  Result<std::unique_ptr<SafetensorsFile>> st =
      SafetensorsFile::Open(file.Write(data, size));
  if (!st.ok()) {
    FUZZ_CHECK(!st.status().message().empty());
    return 0;
  }
  const uint8_t* begin = (*st)->file().data();
  const uint8_t* end = begin + (*st)->file().size();
  for (const TensorInfo& t : (*st)->tensors()) {
    FUZZ_CHECK((*st)->Find(t.name) != nullptr);
    if (t.nbytes == 0) continue;
    const auto* p = static_cast<const uint8_t*>(t.data);
    FUZZ_CHECK(p >= begin && p + t.nbytes <= end);
    volatile uint8_t sink = p[0] ^ p[t.nbytes - 1];
    (void)sink;
  }
  return 0;
}
