// `edgemma synth --format hf`: a synthetic HF checkpoint directory (contracts
// in synth_model.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/convert/safetensors_writer.h"
#include "core/convert/synth_model.h"
#include "core/io/mmproj_plan.h"
#include "core/text/tokenizer.h"
#include "platform/file_status.h"

namespace edgemma {
namespace {

constexpr char kTextPrefix[] = "model.language_model.";
constexpr size_t kCopyBytes = size_t{1} << 20;

// How one tensor's values are generated: SynthValue(key, role, std, i), or
// `value` everywhere when `constant`.
struct ValueRule {
  TensorRole role = TensorRole::kLinear;
  float std = 0.f;
  bool constant = false;
  float value = 0.f;
};

struct HfTensor {
  std::string name;            // full HF name
  std::vector<int64_t> shape;  // PyTorch order, {} for 0-d
  uint64_t key = 0;            // SynthTensorKey(seed, GGUF name)
  ValueRule rule;
};

// What the directory will hold, resolved before anything is created.
struct HfPlan {
  std::string config_text;
  std::vector<HfTensor> tensors;
  uint64_t data_bytes = 0;
};

std::string ErrnoText(const std::string& what, const std::string& path) {
  return path + ": " + what + " failed: " + std::strerror(errno);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

uint64_t Bf16Bytes(const HfTensor& t) {
  return 2 * static_cast<uint64_t>(Numel(t.shape));
}

// Tower value rules (synth_model.h header comment).
ValueRule TowerRule(const TowerTensor& t) {
  ValueRule r;
  const std::string& n = t.hf_name;
  if (EndsWith(n, "_min") || EndsWith(n, "_max")) {
    r.constant = true;
    r.value = EndsWith(n, "_min") ? -kSynthClipBound : kSynthClipBound;
  } else if (t.hf_shape.size() >= 2) {
    const int64_t fan_in =
        Numel(t.hf_shape) / std::max<int64_t>(1, t.hf_shape[0]);
    r.std = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(1, fan_in)));
  } else if (Numel(t.hf_shape) == 1) {
    r.role = TensorRole::kScalar;
  } else {
    r.role = EndsWith(n, "bias") ? TensorRole::kLinear : TensorRole::kNorm;
    r.std = 0.05f;
  }
  return r;
}

std::vector<HfTensor> PlanTensors(const Gemma4Config& cfg,
                                  const TowerDims& dims, uint64_t seed) {
  std::vector<HfTensor> out;
  for (const PlannedTensor& p : PlanTextTensors(cfg)) {
    if (p.role == TensorRole::kRopeFreqs) continue;  // generated, not in HF
    HfTensor t;
    t.name =
        p.hf_name == "lm_head.weight" ? p.hf_name : kTextPrefix + p.hf_name;
    t.shape = p.shape;
    t.key = SynthTensorKey(seed, p.gguf_name);
    t.rule.role = p.role;
    t.rule.std = SynthTextStd(p, cfg.text);
    out.push_back(std::move(t));
  }
  if (!dims.any()) return out;
  for (const TowerTensor& tt : PlanTowerTensors(dims)) {
    if (tt.optional) continue;
    HfTensor t;
    t.name = tt.hf_name;
    t.shape = tt.hf_shape;
    t.key = SynthTensorKey(seed, tt.gguf_name);
    t.rule = TowerRule(tt);
    out.push_back(std::move(t));
  }
  return out;
}

// config.json with the tokenizer's vocabulary and ids (as ApplySynthTokenizer
// set them in `cfg`); the top-level eos list starts with the text eos id.
Result<std::string> ConfigWithTokenizer(const std::string& text,
                                        const Gemma4Config& cfg) {
  nlohmann::ordered_json top =
      nlohmann::ordered_json::parse(text, nullptr, false);
  if (top.is_discarded() || !top.is_object())
    return Corrupt("config.json: not a JSON object");
  const bool nested =
      top.contains("text_config") && top["text_config"].is_object();
  nlohmann::ordered_json& tc = nested ? top["text_config"] : top;
  const TextConfig& t = cfg.text;
  tc["vocab_size"] = t.vocab;
  if (t.d_ple > 0) tc["vocab_size_per_layer_input"] = t.vocab_ple;
  tc["bos_token_id"] = t.bos_id;
  tc["eos_token_id"] = t.eos_id;
  tc["pad_token_id"] = t.pad_id;
  if (nested) {
    std::vector<int> eos{t.eos_id};
    for (int id : cfg.eos_ids) {
      if (id != t.eos_id) eos.push_back(id);
    }
    top["eos_token_id"] = eos;
  }
  return top.dump(2) + "\n";
}

// Config text, parsed config (with the tokenizer applied) and tensor plan.
Result<HfPlan> MakePlan(const SynthOptions& opt) {
  HfPlan plan;
  EM_ASSIGN_OR_RETURN(plan.config_text, SynthConfigText(opt.config));
  EM_ASSIGN_OR_RETURN(Gemma4Config cfg, ParseGemma4Config(plan.config_text));
  if (!opt.tokenizer_path.empty()) {
    EM_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok,
                        Tokenizer::FromJsonFile(opt.tokenizer_path));
    ApplySynthTokenizer(*tok, cfg);
    EM_RETURN_IF_ERROR(ValidateConfig(cfg));
    EM_ASSIGN_OR_RETURN(plan.config_text,
                        ConfigWithTokenizer(plan.config_text, cfg));
    // The directory means what its config.json says: plan from the re-parse.
    EM_ASSIGN_OR_RETURN(Gemma4Config again,
                        ParseGemma4Config(plan.config_text));
    if (again.text.vocab != cfg.text.vocab ||
        again.text.vocab_ple != cfg.text.vocab_ple) {
      return Internal("synth: the rewritten config.json does not round-trip");
    }
    cfg = again;
  }
  EM_ASSIGN_OR_RETURN(TowerDims dims, TowerDimsFromConfig(cfg));
  plan.tensors = PlanTensors(cfg, dims, opt.seed);
  for (const HfTensor& t : plan.tensors) plan.data_bytes += Bf16Bytes(t);
  return plan;
}

