// PCM -> log-mel -> encoder streams (contracts in audio_pcm.h).
#include "core/audio/audio_pcm.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/io/mmproj.h"
#include "platform/file_status.h"

namespace edgemma {
namespace {

constexpr int64_t kFrameCap = 256;  // log-mel frames buffered per encoder Feed

}  // namespace

Result<LogMelParams> AudioFrontEndFor(const std::string& model_path) {
  if (IsDirectory(model_path)) return LoadLogMelParams(model_path);
  return LogMelParams{};
}

Result<std::string> AudioTowerPathFor(const std::string& model_path) {
  return TowerPathFor(model_path, "audio");
}

AudioPcmStream::~AudioPcmStream() = default;

struct AudioPcmStream::Views {
  void* mel = nullptr;       // LogMel tables and scratch
  float* history = nullptr;  // LogMelStream sample history
  float* frames = nullptr;   // [frame_cap, n_mels]
  uint8_t* mask = nullptr;   // [frame_cap]
  void* encoder = nullptr;   // the AudioEncoderStream arena
  size_t mel_bytes = 0, encoder_bytes = 0;
  int64_t frame_cap = 0;
};

Status AudioPcmStream::Plan(const AudioEncoder& encoder,
                            const LogMelParams& params,
                            const AudioStreamOptions& options, Views* v,
                            ArenaBinder* list) {
  if (params.n_mels != encoder.n_mel()) {
    return InvalidArgument("audio: the front end makes " +
                           std::to_string(params.n_mels) +
                           " mel bins but the audio tower takes " +
                           std::to_string(encoder.n_mel()));
  }
  EM_RETURN_IF_ERROR(ValidateLogMelParams(params));
  EM_ASSIGN_OR_RETURN(v->encoder_bytes,
                      AudioEncoderStream::RequiredBytes(encoder, options));
  v->mel_bytes = LogMel::RequiredBytes(params);
  // Finish emits the invalid frames of the padding: fewer than
  // pad_to_multiple / hop + 2.
  v->frame_cap = std::max<int64_t>(
      kFrameCap, params.pad_to_multiple / params.hop_length + 2);
  list->AddBytes("log_mel", v->mel_bytes, &v->mel);
  list->AddBytes("log_mel.history", LogMelStream::HistoryBytes(params),
                 reinterpret_cast<void**>(&v->history));
  list->Add("frames", static_cast<size_t>(v->frame_cap * params.n_mels),
            &v->frames);
  list->Add("mask", static_cast<size_t>(v->frame_cap), &v->mask);
  list->AddBytes("encoder", v->encoder_bytes, &v->encoder);
  return Status::Ok();
}

Result<size_t> AudioPcmStream::RequiredBytes(
    const AudioEncoder& encoder, const LogMelParams& params,
    const AudioStreamOptions& options) {
  ArenaPlan plan;
  ArenaBinder list(&plan);
  Views v;
  EM_RETURN_IF_ERROR(Plan(encoder, params, options, &v, &list));
  return plan.total_bytes();
}

Result<std::unique_ptr<AudioPcmStream>> AudioPcmStream::Create(
    const AudioEncoder& encoder, const LogMelParams& params,
    const AudioStreamOptions& options, void* buffer, size_t size) {
  std::unique_ptr<AudioPcmStream> s(new AudioPcmStream(encoder));
  ArenaPlan plan;
  ArenaBinder list(&plan);
  Views v;
  EM_RETURN_IF_ERROR(Plan(encoder, params, options, &v, &list));
  EM_RETURN_IF_ERROR(s->arena_.Init(plan, buffer, size));
  list.Bind(s->arena_);
  EM_RETURN_IF_ERROR(s->mel_.Init(params, v.mel, v.mel_bytes));
  EM_RETURN_IF_ERROR(s->mel_stream_.Init(&s->mel_, v.history));
  EM_ASSIGN_OR_RETURN(
      s->stream_,
      AudioEncoderStream::Create(encoder, options, v.encoder, v.encoder_bytes));
  s->frames_ = v.frames;
  s->mask_ = v.mask;
  s->frame_cap_ = v.frame_cap;
  return s;
}

void AudioPcmStream::Reset() {
  mel_stream_.Reset();
  stream_->Reset();
}

int64_t AudioPcmStream::TokensForSamples(int64_t n) const {
  return AudioEncoder::TokensForFrames(LogMelValidFrames(mel_.params(), n));
}

Status AudioPcmStream::Feed(const float* pcm, int64_t n, AudioTokenSink sink,
                            void* user) {
  if (n < 0 || (n > 0 && pcm == nullptr))
    return InvalidArgument("audio: bad PCM buffer");
  // Pieces small enough that their frames fit the buffer.
  int64_t piece =
      std::max<int64_t>(1, (frame_cap_ - 2) * mel_.params().hop_length);
  while (piece > 1 && mel_stream_.MaxFramesForPush(piece) > frame_cap_)
    piece /= 2;
  for (int64_t off = 0; off < n; off += piece) {
    const int64_t k = std::min(piece, n - off);
    EM_ASSIGN_OR_RETURN(int64_t frames, mel_stream_.Push(pcm + off, k, frames_,
                                                         mask_, frame_cap_));
    // Push emits valid frames only (the invalid padding ones come at Finish).
    EM_RETURN_IF_ERROR(stream_->Feed(frames_, frames, sink, user));
  }
  return Status::Ok();
}

Status AudioPcmStream::Finish(AudioTokenSink sink, void* user) {
  // The trailing frames of the padding are invalid: the encoder gets none.
  EM_ASSIGN_OR_RETURN(int64_t frames,
                      mel_stream_.Finish(frames_, mask_, frame_cap_));
  for (int64_t i = 0; i < frames; ++i) {
    if (mask_[i])
      return Internal("audio: a valid log-mel frame after the clip ended");
  }
  return stream_->Finish(sink, user);
}

Status AudioPcmStream::Encode(const float* pcm, int64_t n, float* out,
                              int64_t capacity, int64_t* n_out) {
  const int64_t want = TokensForSamples(n);
  const LogMelParams& p = mel_.params();
  const int64_t kept = LogMelKeptSamples(p, n);
  if (AudioEncoder::TokensForFrames(LogMelMaskFrames(p, n)) != want) {
    // The reference log_mel keeps max_length rounded up to a pad multiple,
    // its n_valid_frames (the prompt's token count) only max_length: for
    // this clip they disagree, so no soft-token count is right.
    return InvalidArgument(
        "audio: the clip has " + std::to_string(n) +
        " samples, more than the processor config's max_length (" +
        std::to_string(p.max_samples) +
        "), which is not a multiple of pad_to_multiple_of (" +
        std::to_string(p.pad_to_multiple) +
        "): the feature extractor would "
        "keep " +
        std::to_string(kept) + " samples, more than the prompt's " +
        std::to_string(want) + " soft tokens hold; trim the clip to " +
        std::to_string(p.max_samples) + " samples");
  }
  if (want > capacity) {
    return InvalidArgument("audio: " + std::to_string(want) +
                           " soft tokens do not fit the output (" +
                           std::to_string(capacity) + " rows)");
  }
  Reset();
  AudioTokenBuffer c{out, capacity, enc_.text_d()};
  EM_RETURN_IF_ERROR(Feed(pcm, n, AudioTokenBuffer::Sink, &c));
  EM_RETURN_IF_ERROR(Finish(AudioTokenBuffer::Sink, &c));
  *n_out = stream_->tokens_emitted();
  if (*n_out != want) return Internal("audio: soft token count mismatch");
  return Status::Ok();
}

}  // namespace edgemma
