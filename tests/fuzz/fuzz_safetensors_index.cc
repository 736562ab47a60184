// Sharded checkpoint index: any bytes as model.safetensors.index.json in a
// directory that also holds two valid shards (tensors "a", "b" in shard 1,
// "c" in shard 2). Whatever the index says, opening must fail cleanly or give
// tensors that each shard really holds.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

void WriteFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  FUZZ_CHECK(std::fclose(f) == 0);
}

// A safetensors file: 8-byte little-endian header length, JSON, data.
std::string Shard(const std::string& header_json, size_t data_bytes) {
  std::string out(8, '\0');
  uint64_t n = header_json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header_json + std::string(data_bytes, '\x01');
}

struct Dir {
  std::string path;
  std::string index;
  Dir() {
    const char* tmp = std::getenv("TMPDIR");
    path = std::string(tmp && *tmp ? tmp : "/tmp") + "/edgemma-fuzz-st-XXXXXX";
    FUZZ_CHECK(::mkdtemp(path.data()) != nullptr);
    index = path + "/model.safetensors.index.json";
    WriteFile(path + "/model-00001-of-00002.safetensors",
              Shard("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                    "[0,8]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],"
                    "\"data_offsets\":[8,12]}}",
                    12));
    WriteFile(path + "/model-00002-of-00002.safetensors",
              Shard("{\"__metadata__\":{\"format\":\"pt\"},\"c\":{\"dtype\":"
                    "\"I8\",\"shape\":[3],\"data_offsets\":[0,3]}}",
                    3));
  }
  ~Dir() {
    ::unlink(index.c_str());
    ::unlink((path + "/model-00001-of-00002.safetensors").c_str());
    ::unlink((path + "/model-00002-of-00002.safetensors").c_str());
    ::rmdir(path.c_str());
  }
};

}  // namespace

EDGEMMA_FUZZ_TARGET(safetensors_index) {
  using namespace edgemma;
  static Dir dir;
  WriteFile(dir.index, std::string(reinterpret_cast<const char*>(data), size));
  Result<std::unique_ptr<SafetensorsModel>> m =
      SafetensorsModel::OpenDir(dir.path);
  if (!m.ok()) {
    FUZZ_CHECK(!m.status().message().empty());
    return 0;
  }
  for (const TensorInfo& t : (*m)->tensors()) {
    const MappedFile* f = (*m)->FileOf(t);
    FUZZ_CHECK(f != nullptr);
    const auto* p = static_cast<const uint8_t*>(t.data);
    FUZZ_CHECK(p >= f->data() && p + t.nbytes <= f->data() + f->size());
  }
  return 0;
}
