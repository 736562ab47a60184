// Built-in config.json texts of the real checkpoints, for tests and `edgemma
// synth --config`.
#ifndef EDGEMMA_CORE_CONVERT_KNOWN_CONFIGS_H_
#define EDGEMMA_CORE_CONVERT_KNOWN_CONFIGS_H_

#include <string>
#include <string_view>

#include "platform/status.h"

namespace edgemma {

// "e2b" -> google/gemma-4-E2B-it config.json, "e4b" -> google/gemma-4-E4B-it
// config.json. kNotFound (listing the known names) otherwise.
Result<std::string> KnownConfigJson(std::string_view name);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_CONVERT_KNOWN_CONFIGS_H_