SafetensorsEntry Entry(const HfTensor& t) {
  SafetensorsEntry e;
  e.name = t.name;
  e.dtype = DType::kBF16;
  e.shape = t.shape;
  e.producer = [t](TensorSink& sink) {
    const int64_t cols = t.shape.empty() ? 1 : t.shape.back();
    const int64_t rows = cols > 0 ? Numel(t.shape) / cols : 0;
    auto fill = [&t, cols](int64_t r0, int64_t nr, float* dst) {
      const ValueRule& r = t.rule;
      for (int64_t i = 0; i < nr * cols; ++i) {
        dst[i] = r.constant ? r.value
                            : SynthValue(t.key, r.role, r.std, r0 * cols + i);
      }
      return Status::Ok();
    };
    return StreamRows(DType::kBF16, rows, cols, fill, sink);
  };
  return e;
}

// Tensor indices per shard: plan order, a new shard when the next tensor would
// pass `cap` (a tensor larger than `cap` gets a shard of its own).
std::vector<std::vector<size_t>> Shard(const std::vector<HfTensor>& tensors,
                                       uint64_t cap) {
  std::vector<std::vector<size_t>> shards;
  uint64_t bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t b = Bf16Bytes(tensors[i]);
    if (shards.empty() || (bytes > 0 && bytes + b > cap)) {
      shards.emplace_back();
      bytes = 0;
    }
    shards.back().push_back(i);
    bytes += b;
  }
  return shards;
}

std::string ShardName(size_t k, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", k + 1, n);
  return buf;
}

Status WriteFd(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (w == 0) errno = ENOSPC;
      return IoError(ErrnoText("write", path));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Creates `path` (must not exist) with `fill(fd)`'s bytes; removed on error.
Status CreateFile(const std::string& path,
                  const std::function<Status(int fd)>& fill) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return IoError(ErrnoText("create", path));
  Status s = fill(fd);
  if (s.ok() && ::fsync(fd) != 0) s = IoError(ErrnoText("fsync", path));
  if (::close(fd) != 0 && s.ok()) s = IoError(ErrnoText("close", path));
  if (!s.ok()) ::unlink(path.c_str());
  return s;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  return CreateFile(path, [&](int fd) {
    return WriteFd(fd, text.data(), text.size(), path);
  });
}

Status CopyFile(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return IoError(ErrnoText("open", from));
  Status s = CreateFile(to, [&](int fd) {
    std::vector<char> buf(kCopyBytes);
    for (;;) {
      const ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError(ErrnoText("read", from));
      if (n == 0) return Status::Ok();
      EM_RETURN_IF_ERROR(WriteFd(fd, buf.data(), static_cast<size_t>(n), to));
    }
  });
  ::close(in);
  return s;
}

// Writes every file of the checkpoint into the (empty) directory `dir`.
Status WriteCheckpoint(const std::string& dir, const HfPlan& plan,
                       const SynthOptions& opt) {
  EM_RETURN_IF_ERROR(WriteTextFile(dir + "/config.json", plan.config_text));
  if (!opt.tokenizer_path.empty()) {
    EM_RETURN_IF_ERROR(CopyFile(opt.tokenizer_path, dir + "/tokenizer.json"));
  }
  const std::vector<std::vector<size_t>> shards =
      Shard(plan.tensors, opt.shard_bytes);
  nlohmann::json weight_map = nlohmann::json::object();
  uint64_t done = 0;
  for (size_t k = 0; k < shards.size(); ++k) {
    const std::string name = ShardName(k, shards.size());
    std::vector<SafetensorsEntry> entries;
    for (size_t i : shards[k]) {
      entries.push_back(Entry(plan.tensors[i]));
      weight_map[plan.tensors[i].name] = name;
    }
    EM_RETURN_IF_ERROR(WriteSafetensorsFile(
        dir + "/" + name, entries, opt.progress, done, plan.data_bytes));
    for (size_t i : shards[k]) done += Bf16Bytes(plan.tensors[i]);
  }
  nlohmann::json index = {{"metadata", {{"total_size", plan.data_bytes}}},
                          {"weight_map", weight_map}};
  return WriteTextFile(dir + "/model.safetensors.index.json",
                       index.dump(2) + "\n");
}

