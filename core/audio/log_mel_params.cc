// Front-end parameters: JSON parsing, validation and the clip-size formulas of
// the reference (gemma4ref/audio.py feature_extractor_params, log_mel,
// n_valid_frames, n_audio_tokens).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/audio/log_mel.h"

namespace edgemma {
namespace {

using nlohmann::json;

Status FieldError(const std::string& key, const std::string& problem) {
  return InvalidArgument("feature extractor: " + key + " " + problem);
}

// Reads a number field if present (null = absent).
Status Number(const json& o, const char* key, double* out,
              bool* present = nullptr) {
  if (present) *present = false;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_number())
    return FieldError(key, "must be a number, got " + it->dump());
  *out = it->get<double>();
  if (!std::isfinite(*out)) return FieldError(key, "must be finite");
  if (present) *present = true;
  return Status::Ok();
}

Status Integer(const json& o, const char* key, int64_t* out,
               bool* present = nullptr) {
  double v = static_cast<double>(*out);
  bool have = false;
  EM_RETURN_IF_ERROR(Number(o, key, &v, &have));
  if (present) *present = have;
  if (!have) return Status::Ok();
  if (v != std::floor(v) || std::fabs(v) > 9.0e15) {
    return FieldError(key, "must be an integer, got " + o[key].dump());
  }
  *out = static_cast<int64_t>(v);
  return Status::Ok();
}

Status Bool(const json& o, const char* key, bool* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean())
    return FieldError(key, "must be true or false, got " + it->dump());
  *out = it->get<bool>();
  return Status::Ok();
}

Status Vector(const json& o, const char* key, std::vector<double>* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_array())
    return FieldError(key, "must be an array of numbers or null");
  out->clear();
  for (const json& v : *it) {
    if (!v.is_number()) return FieldError(key, "must hold numbers only");
    out->push_back(v.get<double>());
  }
  return Status::Ok();
}

Status ToInt(const char* key, int64_t v, int* out) {
  if (v < 0 || v > (1 << 30))
    return FieldError(key, "is out of range: " + std::to_string(v));
  *out = static_cast<int>(v);
  return Status::Ok();
}

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Truncation cap of log_mel: max_length rounded up to pad_to_multiple (0 =
// none).
int64_t SampleCap(const LogMelParams& p) {
  if (p.max_samples <= 0) return INT64_MAX;
  const int64_t m = p.pad_to_multiple;
  return m > 0 ? CeilDiv(p.max_samples, m) * m : p.max_samples;
}

// Frames of `len` padded samples (reference: (len - span) // hop + 1, none if
// negative).
int64_t FramesOver(const LogMelParams& p, int64_t padded_len) {
  const int64_t span = p.frame_length + 1;
  if (padded_len < span) return 0;
  return (padded_len - span) / p.hop_length + 1;
}

}  // namespace

