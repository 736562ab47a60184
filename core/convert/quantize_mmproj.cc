// Tower tensors -> mmproj GGUF producers (contracts in quantize_mmproj.h).
#include "core/convert/quantize_mmproj.h"

#include <unordered_set>

#include "core/convert/quantize_model.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  TensorInfo t;
  t.shape = shape;
  return t.ShapeString();
}

// The checkpoint tensor for `p`, or nullptr when it is optional and absent.
Result<const TensorInfo*> FindTowerSource(const SafetensorsModel& st,
                                          const TowerTensor& p) {
  const TensorInfo* t = st.Find(p.hf_name);
  if (t == nullptr) {
    if (p.optional) return static_cast<const TensorInfo*>(nullptr);
    return NotFound("checkpoint: tower tensor '" + p.hf_name +
                    "' is missing (needed for " + p.gguf_name + ")");
  }
  if (t->dtype != DType::kF32 && t->dtype != DType::kF16 &&
      t->dtype != DType::kBF16) {
    return Unsupported("checkpoint: tensor '" + p.hf_name +
                       "' has unsupported dtype " + DTypeName(t->dtype) +
                       " (F32, F16, BF16 only)");
  }
  // layer_scalar may be stored 0-d or [1].
  const bool scalar_ok = p.hf_shape.size() <= 1 && t->numel() == 1 &&
                         t->shape.size() <= 1 &&
                         (p.hf_shape.empty() || p.hf_shape[0] == 1);
  if (t->shape != p.hf_shape && !scalar_ok) {
    return InvalidArgument("checkpoint: tensor '" + p.hf_name + "' has shape " +
                           t->ShapeString() + ", the config implies " +
                           ShapeText(p.hf_shape));
  }
  return t;
}

Status CheckAllMapped(const SafetensorsModel& st,
                      const std::vector<TowerTensor>& plan) {
  std::unordered_set<std::string> planned;
  for (const TowerTensor& p : plan) planned.insert(p.hf_name);
  for (const TensorInfo& t : st.tensors()) {
    if (IsTowerTensorName(t.name) && planned.count(t.name) == 0) {
      return Unsupported("checkpoint: tower tensor '" + t.name +
                         "' has no mmproj mapping (the config does not "
                         "imply it; refusing to drop it)");
    }
  }
  return Status::Ok();
}

uint64_t TensorBytes(const std::vector<int64_t>& shape, DType type) {
  int64_t rows = 1;
  for (size_t k = 0; k + 1 < shape.size(); ++k) rows *= shape[k];
  Result<size_t> rb = RowBytes(type, shape.back());
  return rb.ok() ? rb.value() * static_cast<uint64_t>(rows) : 0;
}

}  // namespace

int CountTowerTensors(const SafetensorsModel& st) {
  int n = 0;
  for (const TensorInfo& t : st.tensors()) n += IsTowerTensorName(t.name);
  return n;
}

Status PrepareMmproj(const Gemma4Config& cfg, const TowerDims& dims,
                     const SafetensorsModel& st, QuantPreset preset,
                     const std::vector<std::string>& keep_f16,
                     const std::string& name, GgufWriter& w,
                     MmprojTally* tally) {
  std::vector<TowerTensor> plan = PlanTowerTensors(dims);
  EM_RETURN_IF_ERROR(CheckAllMapped(st, plan));
  std::vector<const TensorInfo*> srcs;
  for (const TowerTensor& p : plan) {
    EM_ASSIGN_OR_RETURN(const TensorInfo* t, FindTowerSource(st, p));
    srcs.push_back(t);
  }
  WriteMmprojMetadata(cfg, dims, preset, name, w);
  *tally = MmprojTally();
  for (size_t i = 0; i < plan.size(); ++i) {
    if (srcs[i] == nullptr) continue;  // optional, absent
    const TowerTensor& p = plan[i];
    const DType type = ChooseMmprojType(p, preset, keep_f16);
    const SafetensorsModel* stp = &st;
    const TensorInfo* src = srcs[i];
    TowerTensor meta = p;  // the producer outlives `plan`
    w.AddTensor(p.gguf_name, type, p.shape,
                [stp, src, type, meta](TensorSink& s) {
                  std::vector<float> tmp;
                  return ConvertSourceTensor(
                      *stp, *src, type,
                      [&meta, &tmp](float* row, int64_t cols) {
                        ApplyTowerTransform(meta, row, cols, tmp);
                      },
                      s);
                });
    tally->tensors++;
    tally->data_bytes += TensorBytes(p.shape, type);
    tally->type_counts[DTypeName(type)]++;
  }
  return Status::Ok();
}

}  // namespace edgemma
