// `edgemma quantize`: HF checkpoint -> GGUF (contracts in quantize_model.h).
#include "core/convert/quantize_model.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/convert/quantize_mmproj.h"
#include "core/io/config.h"
#include "core/io/gguf_keys.h"
#include "core/io/safetensors.h"
#include "core/text/tokenizer.h"
#include "platform/file_status.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return IoError(path + ": cannot read");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string BaseName(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// The source tensor for a planned tensor: `prefix + hf_name` (lm_head has no
// prefix). Checks dtype and shape (layer_scalar may be stored as a 0-d scalar).
Result<const TensorInfo*> FindSource(const SafetensorsModel& st,
                                     const std::string& prefix,
                                     const PlannedTensor& p) {
  std::string name =
      p.hf_name == "lm_head.weight" ? p.hf_name : prefix + p.hf_name;
  const TensorInfo* t = st.Find(name);
  if (t == nullptr)
    return NotFound("checkpoint: tensor '" + name + "' is missing");
  if (t->dtype != DType::kF32 && t->dtype != DType::kF16 &&
      t->dtype != DType::kBF16) {
    return Unsupported("checkpoint: tensor '" + name +
                       "' has unsupported dtype " + DTypeName(t->dtype) +
                       " (F32, F16, BF16 only)");
  }
  bool scalar_ok =
      p.role == TensorRole::kScalar && t->numel() == 1 && t->shape.size() <= 1;
  if (t->shape != p.shape && !scalar_ok) {
    TensorInfo want;
    want.shape = p.shape;
    return InvalidArgument("checkpoint: tensor '" + name + "' has shape " +
                           t->ShapeString() + ", the config implies " +
                           want.ShapeString());
  }
  return t;
}

Result<std::unique_ptr<Tokenizer>> LoadTokenizer(const QuantizeOptions& opt) {
  std::string path = opt.tokenizer_path.empty() ? opt.in_dir + "/tokenizer.json"
                                                : opt.tokenizer_path;
  if (!IsFile(path)) {
    return NotFound(
        path +
        ": no tokenizer (pass --tokenizer FILE, or --no-tokenizer to "
        "write a GGUF that needs token ids)");
  }
  return Tokenizer::FromJsonFile(path);
}

Status CheckInputs(const QuantizeOptions& opt, const std::string& mmproj) {
  if (!IsDirectory(opt.in_dir)) {
    return NotFound(opt.in_dir + ": not a directory");
  }
  if (!IsFile(opt.in_dir + "/config.json")) {
    return NotFound(opt.in_dir + ": no config.json");
  }
  for (const std::string& out : {opt.out_path, mmproj}) {
    if (!out.empty() && !opt.force && PathExists(out)) {
      return InvalidArgument(out +
                             ": already exists (use --force to overwrite)");
    }
  }
  if (mmproj == opt.out_path) {
    return InvalidArgument(mmproj + ": the mmproj path equals the output path");
  }
  return Status::Ok();
}

// Writes `mm` (when given) and `main` as one transaction (contract in
// quantize_model.h).
Status CommitPair(GgufWriter& main, GgufWriter* mm, const QuantizeOptions& opt,
                  const std::string& mm_path) {
  if (mm == nullptr)
    return main.WriteFile(opt.out_path, opt.force, opt.progress);
  const std::string tag = ".staged." + std::to_string(::getpid());
  const std::string mm_tmp = mm_path + tag, main_tmp = opt.out_path + tag;
  Status s = mm->WriteFile(mm_tmp, /*force=*/true, opt.progress);
  if (s.ok()) s = main.WriteFile(main_tmp, /*force=*/true, opt.progress);
  if (s.ok() && ::rename(mm_tmp.c_str(), mm_path.c_str()) != 0)
    s = IoError(mm_path + ": cannot rename the staged mmproj into place");
  if (s.ok() && ::rename(main_tmp.c_str(), opt.out_path.c_str()) != 0) {
    s = IoError(opt.out_path + ": cannot rename the staged file into place");
    ::unlink(mm_path.c_str());
  }
  if (!s.ok()) {
    ::unlink(mm_tmp.c_str());
    ::unlink(main_tmp.c_str());
  }
  return s;
}

}  // namespace

