#include "core/io/model_source.h"

#include "platform/file_status.h"

namespace edgemma {

class ModelSourceImpl {
 public:
  static Status OpenHf(const std::string& dir, ModelSource* m) {
    m->format_ = ModelFormat::kHfDirectory;
    EM_ASSIGN_OR_RETURN(m->config_, LoadGemma4Config(dir));
    EM_ASSIGN_OR_RETURN(m->st_, SafetensorsModel::OpenDir(dir));
    return Status::Ok();
  }
  static Status OpenGguf(const std::string& path, ModelSource* m) {
    m->format_ = ModelFormat::kGguf;
    EM_ASSIGN_OR_RETURN(m->gguf_, GgufFile::Open(path));
    Result<Gemma4Config> cfg = ConfigFromGguf(*m->gguf_);
    if (!cfg.ok())
      return Status(cfg.status().code(), path + ": " + cfg.status().message());
    m->config_ = std::move(cfg).value();
    return Status::Ok();
  }
};

Result<std::unique_ptr<ModelSource>> ModelSource::Open(
    const std::string& path) {
  if (path.empty()) return InvalidArgument("model path is empty");
  const FileKind kind = GetFileKind(path);
  if (kind == FileKind::kMissing) {
    return NotFound(
        path +
        ": no such file or directory (expected an HF model directory or a "
        ".gguf file)");
  }
  std::unique_ptr<ModelSource> m(new ModelSource());
  m->path_ = path;
  if (kind == FileKind::kDirectory) {
    EM_RETURN_IF_ERROR(ModelSourceImpl::OpenHf(path, m.get()));
  } else if (kind == FileKind::kFile) {
    EM_RETURN_IF_ERROR(ModelSourceImpl::OpenGguf(path, m.get()));
  } else {
    return InvalidArgument(path + ": not a directory or a regular file");
  }
  return m;
}

const std::vector<TensorInfo>& ModelSource::tensors() const {
  return st_ ? st_->tensors() : gguf_->tensors();
}

const TensorInfo* ModelSource::Find(std::string_view name) const {
  return st_ ? st_->Find(name) : gguf_->Find(name);
}

const MappedFile* ModelSource::FileOf(const TensorInfo& t) const {
  if (st_) return st_->FileOf(t);
  const MappedFile& f = gguf_->file();
  const uint8_t* p = static_cast<const uint8_t*>(t.data);
  if (p != nullptr && p >= f.data() && p + t.nbytes <= f.data() + f.size())
    return &f;
  return nullptr;
}

}  // namespace edgemma
