// PCM in, soft tokens out: the log-mel stream (core/audio/log_mel.h) feeding
// the encoder stream (audio_encoder.h). Feed 16 kHz mono float PCM in pieces
// of any size; every soft token reaches the sink as soon as it is final; the
// concatenation equals the whole-clip encode of the same samples (log-mel bit
// for bit, encoder within f32 rounding). Samples past the front end's
// max_samples (30 s) are dropped, as the reference truncates.
//
// Memory: Create() plans one arena for the log-mel tables and history, a
// frame buffer and the encoder stream's working memory, allocated once or
// placed in a caller buffer of RequiredBytes(); Feed/Finish allocate nothing.
// One thread at a time.
#ifndef EDGEMMA_CORE_AUDIO_AUDIO_PCM_H_
#define EDGEMMA_CORE_AUDIO_AUDIO_PCM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/audio/audio_encoder.h"
#include "core/audio/log_mel.h"

namespace edgemma {

// Front-end parameters for a model: <dir>/processor_config.json of an HF
// directory, else the real E2B/E4B defaults. n_mels must match the tower.
Result<LogMelParams> AudioFrontEndFor(const std::string& model_path);
// The tower file of a model: the directory itself, or for a .gguf model the
// mmproj next to it ("mmproj-<name>"); kNotFound naming what was looked for.
Result<std::string> AudioTowerPathFor(const std::string& model_path);

class AudioPcmStream {
 public:
  // Bytes of the arena Create() plans (a caller buffer must be 64-byte
  // aligned).
  static Result<size_t> RequiredBytes(const AudioEncoder& encoder,
                                      const LogMelParams& params,
                                      const AudioStreamOptions& options);
  // buffer/size: optional caller-owned memory of >= RequiredBytes() bytes that
  // outlives the stream (kArenaFull if smaller, kInvalidArgument if
  // misaligned); null: allocated once.
  static Result<std::unique_ptr<AudioPcmStream>> Create(
      const AudioEncoder& encoder, const LogMelParams& params,
      const AudioStreamOptions& options, void* buffer = nullptr,
      size_t size = 0);
  ~AudioPcmStream();

  void Reset();
  Status Feed(const float* pcm, int64_t n, AudioTokenSink sink, void* user);
  Status Finish(AudioTokenSink sink, void* user);
  // Whole clip into out [capacity rows, text_d]; *n_out rows written.
  Status Encode(const float* pcm, int64_t n, float* out, int64_t capacity,
                int64_t* n_out);

  // Soft tokens a clip of n samples gives (after truncation).
  int64_t TokensForSamples(int64_t n) const;
  int sample_rate() const { return mel_.params().sample_rate; }
  const AudioEncoder& encoder() const { return enc_; }
  AudioEncoderStream& encoder_stream() { return *stream_; }

 private:
  explicit AudioPcmStream(const AudioEncoder& enc) : enc_(enc) {}
  struct Views;
  // Plans every region of the stream (RequiredBytes and Create share it).
  static Status Plan(const AudioEncoder& encoder, const LogMelParams& params,
                     const AudioStreamOptions& options, Views* views,
                     ArenaBinder* list);

  const AudioEncoder& enc_;
  Arena arena_;  // everything below that is not a bookkeeping object
  LogMel mel_;
  LogMelStream mel_stream_;
  std::unique_ptr<AudioEncoderStream> stream_;
  float* frames_ = nullptr;  // [frame_cap, n_mels]
  uint8_t* mask_ = nullptr;  // [frame_cap]
  int64_t frame_cap_ = 0;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_AUDIO_AUDIO_PCM_H_
