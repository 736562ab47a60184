// Gemma 4 audio front end: 16 kHz mono float PCM -> log-mel features, exactly
// as the reference (shared/reference/gemma4ref/audio.py log_mel, = HF
// Gemma4AudioFeatureExtractor):
//   truncate to max_samples, right-pad to a multiple of pad_to_multiple (sample
//   mask), prepend frame_length/2 zeros ("semicausal"), frames of
//   frame_length+1 samples every hop, [preemphasis, 0 in the real config],
//   periodic Hann (float32 product), zero-padded real FFT of fft_length
//   (float64), magnitude, HTK mel filters without area normalisation (float64),
//   ln(mel + mel_floor), [per-bin mean/stddev], float32. Frame t is valid iff
//   the last sample of its window (original index t*hop + frame_length/2) is
//   real; invalid frames are 0.
// No media dependency: the runtime takes PCM floats; sound files are decoded in
// media/.
//
// Memory: LogMel::Init allocates its tables and scratch ONCE (or places them in
// a caller buffer of LogMel::RequiredBytes(params) bytes); Compute/Push/Finish
// allocate nothing. Thread-safety: a LogMel holds per-call scratch, so one
// LogMel serves one thread at a time; a LogMelStream keeps its own sample
// history but shares its LogMel's scratch.
#ifndef EDGEMMA_CORE_AUDIO_LOG_MEL_H_
#define EDGEMMA_CORE_AUDIO_LOG_MEL_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace edgemma {

// Front-end parameters (the "feature_extractor" block of
// processor_config.json); the defaults are the real E2B/E4B processor values
// (reference FEATURE_EXTRACTOR_DEFAULTS).
struct LogMelParams {
  int sample_rate = 16000;  // sampling_rate: the PCM rate the model expects
  int n_mels = 128;         // feature_size
  int frame_length = 320;   // round(sample_rate * frame_length_ms / 1000)
  int hop_length = 160;     // round(sample_rate * hop_length_ms / 1000)
  int fft_length = 512;  // 2^ceil(log2(frame_length)) (x2 with fft_overdrive)
  double min_frequency = 0.0;     // Hz
  double max_frequency = 8000.0;  // Hz
  double mel_floor = 1e-3;        // additive: ln(mel + mel_floor)
  double preemphasis = 0.0;
  bool preemphasis_htk = true;  // preemphasis_htk_flavor
  double input_scale = 1.0;     // input_scale_factor
  int64_t max_samples =
      480000;  // max_length with truncation (30 s); 0 = no truncation
  int pad_to_multiple = 128;  // pad_to_multiple_of (samples); 0 = no padding
  int max_tokens = 750;       // audio_seq_length: processor cap on soft tokens
  bool window_float32_cos =
      false;  // window "float32_cos" (else numpy.hanning in float64)
  std::vector<double> per_bin_mean;    // [n_mels] or empty
  std::vector<double> per_bin_stddev;  // [n_mels] or empty
};

// Parses a feature-extractor JSON object (processor_config.json's
// "feature_extractor" block, or the file itself when it holds the fields at top
// level); absent fields keep the defaults and derived sizes follow the
// reference (feature_extractor_params). Rejects dither > 0 (random) and any
// value the front end cannot honour, naming the field.
Result<LogMelParams> ParseLogMelParams(std::string_view json);
// Reads <model_dir>/processor_config.json (or preprocessor_config.json) if
// present, else the defaults.
Result<LogMelParams> LoadLogMelParams(const std::string& model_dir);
// Positive sizes, fft_length a power of two >= frame_length, 0 <= fmin < fmax
// <= rate/2, ...
Status ValidateLogMelParams(const LogMelParams& p);

// Sizes for a clip of n_samples PCM samples (reference log_mel / n_valid_frames
// / n_audio_tokens): frames includes the trailing invalid frames created by the
// padding.
int64_t LogMelFrames(const LogMelParams& p, int64_t n_samples);
// Samples the front end keeps of a clip: min(n, max_samples rounded up to
// pad_to_multiple).
int64_t LogMelKeptSamples(const LogMelParams& p, int64_t n_samples);
int64_t LogMelValidFrames(const LogMelParams& p, int64_t n_samples);
// Valid frames of the mask LogMel::Compute gives (reference log_mel: kept
// samples). Equal to LogMelValidFrames unless max_length is not a multiple of
// pad_to_multiple_of and the clip is longer than max_length.
int64_t LogMelMaskFrames(const LogMelParams& p, int64_t n_samples);
// Soft tokens of the audio encoder (two stride-2 subsamplings): ceil(valid /
// 4), capped.
int64_t AudioSoftTokens(const LogMelParams& p, int64_t n_samples);

class LogMel {
 public:
  LogMel() = default;
  ~LogMel();
  LogMel(const LogMel&) = delete;
  LogMel& operator=(const LogMel&) = delete;

