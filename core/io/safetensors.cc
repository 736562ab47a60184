#include "core/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "platform/file_status.h"

namespace edgemma {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100ull
                                     << 20;  // 100 MB, as the safetensors spec

struct DTypeEntry {
  const char* name;
  DType type;
};
constexpr DTypeEntry kDTypes[] = {
    {"F32", DType::kF32}, {"F16", DType::kF16}, {"BF16", DType::kBF16},
    {"F64", DType::kF64}, {"I8", DType::kI8},   {"I16", DType::kI16},
    {"I32", DType::kI32}, {"I64", DType::kI64},
};
// Valid safetensors dtypes that the runtime has no use for.
constexpr const char* kUnsupportedDTypes[] = {"U8",  "BOOL",    "U16",    "U32",
                                              "U64", "F8_E4M3", "F8_E5M2"};

// Parses `text` as JSON; fails on syntax errors and on duplicate top-level keys
// (which nlohmann::json would otherwise silently collapse).
Status ParseHeaderJson(const std::string& where, const char* begin,
                       const char* end, json* out) {
  std::string duplicate;
  std::set<std::string> seen;
  json::parser_callback_t cb = [&](int depth, json::parse_event_t event,
                                   json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      if (!seen.insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  try {
    *out = json::parse(begin, end, cb);
  } catch (const json::exception& e) {
    return Corrupt(where + ": header is not valid JSON: " + e.what());
  }
  if (!duplicate.empty())
    return Corrupt(where + ": duplicate tensor name '" + duplicate + "'");
  if (!out->is_object())
    return Corrupt(where + ": header is not a JSON object");
  return Status::Ok();
}

Result<DType> ParseDType(const std::string& where, const std::string& tensor,
                         const json& v) {
  if (!v.is_string())
    return Corrupt(where + ": tensor '" + tensor + "' dtype is not a string");
  const std::string s = v.get<std::string>();
  for (const DTypeEntry& e : kDTypes) {
    if (s == e.name) return e.type;
  }
  for (const char* u : kUnsupportedDTypes) {
    if (s == u)
      return Unsupported(where + ": tensor '" + tensor +
                         "' has unsupported dtype " + s);
  }
  return Corrupt(where + ": tensor '" + tensor + "' has unknown dtype '" + s +
                 "'");
}

// Reads a JSON array of non-negative integers.
Status ReadUints(const json& v, size_t want_size, std::vector<uint64_t>* out) {
  if (!v.is_array()) return Corrupt("not an array");
  if (want_size != 0 && v.size() != want_size) return Corrupt("wrong length");
  out->clear();
  for (const json& e : v) {
    if (!e.is_number_unsigned() &&
        !(e.is_number_integer() && e.get<int64_t>() >= 0)) {
      return Corrupt("not a non-negative integer");
    }
    out->push_back(e.get<uint64_t>());
  }
  return Status::Ok();
}

}  // namespace

class SafetensorsReaderImpl {
 public:
  static Status ParseTensor(const std::string& where, const std::string& name,
                            const json& v, const uint8_t* data,
                            uint64_t data_bytes, TensorInfo* t, uint64_t* begin,
                            uint64_t* end);
  static Status Load(SafetensorsFile* f);
  static Status LoadIndex(const std::string& dir, SafetensorsModel* m);
  static Status AddShard(const std::string& path, SafetensorsModel* m);
};

Status SafetensorsReaderImpl::ParseTensor(const std::string& where,
                                          const std::string& name,
                                          const json& v, const uint8_t* data,
                                          uint64_t data_bytes, TensorInfo* t,
                                          uint64_t* begin, uint64_t* end) {
  const std::string what = where + ": tensor '" + name + "'";
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
      !v.contains("data_offsets")) {
    return Corrupt(what + " needs dtype, shape and data_offsets");
  }
  EM_ASSIGN_OR_RETURN(t->dtype, ParseDType(where, name, v["dtype"]));
  std::vector<uint64_t> dims, offs;
  if (!ReadUints(v["shape"], 0, &dims).ok()) {
    return Corrupt(what + " shape is not a list of non-negative integers");
  }
  if (!ReadUints(v["data_offsets"], 2, &offs).ok()) {
    return Corrupt(what + " data_offsets is not [begin, end]");
  }
  uint64_t bytes = BlockBytes(t->dtype);
  t->shape.clear();
  for (uint64_t d : dims) {
    if (d > (1ull << 40) || (d != 0 && bytes > UINT64_MAX / d)) {
      return Corrupt(what + " shape overflows");
    }
    bytes *= d;
    t->shape.push_back(static_cast<int64_t>(d));
  }
  *begin = offs[0];
  *end = offs[1];
  const std::string range =
      "[" + std::to_string(offs[0]) + ", " + std::to_string(offs[1]) + "]";
  if (offs[0] > offs[1] || offs[1] > data_bytes) {
    return Corrupt(what + " data_offsets " + range +
                   " exceed the data section (" + std::to_string(data_bytes) +
                   " bytes)");
  }
  if (offs[1] - offs[0] != bytes) {
    return Corrupt(what + " shape " + t->ShapeString() + " x " +
                   DTypeName(t->dtype) + " is " + std::to_string(bytes) +
                   " bytes but data_offsets " + range + " hold " +
                   std::to_string(offs[1] - offs[0]));
  }
  t->name = name;
  t->nbytes = static_cast<size_t>(bytes);
  t->data = data + offs[0];
  return Status::Ok();
}

Status SafetensorsReaderImpl::Load(SafetensorsFile* f) {
  const MappedFile& file = *f->file_;
  const std::string& where = file.path();
  if (file.size() < 8) {
    return Corrupt(where + ": file of " + std::to_string(file.size()) +
                   " bytes is too short for a safetensors header");
  }
  uint64_t n = 0;
  std::memcpy(&n, file.data(),
              8);  // little-endian u64 (all supported targets are LE)
  if (n > kMaxHeaderBytes) {
    return Corrupt(where + ": header length " + std::to_string(n) +
                   " exceeds the 100 MB limit");
  }
  if (n > file.size() - 8) {
    return Corrupt(where + ": header length " + std::to_string(n) +
                   " runs past the end of the " + std::to_string(file.size()) +
                   "-byte file (truncated?)");
  }
  json header;
  const char* hb = reinterpret_cast<const char*>(file.data() + 8);
  EM_RETURN_IF_ERROR(ParseHeaderJson(where, hb, hb + n, &header));
  const uint8_t* data = file.data() + 8 + n;
  const uint64_t data_bytes = file.size() - 8 - n;
  struct Span {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Span> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    TensorInfo t;
    uint64_t b = 0, e = 0;
    EM_RETURN_IF_ERROR(
        ParseTensor(where, it.key(), it.value(), data, data_bytes, &t, &b, &e));
    spans.push_back(Span{b, e, f->tensors_.size()});
    f->index_.emplace(t.name, f->tensors_.size());
    f->tensors_.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[i - 1].end) {
      return Corrupt(where + ": tensors '" +
                     f->tensors_[spans[i - 1].index].name + "' and '" +
                     f->tensors_[spans[i].index].name + "' overlap");
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(
    const std::string& path) {
  EM_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path));
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->file_ = std::move(mapped);
  EM_RETURN_IF_ERROR(SafetensorsReaderImpl::Load(f.get()));
  return f;
}

const TensorInfo* SafetensorsFile::Find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Status SafetensorsReaderImpl::AddShard(const std::string& path,
                                       SafetensorsModel* m) {
  EM_ASSIGN_OR_RETURN(auto shard, SafetensorsFile::Open(path));
  for (const TensorInfo& t : shard->tensors()) {
    if (!m->index_.emplace(t.name, m->tensors_.size()).second) {
      return Corrupt(path + ": tensor '" + t.name +
                     "' also appears in another shard");
    }
    m->tensors_.push_back(t);
  }
  m->shards_.push_back(std::move(shard));
  return Status::Ok();
}

Status SafetensorsReaderImpl::LoadIndex(const std::string& dir,
                                        SafetensorsModel* m) {
  const std::string index_path = dir + "/model.safetensors.index.json";
  std::ifstream in(index_path);
  if (!in) return IoError(index_path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  json index;
  EM_RETURN_IF_ERROR(ParseHeaderJson(index_path, text.data(),
                                     text.data() + text.size(), &index));
  if (!index.contains("weight_map") || !index["weight_map"].is_object()) {
    return Corrupt(index_path + ": missing the \"weight_map\" object");
  }
  const json& wm = index["weight_map"];
  std::vector<std::string> shard_names;  // in first-appearance order
  for (auto it = wm.begin(); it != wm.end(); ++it) {
    if (!it.value().is_string()) {
      return Corrupt(index_path + ": weight_map['" + it.key() +
                     "'] is not a file name");
    }
    const std::string shard = it.value().get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos ||
        shard == "..") {
      return Corrupt(index_path + ": weight_map['" + it.key() +
                     "'] names an invalid shard '" + shard + "'");
    }
    if (std::find(shard_names.begin(), shard_names.end(), shard) ==
        shard_names.end()) {
      shard_names.push_back(shard);
    }
  }
  for (const std::string& shard : shard_names) {
    const std::string path = dir + "/" + shard;
    if (!IsFile(path))
      return NotFound(index_path + ": shard '" + shard + "' does not exist");
    EM_RETURN_IF_ERROR(AddShard(path, m));
  }
  for (auto it = wm.begin(); it != wm.end(); ++it) {
    const std::string shard = it.value().get<std::string>();
    const TensorInfo* t = m->Find(it.key());
    const MappedFile* holder = t ? m->FileOf(*t) : nullptr;
    if (holder == nullptr || holder->path() != dir + "/" + shard) {
      return Corrupt(index_path + ": tensor '" + it.key() +
                     "' is not in shard '" + shard + "'");
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<SafetensorsModel>> SafetensorsModel::OpenDir(
    const std::string& dir) {
  std::unique_ptr<SafetensorsModel> m(new SafetensorsModel());
  if (IsFile(dir + "/model.safetensors.index.json")) {
    EM_RETURN_IF_ERROR(SafetensorsReaderImpl::LoadIndex(dir, m.get()));
  } else if (IsFile(dir + "/model.safetensors")) {
    EM_RETURN_IF_ERROR(
        SafetensorsReaderImpl::AddShard(dir + "/model.safetensors", m.get()));
  } else {
    return NotFound(dir +
                    ": no model.safetensors or model.safetensors.index.json");
  }
  return m;
}

const TensorInfo* SafetensorsModel::Find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const MappedFile* SafetensorsModel::FileOf(const TensorInfo& t) const {
  for (const auto& shard : shards_) {
    const TensorInfo* mine = shard->Find(t.name);
    if (mine != nullptr && mine->data == t.data) return &shard->file();
  }
  return nullptr;
}

}  // namespace edgemma