Result<std::string> ReadChatTemplate(const std::string& dir) {
  if (IsFile(dir + "/chat_template.jinja"))
    return ReadText(dir + "/chat_template.jinja");
  if (!IsFile(dir + "/tokenizer_config.json")) return std::string();
  EM_ASSIGN_OR_RETURN(std::string text,
                      ReadText(dir + "/tokenizer_config.json"));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded())
    return Corrupt(dir + "/tokenizer_config.json: invalid JSON");
  if (!j.is_object() || !j.contains("chat_template")) return std::string();
  const nlohmann::json& t = j["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {  // [{"name": "default", "template": "..."}, ...]
    for (const auto& e : t) {
      if (e.is_object() && e.value("name", "") == "default" &&
          e.contains("template") && e["template"].is_string()) {
        return e["template"].get<std::string>();
      }
    }
  }
  return Corrupt(
      dir +
      "/tokenizer_config.json: chat_template is neither a string nor a "
      "list with a 'default' entry");
}

void CountTypes(const std::vector<PlannedTensor>& plan,
                const std::vector<DType>& types, QuantizeSummary* s) {
  for (size_t i = 0; i < plan.size(); ++i) {
    const std::vector<int64_t>& sh = plan[i].shape;
    int64_t cols = sh.empty() ? 1 : sh.back();
    int64_t rows = 1;
    for (size_t k = 0; k + 1 < sh.size(); ++k) rows *= sh[k];
    Result<size_t> rb = RowBytes(types[i], cols);
    uint64_t bytes = rb.ok() ? rb.value() * static_cast<uint64_t>(rows) : 0;
    s->type_counts[DTypeName(types[i])]++;
    s->type_bytes[DTypeName(types[i])] += bytes;
    s->data_bytes += bytes;
    s->tensors++;
  }
}

