// `edgemma inspect PATH`: config summary, per-layer table and tensor list of an
// HF checkpoint directory or a GGUF file (plus the GGUF metadata, arrays
// abbreviated).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/io/gguf.h"
#include "core/io/model_source.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma inspect PATH [--no-tensors]\n"
    "  Prints the resolved config, the per-layer table and the tensors (name, "
    "dtype, shape,\n"
    "  bytes) of an HF checkpoint directory (config.json + safetensors) or a "
    ".gguf file.\n"
    "  For GGUF files the metadata keys are listed too (arrays abbreviated).\n"
    "options:\n"
    "  --no-tensors   skip the tensor list\n";

const char* TypeName(GgufType t) {
  static const char* const kNames[] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                       "i32", "f32", "bool", "string", "array",
                                       "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "?";
}

std::string Quote(std::string_view s, size_t max) {
  std::string out = "\"";
  out.append(s.substr(0, max));
  if (s.size() > max) out += "...";
  return out + "\"";
}

// One value, printed on one line; arrays show their first elements only.
std::string FormatValue(const GgufValue& v) {
  char buf[64];
  switch (v.type) {
    case GgufType::kString:
      return Quote(v.str, 80);
    case GgufType::kBool:
      return v.u ? "true" : "false";
    case GgufType::kF32:
    case GgufType::kF64:
      std::snprintf(buf, sizeof(buf), "%g", v.f);
      return buf;
    case GgufType::kI8:
    case GgufType::kI16:
    case GgufType::kI32:
    case GgufType::kI64:
      return std::to_string(v.i);
    case GgufType::kArray:
      break;
    default:
      return std::to_string(v.u);
  }
  std::string s = std::string(TypeName(v.elem_type)) + "[" +
                  std::to_string(v.count) + "] [";
  const uint64_t shown = v.count < 8 ? v.count : 8;
  for (uint64_t i = 0; i < shown; ++i) {
    if (i) s += ", ";
    if (v.elem_type == GgufType::kString) {
      s += Quote(v.ArrayString(i), 24);
    } else if (v.elem_type == GgufType::kF32 || v.elem_type == GgufType::kF64) {
      std::snprintf(buf, sizeof(buf), "%g", v.ArrayFloat(i));
      s += buf;
    } else {
      s += std::to_string(v.ArrayInt(i));
    }
  }
  return s + (v.count > shown ? ", ...]" : "]");
}

void PrintConfig(const Gemma4Config& c) {
  const TextConfig& t = c.text;
  std::printf("config:\n");
  std::printf(
      "  layers=%d d_model=%d heads=%d kv_heads=%d head_dim=%d "
      "global_head_dim=%d\n",
      t.n_layers, t.d_model, t.n_heads, t.n_kv_heads, t.head_dim,
      t.global_head_dim);
  std::printf(
      "  d_ff=%d double_wide_mlp=%d vocab=%d d_ple=%d vocab_ple=%d window=%d "
      "max_ctx=%d\n",
      t.d_ff, t.double_wide_mlp, t.vocab, t.d_ple, t.vocab_ple, t.window,
      t.max_ctx);
  std::printf(
      "  kv_shared_layers=%d (first shared %d) softcap=%g rms_eps=%g "
      "dtype=%s\n",
      t.n_kv_shared, t.first_shared(), t.final_softcap, t.rms_eps,
      t.dtype.empty() ? "?" : t.dtype.c_str());
  std::printf("  ids: pad=%d bos=%d eos=%d stop=[", t.pad_id, t.bos_id,
              t.eos_id);
  for (size_t i = 0; i < c.eos_ids.size(); ++i)
    std::printf("%s%d", i ? ", " : "", c.eos_ids[i]);
  std::printf("] image=%d audio=%d boi=%d eoi=%d boa=%d eoa=%d\n",
              c.image_token_id, c.audio_token_id, c.boi_token_id,
              c.eoi_token_id, c.boa_token_id, c.eoa_token_id);
  std::printf("  vision tower: %s (hidden %d), audio tower: %s (hidden %d)\n",
              c.vision.present ? "yes" : "no", c.vision.hidden_size,
              c.audio.present ? "yes" : "no", c.audio.hidden_size);
  std::printf("layers:\n%s", c.DescribeLayers().c_str());
}

void PrintTensors(const ModelSource& m) {
  size_t total = 0;
  std::printf("tensors (%zu):\n", m.tensors().size());
  for (const TensorInfo& t : m.tensors()) {
    std::printf("  %-64s %-5s %-16s %zu\n", t.name.c_str(), DTypeName(t.dtype),
                t.ShapeString().c_str(), t.nbytes);
    total += t.nbytes;
  }
  std::printf("total tensor bytes: %zu (%.1f MiB)\n", total, total / 1048576.0);
}

int Inspect(int argc, char** argv) {
  std::vector<std::string> paths;
  bool no_tensors = false;
  Flags flags("inspect", kUsage);
  flags.Switch("--no-tensors", &no_tensors).Positionals(&paths, 1, 1);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  const std::string& path = paths[0];
  auto src = ModelSource::Open(path);
  if (!src.ok()) return flags.Fail(src.status());
  const ModelSource& m = *src.value();
  std::printf("%s: %s\n", path.c_str(),
              m.format() == ModelFormat::kGguf ? "GGUF file"
                                               : "Hugging Face checkpoint");
  if (const GgufFile* g = m.gguf()) {
    std::printf("gguf: version %u, alignment %llu, %zu keys:\n", g->version(),
                static_cast<unsigned long long>(g->alignment()),
                g->keys().size());
    for (const std::string& k : g->keys()) {
      const GgufValue* v = g->Get(k);
      std::printf("  %-48s %-6s %s\n", k.c_str(), TypeName(v->type),
                  FormatValue(*v).c_str());
    }
  }
  PrintConfig(m.config());
  if (!no_tensors) PrintTensors(m);
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("inspect",
                "print the config, layer table and tensors of a model",
                Inspect);

}  // namespace edgemma::cli