bool IsCheckpointFile(const std::string& name) {
  static const std::set<std::string> kNames = {
      "config.json",         "generation_config.json",
      "tokenizer.json",      "tokenizer_config.json",
      "chat_template.jinja", "model.safetensors.index.json"};
  return kNames.count(name) > 0 || EndsWith(name, ".safetensors");
}

// Names in `dir` (without . and ..); false if it cannot be listed.
bool ListDir(const std::string& dir, std::vector<std::string>* names) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names->push_back(n);
  }
  ::closedir(d);
  return true;
}

// Removes the plain files in `dir`, then `dir` (best effort).
void RemoveFlatDir(const std::string& dir) {
  std::vector<std::string> names;
  ListDir(dir, &names);
  for (const std::string& n : names) ::unlink((dir + "/" + n).c_str());
  ::rmdir(dir.c_str());
}

// The overwrite policy of synth_model.h, checked before anything is written.
Status CheckOutput(const std::string& out, bool force) {
  const FileKind kind = GetFileKind(out, /*follow_links=*/false);
  if (kind == FileKind::kMissing) return Status::Ok();
  if (!force)
    return InvalidArgument(out + ": already exists (use --force to overwrite)");
  if (kind != FileKind::kDirectory) {
    return InvalidArgument(out +
                           ": exists and is not a directory; refusing to "
                           "replace it with a checkpoint directory");
  }
  std::vector<std::string> names;
  if (!ListDir(out, &names)) return IoError(ErrnoText("listing", out));
  for (const std::string& n : names) {
    const bool file =
        GetFileKind(out + "/" + n, /*follow_links=*/false) == FileKind::kFile;
    if (!file || !IsCheckpointFile(n)) {
      return InvalidArgument(out + ": holds '" + n +
                             "', which is not a checkpoint file; refusing to "
                             "replace the directory");
    }
  }
  return Status::Ok();
}

std::string ParentDir(const std::string& p) {
  const size_t s = p.rfind('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : p.substr(0, s);
}

void SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // best effort: makes the rename durable
  ::close(fd);
}

// Renames the finished `stage` to `out`; an existing `out` (already checked
// by CheckOutput) is moved aside first and removed after the swap.
Status Commit(const std::string& stage, const std::string& out, bool force) {
  if (GetFileKind(out, /*follow_links=*/false) == FileKind::kMissing) {
    if (::rename(stage.c_str(), out.c_str()) != 0)
      return IoError(ErrnoText("rename of the staging directory", out));
    SyncDir(ParentDir(out));
    return Status::Ok();
  }
  if (!force)
    return InvalidArgument(out + ": appeared while writing (use --force)");
  std::string aside = out + ".old.XXXXXX";
  if (::mkdtemp(aside.data()) == nullptr)
    return IoError(ErrnoText("creating a directory beside", out));
  const std::string old = aside + "/old";
  if (::rename(out.c_str(), old.c_str()) != 0) {
    Status s = IoError(ErrnoText("moving the old directory aside", out));
    ::rmdir(aside.c_str());
    return s;
  }
  if (::rename(stage.c_str(), out.c_str()) != 0) {
    Status s = IoError(ErrnoText("rename of the staging directory", out));
    ::rename(old.c_str(), out.c_str());
    ::rmdir(aside.c_str());
    return s;
  }
  RemoveFlatDir(old);
  ::rmdir(aside.c_str());
  SyncDir(ParentDir(out));
  return Status::Ok();
}

}  // namespace

Status SynthHfCheckpoint(const SynthOptions& opt, QuantizeSummary* summary) {
  std::string out = opt.out_path;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.empty()) return InvalidArgument("synth: empty output path");
  EM_RETURN_IF_ERROR(CheckOutput(out, opt.force));
  if (opt.shard_bytes == 0)
    return InvalidArgument("synth: the shard size must be > 0");
  EM_ASSIGN_OR_RETURN(HfPlan plan, MakePlan(opt));
  std::string stage = out + ".tmp.XXXXXX";
  if (::mkdtemp(stage.data()) == nullptr) {
    return IoError(ErrnoText(
        "creating a staging directory in '" + ParentDir(out) + "'", out));
  }
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(stage.c_str(), 0777 & ~mask);  // mkdtemp made it 0700
  Status s = WriteCheckpoint(stage, plan, opt);
  if (s.ok()) s = Commit(stage, out, opt.force);
  if (!s.ok()) {
    RemoveFlatDir(stage);
    return s;
  }
  if (summary != nullptr) {
    *summary = QuantizeSummary();
    summary->tensors = static_cast<int>(plan.tensors.size());
    summary->data_bytes = plan.data_bytes;
    summary->type_counts["bf16"] = summary->tensors;
    summary->type_bytes["bf16"] = plan.data_bytes;
  }
  return Status::Ok();
}

}  // namespace edgemma
