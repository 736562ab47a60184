// Opens a model given a path: an HF checkpoint directory (config.json +
// safetensors) or a GGUF file. Gives the resolved config and the tensors under
// the file's own names; the Gemma 4 weight binder (core/gemma4/weights.h) maps
// those names to roles.
#ifndef EDGEMMA_CORE_IO_MODEL_SOURCE_H_
#define EDGEMMA_CORE_IO_MODEL_SOURCE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/tensor.h"
#include "core/io/config.h"
#include "core/io/gguf.h"
#include "core/io/safetensors.h"
#include "platform/mapped_file.h"
#include "platform/status.h"

namespace edgemma {

enum class ModelFormat { kHfDirectory, kGguf };

class ModelSource {
 public:
  static Result<std::unique_ptr<ModelSource>> Open(const std::string& path);

  ModelFormat format() const { return format_; }
  const std::string& path() const { return path_; }
  const Gemma4Config& config() const { return config_; }
  const std::vector<TensorInfo>& tensors() const;
  const TensorInfo* Find(std::string_view name) const;
  const MappedFile* FileOf(const TensorInfo& t) const;
  const GgufFile* gguf() const { return gguf_.get(); }  // null for HF
  const SafetensorsModel* safetensors() const {
    return st_.get();
  }  // null for GGUF

 private:
  ModelFormat format_ = ModelFormat::kHfDirectory;
  std::string path_;
  Gemma4Config config_;
  std::unique_ptr<SafetensorsModel> st_;
  std::unique_ptr<GgufFile> gguf_;
  friend class ModelSourceImpl;
};

// Implemented by the GGUF converter module (core/io/gguf_config.cc): gemma4.*
// metadata -> Gemma4Config (the inverse of what `edgemma quantize` writes).
Result<Gemma4Config> ConfigFromGguf(const GgufFile& gguf);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_IO_MODEL_SOURCE_H_