  // Bytes of tables + scratch Init needs for `p` (for a caller-provided
  // buffer).
  static size_t RequiredBytes(const LogMelParams& p);
  // Validates `p` and builds the window, FFT twiddles and mel filters. Uses
  // `buffer` (>= RequiredBytes(p) bytes, 64-byte aligned) if given, else
  // allocates once.
  Status Init(const LogMelParams& p, void* buffer = nullptr, size_t bytes = 0);
  const LogMelParams& params() const { return p_; }
  // Largest |sample| Compute and LogMelStream accept: FLT_MAX / (|input_scale|
  // (1 + |preemphasis|)), less a rounding margin of 2^-20, so the float32
  // scaling and preemphasis cannot overflow (with the real parameters, every
  // finite sample but those within 1e-6 of FLT_MAX). Larger samples are a
  // kInvalidArgument error like non-finite ones.
  double max_abs_sample() const { return max_abs_; }

  // Whole clip: features [LogMelFrames(n), n_mels] row-major and mask
  // [LogMelFrames(n)] (1 valid, 0 invalid; may be null). `features` must hold
  // LogMelFrames(n) * n_mels floats. n == 0 gives no frames. Non-finite samples
  // and samples above max_abs_sample() are a kInvalidArgument error naming the
  // index.
  Status Compute(const float* pcm, int64_t n, float* features, uint8_t* mask);

  // One valid frame from its frame_length + 1 padded samples (window[0] =
  // padded index t*hop). Building block of Compute and LogMelStream; writes
  // n_mels floats.
  void ComputeFrame(const float* window, float* out);

 private:
  friend class LogMelStream;
  void BuildMelFilters();

  LogMelParams p_;
  void* owned_ = nullptr;          // set when Init allocated
  float* window_ = nullptr;        // [frame_length]
  double* twiddle_ = nullptr;      // [fft_length / 2] complex (cos, sin) pairs
  int32_t* bitrev_ = nullptr;      // [fft_length / 2]
  double* mel_weights_ = nullptr;  // packed nonzero filter weights
  int32_t* mel_first_bin_ = nullptr;  // [n_mels]
  int32_t* mel_n_bins_ = nullptr;     // [n_mels]
  int32_t* mel_offset_ = nullptr;  // [n_mels] start of filter m in mel_weights_
  float* frame_ =
      nullptr;  // scratch [fft_length] windowed frame (float32 product)
  double* fft_ = nullptr;  // scratch [fft_length + 2] interleaved complex
  double* mag_ = nullptr;  // scratch [fft_length / 2 + 1]
  float* pad_ = nullptr;   // scratch [frame_length + 1] first window of a clip
  int64_t n_bins_ = 0;     // fft_length / 2 + 1
  double max_abs_ = 0;     // max_abs_sample()
};

// Streaming front end: feed PCM in pieces of any size; each valid frame is
// emitted as soon as its last sample (original index t*hop + frame_length/2)
// has arrived, with the same bits as the whole-clip Compute. Finish() appends
// the trailing invalid (zero) frames of the padding, so the concatenation of
// every Push and the Finish equals Compute on the whole clip for any split.
// Samples past max_samples are ignored (truncation), counted in
// dropped_samples(). Memory: Init allocates the sample history ([frame_length +
// 1] floats) once.
class LogMelStream {
 public:
  LogMelStream() = default;
  ~LogMelStream();
  LogMelStream(const LogMelStream&) = delete;
  LogMelStream& operator=(const LogMelStream&) = delete;

  // history: optional caller memory of HistoryBytes(mel->params()) bytes
  // (float-aligned) that outlives the stream; null: allocated once.
  Status Init(LogMel* mel, float* history = nullptr);
  static size_t HistoryBytes(const LogMelParams& p);
  void Reset();  // start a new clip (keeps the buffers)

  // Upper bound of frames one Push of n samples can emit (size the output for
  // it).
  int64_t MaxFramesForPush(int64_t n) const;
  // Upper bound of frames Finish can emit.
  int64_t MaxFramesForFinish() const;
  // Feeds n samples; writes the newly final frames to features [k, n_mels] and
  // mask [k] (may be null) and returns k. kInvalidArgument if max_frames is too
  // small (nothing consumed), if a sample is not finite, or after Finish.
  Result<int64_t> Push(const float* pcm, int64_t n, float* features,
                       uint8_t* mask, int64_t max_frames);
  // Ends the clip: writes the trailing invalid frames (zeros, mask 0) and
  // returns their count.
  Result<int64_t> Finish(float* features, uint8_t* mask, int64_t max_frames);

  int64_t samples_seen() const {
    return n_real_;
  }  // accepted (not dropped) samples
  int64_t frames_emitted() const { return next_frame_; }
  int64_t dropped_samples() const { return dropped_; }

 private:
  LogMel* mel_ = nullptr;
  float* owned_ = nullptr;  // hist_ when Init allocated it
  float* hist_ = nullptr;   // [frame_length + 1] padded samples from index
                            // next_frame_ * hop
  int64_t hist_len_ = 0;
  int64_t n_real_ = 0;
  int64_t next_frame_ = 0;
  int64_t dropped_ = 0;
  bool finished_ = false;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_AUDIO_LOG_MEL_H_