Result<LogMelParams> ParseLogMelParams(std::string_view text) {
  const json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgument("feature extractor: not a JSON object");
  }
  const json* o = &doc;
  for (const char* k : {"feature_extractor", "audio_feature_extractor"}) {
    auto it = doc.find(k);
    if (it != doc.end() && it->is_object()) {
      o = &*it;
      break;
    }
  }
  LogMelParams p;
  int64_t rate = p.sample_rate, mels = p.n_mels, pad = p.pad_to_multiple,
          cap = p.max_samples;
  int64_t seq = p.max_tokens;
  double frame_ms = 20.0, hop_ms = 10.0, dither = 0.0;
  bool truncation = true, overdrive = false;
  EM_RETURN_IF_ERROR(Integer(*o, "sampling_rate", &rate));
  EM_RETURN_IF_ERROR(Integer(*o, "feature_size", &mels));
  EM_RETURN_IF_ERROR(Number(*o, "frame_length_ms", &frame_ms));
  EM_RETURN_IF_ERROR(Number(*o, "hop_length_ms", &hop_ms));
  EM_RETURN_IF_ERROR(Number(*o, "min_frequency", &p.min_frequency));
  EM_RETURN_IF_ERROR(Number(*o, "max_frequency", &p.max_frequency));
  EM_RETURN_IF_ERROR(Number(*o, "preemphasis", &p.preemphasis));
  EM_RETURN_IF_ERROR(Bool(*o, "preemphasis_htk_flavor", &p.preemphasis_htk));
  EM_RETURN_IF_ERROR(Bool(*o, "fft_overdrive", &overdrive));
  EM_RETURN_IF_ERROR(Number(*o, "dither", &dither));
  EM_RETURN_IF_ERROR(Number(*o, "input_scale_factor", &p.input_scale));
  EM_RETURN_IF_ERROR(Number(*o, "mel_floor", &p.mel_floor));
  EM_RETURN_IF_ERROR(Vector(*o, "per_bin_mean", &p.per_bin_mean));
  EM_RETURN_IF_ERROR(Vector(*o, "per_bin_stddev", &p.per_bin_stddev));
  EM_RETURN_IF_ERROR(Integer(*o, "max_length", &cap));
  EM_RETURN_IF_ERROR(Bool(*o, "truncation", &truncation));
  EM_RETURN_IF_ERROR(Integer(*o, "pad_to_multiple_of", &pad));
  EM_RETURN_IF_ERROR(Integer(*o, "audio_seq_length", &seq));
  if (dither > 0)
    return FieldError("dither", "> 0 adds random noise: not supported");
  auto w = o->find("window");
  if (w != o->end() && !w->is_null()) {
    if (!w->is_string()) return FieldError("window", "must be a string");
    const std::string name = w->get<std::string>();
    if (name != "numpy_hanning" && name != "float32_cos") {
      return FieldError(
          "window",
          "must be \"numpy_hanning\" or \"float32_cos\", got " + name);
    }
    p.window_float32_cos = name == "float32_cos";
  }
  EM_RETURN_IF_ERROR(ToInt("sampling_rate", rate, &p.sample_rate));
  EM_RETURN_IF_ERROR(ToInt("feature_size", mels, &p.n_mels));
  EM_RETURN_IF_ERROR(ToInt("pad_to_multiple_of", pad, &p.pad_to_multiple));
  EM_RETURN_IF_ERROR(ToInt("audio_seq_length", seq, &p.max_tokens));
  p.max_samples = truncation ? cap : 0;
  // Derived sizes (reference feature_extractor_params): explicit values win.
  int64_t frame = std::llround(p.sample_rate * frame_ms / 1000.0);
  int64_t hop = std::llround(p.sample_rate * hop_ms / 1000.0);
  bool have_fft = false;
  int64_t fft = 0;
  EM_RETURN_IF_ERROR(Integer(*o, "frame_length", &frame));
  EM_RETURN_IF_ERROR(Integer(*o, "hop_length", &hop));
  EM_RETURN_IF_ERROR(Integer(*o, "fft_length", &fft, &have_fft));
  EM_RETURN_IF_ERROR(ToInt("frame_length", frame, &p.frame_length));
  EM_RETURN_IF_ERROR(ToInt("hop_length", hop, &p.hop_length));
  if (!have_fft) {
    fft = 1;
    while (fft < frame) fft *= 2;
    if (overdrive) fft *= 2;
  }
  EM_RETURN_IF_ERROR(ToInt("fft_length", fft, &p.fft_length));
  EM_RETURN_IF_ERROR(ValidateLogMelParams(p));
  return p;
}

Result<LogMelParams> LoadLogMelParams(const std::string& model_dir) {
  for (const char* name :
       {"processor_config.json", "preprocessor_config.json"}) {
    const std::string path = model_dir + "/" + name;
    std::ifstream f(path);
    if (!f) continue;
    std::stringstream ss;
    ss << f.rdbuf();
    auto p = ParseLogMelParams(ss.str());
    if (!p.ok())
      return Status(p.status().code(), path + ": " + p.status().message());
    return p;
  }
  return LogMelParams();
}

