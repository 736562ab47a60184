// `edgemma synth` (contracts in synth_model.h).
#include "core/convert/synth_model.h"

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/convert/known_configs.h"
#include "core/io/gemma4_names.h"
#include "core/text/tokenizer.h"

namespace edgemma {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Uniform in (0, 1]: 53 random bits.
double Unit(uint64_t h) {
  return (static_cast<double>(h >> 11) + 1.0) * 0x1.0p-53;
}

}  // namespace

Result<std::string> SynthConfigText(const std::string& name) {
  if (name == "e2b" || name == "e4b") return KnownConfigJson(name);
  std::ifstream f(name, std::ios::binary);
  if (!f)
    return NotFound(name +
                    ": no such config (use e2b, e4b or a config.json path)");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

float SynthTextStd(const PlannedTensor& p, const TextConfig& t) {
  switch (p.role) {
    case TensorRole::kEmbedding:
      return 1.0f / std::sqrt(static_cast<float>(t.d_model));
    case TensorRole::kPleTable:
      return 1.0f / std::sqrt(static_cast<float>(t.d_ple));
    case TensorRole::kLinear:
      return 1.0f / std::sqrt(static_cast<float>(
                        p.shape.empty() ? 1 : p.shape.back()));
    default:
      return 0.05f;
  }
}

void ApplySynthTokenizer(const Tokenizer& tok, Gemma4Config& cfg) {
  TextConfig& t = cfg.text;
  t.vocab = tok.vocab_size();
  if (t.d_ple > 0) t.vocab_ple = tok.vocab_size();
  if (tok.bos_id() >= 0) t.bos_id = tok.bos_id();
  if (tok.eos_id() >= 0) t.eos_id = tok.eos_id();
  if (tok.pad_id() >= 0) t.pad_id = tok.pad_id();
  std::vector<int> eos;
  for (int id : cfg.eos_ids) {
    if (id >= 0 && id < t.vocab) eos.push_back(id);
  }
  if (eos.empty()) eos.push_back(t.eos_id);
  cfg.eos_ids = eos;
}

uint64_t SynthTensorKey(uint64_t seed, const std::string& name) {
  uint64_t h = SplitMix(seed);
  for (unsigned char c : name) h = SplitMix(h ^ c);
  return h;
}

float SynthValue(uint64_t key, TensorRole role, float std, int64_t index) {
  if (role == TensorRole::kScalar) return 1.0f;
  uint64_t h1 = SplitMix(key ^ SplitMix(2 * static_cast<uint64_t>(index)));
  uint64_t h2 = SplitMix(key ^ SplitMix(2 * static_cast<uint64_t>(index) + 1));
  double z = std::sqrt(-2.0 * std::log(Unit(h1))) *
             std::cos(6.283185307179586 * Unit(h2));
  float v = static_cast<float>(z) * std;
  return role == TensorRole::kNorm ? 1.0f + v : v;
}

Status SynthModel(const SynthOptions& opt, QuantizeSummary* summary) {
  if (opt.format == SynthFormat::kHf) return SynthHfCheckpoint(opt, summary);
  EM_ASSIGN_OR_RETURN(std::string json, SynthConfigText(opt.config));
  EM_ASSIGN_OR_RETURN(Gemma4Config cfg, ParseGemma4Config(json));
  std::unique_ptr<Tokenizer> tok;
  if (!opt.tokenizer_path.empty()) {
    EM_ASSIGN_OR_RETURN(tok, Tokenizer::FromJsonFile(opt.tokenizer_path));
    ApplySynthTokenizer(*tok, cfg);
    EM_RETURN_IF_ERROR(ValidateConfig(cfg));
  }

  GgufWriter w;
  WriteConfigMetadata(cfg, opt.preset, "synth-" + opt.config,
                      "synth:" + std::to_string(opt.seed), w);
  if (tok) {
    EM_RETURN_IF_ERROR(WriteTokenizerMetadata(*tok, cfg, std::string(), w));
    tok.reset();
  } else {
    WriteNoTokenizerMetadata(w);
  }
  std::vector<PlannedTensor> plan =
      PlanTextTensors(cfg, StoresTiedHeadCopy(opt.preset));
  std::vector<DType> types;
  const std::vector<float> freqs = RopeFreqs(cfg);
  for (const PlannedTensor& p : plan) {
    DType type = ChooseTensorType(p, opt.preset, {});
    types.push_back(type);
    if (p.role == TensorRole::kRopeFreqs) {
      w.AddTensor(p.gguf_name, DType::kF32, p.shape, [&freqs](TensorSink& s) {
        return s.Write(freqs.data(), freqs.size() * sizeof(float));
      });
      continue;
    }
    const int64_t cols = p.shape.back();
    int64_t rows = 1;
    for (size_t k = 0; k + 1 < p.shape.size(); ++k) rows *= p.shape[k];
    // A tied head's copy holds the embedding's values.
    const bool copy = p.role == TensorRole::kTiedHead;
    const TensorRole role = copy ? TensorRole::kEmbedding : p.role;
    const uint64_t key = SynthTensorKey(
        opt.seed, copy ? std::string(gemma4_names::kEmbed.gguf) : p.gguf_name);
    const float std = SynthTextStd(
        PlannedTensor{p.gguf_name, p.hf_name, p.shape, role}, cfg.text);
    w.AddTensor(p.gguf_name, type, p.shape, [=](TensorSink& s) {
      auto fill = [&](int64_t r0, int64_t nr, float* dst) {
        for (int64_t i = 0; i < nr * cols; ++i)
          dst[i] = SynthValue(key, role, std, r0 * cols + i);
        return Status::Ok();
      };
      return StreamRows(type, rows, cols, fill, s);
    });
  }
  if (summary != nullptr) {
    *summary = QuantizeSummary();
    CountTypes(plan, types, summary);
  }
  return w.WriteFile(opt.out_path, opt.force, opt.progress);
}

}  // namespace edgemma