WriteProgress TerminalProgress() {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(
      std::chrono::steady_clock::now());
  return [start](const std::string& name, uint64_t done, uint64_t total) {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *start)
            .count();
    double eta =
        done > 0 ? secs * static_cast<double>(total - done) / done : 0.0;
    std::fprintf(stderr, "\r\033[K%-40.40s %8.1f / %.1f MiB  ETA %5.0f s",
                 name.c_str(), done / 1048576.0, total / 1048576.0, eta);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

std::string DescribeSummary(const QuantizeSummary& s) {
  std::string out;
  char line[160];
  for (const auto& [type, count] : s.type_counts) {
    std::snprintf(line, sizeof line, "  %-5s %4d tensors %10.2f MiB\n",
                  type.c_str(), count, s.type_bytes.at(type) / 1048576.0);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "  total %4d tensors %10.2f MiB of tensor data\n", s.tensors,
                s.data_bytes / 1048576.0);
  out += line;
  return out;
}

Status ConvertSourceTensor(const SafetensorsModel& st, const TensorInfo& src,
                           DType type, const RowHook& row_hook,
                           TensorSink& sink) {
  const int64_t cols = src.shape.empty() ? 1 : src.shape.back();
  const int64_t rows = cols > 0 ? src.numel() / cols : 0;
  const size_t src_row = static_cast<size_t>(cols) * BlockBytes(src.dtype);
  const uint8_t* base = static_cast<const uint8_t*>(src.data);
  const MappedFile* file = st.FileOf(src);
  const size_t offset =
      file != nullptr ? static_cast<size_t>(base - file->data()) : 0;
  std::vector<uint8_t> raw;  // [chunk rows, src_row], read with pread
  auto fill = [&](int64_t r0, int64_t nr, float* dst) -> Status {
    const uint8_t* rows_at = base + r0 * src_row;
    if (file != nullptr) {
      const size_t n = static_cast<size_t>(nr) * src_row;
      raw.resize(n);
      if (!file->ReadAt(offset + r0 * src_row, n, raw.data())) {
        return IoError(file->path() + ": cannot read tensor '" + src.name +
                       "' (rows " + std::to_string(r0) + ".." +
                       std::to_string(r0 + nr) + ")");
      }
      rows_at = raw.data();
    }
    for (int64_t r = 0; r < nr; ++r) {
      EM_RETURN_IF_ERROR(DequantizeRow(src.dtype, rows_at + r * src_row, cols,
                                       dst + r * cols));
      if (row_hook) row_hook(dst + r * cols, cols);
    }
    return Status::Ok();
  };
  return StreamRows(type, rows, cols, fill, sink);
}

void ReleaseSourcePages(const SafetensorsModel& st) {
  std::vector<const MappedFile*> seen;
  for (const TensorInfo& t : st.tensors()) {
    const MappedFile* f = st.FileOf(t);
    if (f == nullptr || std::find(seen.begin(), seen.end(), f) != seen.end()) {
      continue;
    }
    seen.push_back(f);
    f->Advise(0, f->size(), MapAdvice::kDontNeed);
  }
}

namespace {

// Queues the text model (metadata, tokenizer, tensors) on `w`; every source
// tensor is resolved before returning. `st` and `freqs` must outlive
// w.WriteFile().
Status PrepareText(const QuantizeOptions& opt, const Gemma4Config& cfg,
                   const SafetensorsModel& st, const std::vector<float>& freqs,
                   GgufWriter& w, QuantizeSummary* summary) {
  const std::string prefix =
      st.Find("model.language_model.embed_tokens.weight") != nullptr
          ? "model.language_model."
          : "model.";
  std::unique_ptr<Tokenizer> tok;
  if (!opt.no_tokenizer) {
    EM_ASSIGN_OR_RETURN(tok, LoadTokenizer(opt));
  }
  EM_ASSIGN_OR_RETURN(std::string chat_template, ReadChatTemplate(opt.in_dir));
  std::vector<PlannedTensor> plan =
      PlanTextTensors(cfg, StoresTiedHeadCopy(opt.preset));
  std::vector<DType> types;
  std::vector<const TensorInfo*> srcs;
  for (const PlannedTensor& p : plan) {
    types.push_back(ChooseTensorType(p, opt.preset, opt.keep_f16));
    if (p.role == TensorRole::kRopeFreqs) {
      srcs.push_back(nullptr);
      continue;
    }
    EM_ASSIGN_OR_RETURN(const TensorInfo* t, FindSource(st, prefix, p));
    srcs.push_back(t);
  }
  WriteConfigMetadata(cfg, opt.preset, BaseName(opt.in_dir), "quantize", w);
  if (tok) {
    EM_RETURN_IF_ERROR(WriteTokenizerMetadata(*tok, cfg, chat_template, w));
  } else {
    WriteNoTokenizerMetadata(w);
    if (!chat_template.empty()) w.AddString(kGgufChatTemplate, chat_template);
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    const TensorInfo* src = srcs[i];
    const DType type = types[i];
    if (src == nullptr) {
      w.AddTensor(plan[i].gguf_name, DType::kF32, plan[i].shape,
                  [&freqs](TensorSink& s) {
                    return s.Write(freqs.data(), freqs.size() * sizeof(float));
                  });
      continue;
    }
    const SafetensorsModel* stp = &st;
    w.AddTensor(plan[i].gguf_name, type, plan[i].shape,
                [stp, src, type](TensorSink& s) {
                  return ConvertSourceTensor(*stp, *src, type, nullptr, s);
                });
  }
  CountTypes(plan, types, summary);
  return Status::Ok();
}

}  // namespace

Status QuantizeModel(const QuantizeOptions& opt, QuantizeSummary* summary) {
  QuantizeSummary local;
  QuantizeSummary& sum = summary != nullptr ? *summary : local;
  sum = QuantizeSummary();
  EM_RETURN_IF_ERROR(CheckInputs(opt, ""));
  EM_ASSIGN_OR_RETURN(Gemma4Config cfg, LoadGemma4Config(opt.in_dir));
  EM_ASSIGN_OR_RETURN(TowerDims dims, TowerDimsFromConfig(cfg));
  EM_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsModel> st,
                      SafetensorsModel::OpenDir(opt.in_dir));
  ReleaseSourcePages(*st);  // the header parse's pages (and fault-around)
  const int towers = CountTowerTensors(*st);
  std::string mm_path;
  if (!dims.any()) {
    sum.mmproj_note = "no vision/audio config in the checkpoint: no mmproj";
    if (towers > 0) {
      return InvalidArgument(opt.in_dir + ": " + std::to_string(towers) +
                             " tower tensors but config.json has no "
                             "vision_config/audio_config");
    }
  } else if (opt.no_mmproj) {
    sum.mmproj_note = "--no-mmproj: towers not converted";
    sum.skipped_tower_tensors = towers;
  } else {
    mm_path = opt.mmproj_path.empty() ? DefaultMmprojPath(opt.out_path)
                                      : opt.mmproj_path;
    EM_RETURN_IF_ERROR(CheckInputs(opt, mm_path));
  }
  GgufWriter mm;
  if (!mm_path.empty()) {
    MmprojTally tally;
    EM_RETURN_IF_ERROR(PrepareMmproj(cfg, dims, *st, opt.preset, opt.keep_f16,
                                     BaseName(opt.in_dir), mm, &tally));
    sum.mmproj_tensors = tally.tensors;
    sum.mmproj_bytes = tally.data_bytes;
    sum.mmproj_type_counts = tally.type_counts;
  }
  const std::vector<float> freqs = RopeFreqs(cfg);
  GgufWriter w;
  EM_RETURN_IF_ERROR(PrepareText(opt, cfg, *st, freqs, w, &sum));
  EM_RETURN_IF_ERROR(
      CommitPair(w, mm_path.empty() ? nullptr : &mm, opt, mm_path));
  sum.mmproj_path = mm_path;
  return Status::Ok();
}

}  // namespace edgemma