Status ValidateLogMelParams(const LogMelParams& p) {
  if (p.sample_rate <= 0) return FieldError("sampling_rate", "must be > 0");
  if (p.n_mels <= 0) return FieldError("feature_size", "must be > 0");
  if (p.frame_length < 2)
    return FieldError("frame_length", "must be >= 2 samples");
  if (p.hop_length <= 0 || p.hop_length > p.frame_length) {
    return FieldError("hop_length", "must be in [1, frame_length]");
  }
  if (p.fft_length < p.frame_length || p.fft_length < 4 ||
      (p.fft_length & (p.fft_length - 1)) != 0) {
    return FieldError("fft_length",
                      "must be a power of two >= frame_length, got " +
                          std::to_string(p.fft_length));
  }
  if (!(p.min_frequency >= 0 && p.min_frequency < p.max_frequency)) {
    return FieldError("min_frequency/max_frequency",
                      "must satisfy 0 <= min < max");
  }
  if (!(p.mel_floor > 0)) return FieldError("mel_floor", "must be > 0");
  if (p.max_samples < 0) return FieldError("max_length", "must be >= 0");
  if (p.pad_to_multiple < 0)
    return FieldError("pad_to_multiple_of", "must be >= 0");
  if (p.max_tokens <= 0) return FieldError("audio_seq_length", "must be > 0");
  for (const auto* v : {&p.per_bin_mean, &p.per_bin_stddev}) {
    if (!v->empty() && v->size() != static_cast<size_t>(p.n_mels)) {
      return FieldError(
          v == &p.per_bin_mean ? "per_bin_mean" : "per_bin_stddev",
          "must have feature_size entries");
    }
  }
  // The float32 products of the frame (LogMel::ComputeFrame) need both.
  if (!(std::fabs(p.input_scale) <= FLT_MAX)) {
    return FieldError("input_scale_factor", "must fit in float32");
  }
  if (!(std::fabs(p.preemphasis) <= FLT_MAX)) {
    return FieldError("preemphasis", "must fit in float32");
  }
  for (double s : p.per_bin_stddev) {
    if (!(s != 0)) return FieldError("per_bin_stddev", "must not contain 0");
  }
  // A log-mel value v = ln(e + mel_floor) has |v| <= vmax: e <= 2^59 FLT_MAX
  // (at most 2^29 bins, magnitudes <= 2^30 FLT_MAX, triangle weights <= 1),
  // so ln(e + floor) <= ln 2 + max(130, ln floor). (v - mean) / stddev must
  // stay a float32.
  const double vmax = std::max(std::fabs(std::log(p.mel_floor)), 152.0) + 1.0;
  for (size_t i = 0; i < p.per_bin_stddev.size() || i < p.per_bin_mean.size();
       ++i) {
    const double mean = i < p.per_bin_mean.size() ? p.per_bin_mean[i] : 0.0;
    const double sd = i < p.per_bin_stddev.size() ? p.per_bin_stddev[i] : 1.0;
    if (!std::isfinite(mean) || !std::isfinite(sd) ||
        !((vmax + std::fabs(mean)) / std::fabs(sd) <= FLT_MAX / 2)) {
      return FieldError(
          "per_bin_mean/per_bin_stddev",
          "entry " + std::to_string(i) + " would make features beyond float32");
    }
  }
  return Status::Ok();
}

int64_t LogMelKeptSamples(const LogMelParams& p, int64_t n_samples) {
  return std::min(std::max<int64_t>(n_samples, 0), SampleCap(p));
}

int64_t LogMelFrames(const LogMelParams& p, int64_t n_samples) {
  const int64_t n = LogMelKeptSamples(p, n_samples);
  const int64_t m = p.pad_to_multiple;
  const int64_t padded = (m > 0 ? CeilDiv(n, m) * m : n) + p.frame_length / 2;
  return FramesOver(p, padded);
}

int64_t LogMelValidFrames(const LogMelParams& p, int64_t n_samples) {
  int64_t n = std::max<int64_t>(n_samples, 0);
  if (p.max_samples > 0) n = std::min(n, p.max_samples);
  return FramesOver(p, n + p.frame_length / 2);
}

int64_t LogMelMaskFrames(const LogMelParams& p, int64_t n_samples) {
  return FramesOver(p, LogMelKeptSamples(p, n_samples) + p.frame_length / 2);
}

int64_t AudioSoftTokens(const LogMelParams& p, int64_t n_samples) {
  return std::min<int64_t>(CeilDiv(LogMelValidFrames(p, n_samples), 4),
                           p.max_tokens);
}

}  // namespace edgemma
