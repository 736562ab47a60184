// config.json parsing: any bytes as the text of a config.json. A config that
// parses has passed validation, so its derived layer table must be usable.
#include <string_view>

#include "core/io/config.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(config) {
  using namespace edgemma;
  Result<Gemma4Config> cfg = ParseGemma4Config(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!cfg.ok()) {
    FUZZ_CHECK(!cfg.status().message().empty());
    return 0;
  }
  const TextConfig& t = cfg->text;
  FUZZ_CHECK(static_cast<int>(t.layers.size()) == t.n_layers);
  FUZZ_CHECK(ValidateConfig(*cfg).ok());
  for (int i = 0; i < t.n_layers; ++i) {
    const LayerSpec& l = t.layers[i];
    FUZZ_CHECK(l.kv_source >= 0 && l.kv_source <= i);
    FUZZ_CHECK(l.head_dim > 0 && l.n_kv_heads > 0);
  }
  (void)cfg->DescribeLayers();
  return 0;
}
