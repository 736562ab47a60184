// The Gemma 4 audio encoder (USM-style Conformer, spec section 2) and the
// audio embedder into the text width (model.embed_audio), for any audio
// config: log-mel frames in, soft tokens [n, text_d] out.
//
// Two objects:
//   AudioEncoder        immutable after Create(): the bound tower weights
//                       (views into the TowerWeights mapping, which must
//                       outlive it), kernels and load-time constants (f32
//                       copies of the small tensors, the relative-position
//                       keys of every layer). Shareable between threads.
//   AudioEncoderStream  one encoding in progress: its working memory (one
//                       Arena planned at creation from the config and
//                       `max_block`), the subsampling look-ahead and each
//                       layer's attention / depthwise-conv history. Used from
//                       one thread at a time. After Create() nothing is
//                       allocated: not per call, not per chunk.
//
// Streaming contract: the encoder is causal except for the subsampling
// convolutions (token t needs mel frames <= 4t + 3) and the right attention
// context (attention_context_right tokens per layer, 0 in E2B/E4B). Feed()
// takes any number of valid log-mel frames and hands every soft token to the
// sink as soon as no later frame can change it (once min_block of them are
// ready); Finish() ends the clip (zero
// padding as in the whole-clip reference) and flushes the rest. The
// concatenation of the sink calls equals Encode() of the whole clip within f32
// rounding (the MatMul row blocking differs), for any split.
//
// Numerics: f32 activations everywhere (attention, norms, softmax, the
// convolutions); the Conformer/embedder MatMuls use `act_type` for Q4_0/Q8_0
// weights (float weights ignore it).
#ifndef EDGEMMA_CORE_AUDIO_AUDIO_ENCODER_H_
#define EDGEMMA_CORE_AUDIO_AUDIO_ENCODER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/arena.h"
#include "core/io/mmproj.h"
#include "platform/status.h"
#include "platform/thread_pool.h"
#include "quant/ops.h"

namespace edgemma {

class AudioEncoderStream;

// Receives soft tokens [n, text_d] (row-major, valid during the call) whose
// clip indices are first .. first + n - 1. A non-OK status stops the stream
// and is returned by Feed()/Finish().
using AudioTokenSink = Status (*)(void* user, const float* tokens, int n,
                                  int64_t first);

// A sink that copies token rows into out[first .. first + n) of a
// caller-owned [capacity, d] buffer (kInternal on overflow).
struct AudioTokenBuffer {
  float* out = nullptr;
  int64_t capacity = 0, d = 0;
  static Status Sink(void* self, const float* tokens, int n, int64_t first);
};

struct AudioStreamOptions {
  int max_block = 64;  // tokens pushed through the Conformer per step (> 0)
  // Feed() runs the Conformer only once this many tokens are ready (Finish
  // flushes the rest): each step streams every tower weight once, so 1 gives
  // the earliest tokens and the most weight traffic (1..max_block).
  int min_block = 1;
  int n_threads = 1;           // pool size when `pool` is null
  ThreadPool* pool = nullptr;  // optional shared pool (not owned)
  // Activations of the MatMuls with Q4_0/Q8_0 tower weights.
  ActType act_type = ActType::kF32;
};

class AudioEncoder {
 public:
  // Binds the audio tower of `weights` (kNotFound if it has none). `kernels`
  // null: SelectKernels(). Errors name the unsupported setting.
  static Result<std::unique_ptr<AudioEncoder>> Create(
      const TowerWeights& weights, const Kernels* kernels = nullptr);
  ~AudioEncoder();

  const AudioDims& dims() const { return dims_; }
  int text_d() const { return text_d_; }  // width of the soft tokens
  int n_mel() const { return dims_.n_mel; }
  const Kernels& kernels() const { return *kernels_; }
  // Soft tokens of a clip of `n_valid_frames` log-mel frames:
  // ceil(n_valid_frames / 4) (two stride-2 convolutions).
  static int64_t TokensForFrames(int64_t n_valid_frames);

  // Whole clip: features [n_frames, n_mel] and the frame mask [n_frames]
  // (null: all valid; valid frames must form a prefix, as the log-mel front
  // end produces them). Writes TokensForFrames(n_valid) rows of [text_d] to
  // `out` (capacity rows). Resets and uses `stream`.
  Status Encode(AudioEncoderStream& stream, const float* mel,
                const uint8_t* mask, int64_t n_frames, float* out,
                int64_t capacity, int64_t* n_out) const;

  // Internal layout, shared with the stream (see audio_encoder.cc).
  struct Layer;
  struct Consts;
  const Consts& consts() const { return *consts_; }

 private:
  AudioEncoder() = default;
  Status Init(const TowerWeights& weights, const Kernels* kernels);

  AudioDims dims_;
  int text_d_ = 0;
  const Kernels* kernels_ = nullptr;
  std::unique_ptr<Consts> consts_;
};

class AudioEncoderStream {
 public:
  // Arena bytes Create() plans for these options (64-byte aligned buffer).
  static Result<size_t> RequiredBytes(const AudioEncoder& encoder,
                                      const AudioStreamOptions& options);
  // buffer/size: optional caller-owned memory of >= RequiredBytes() bytes that
  // outlives the stream (kArenaFull if smaller); null: allocated once.
  static Result<std::unique_ptr<AudioEncoderStream>> Create(
      const AudioEncoder& encoder, const AudioStreamOptions& options,
      void* buffer = nullptr, size_t size = 0);
  ~AudioEncoderStream();
  AudioEncoderStream(const AudioEncoderStream&) = delete;
  AudioEncoderStream& operator=(const AudioEncoderStream&) = delete;

  // Forgets the clip in progress (start of a new one).
  void Reset();
  // frames [n, n_mel], all valid. Calls `sink` for every token that became
  // final (possibly several times, possibly not at all).
  Status Feed(const float* frames, int64_t n, AudioTokenSink sink, void* user);
  // End of the clip: the remaining tokens go to `sink`. Feed after Finish
  // needs Reset().
  Status Finish(AudioTokenSink sink, void* user);

  int64_t frames_fed() const { return frames_in_; }
  int64_t tokens_emitted() const { return tokens_out_; }
  const ArenaPlan& plan() const { return plan_; }
  const AudioEncoder& encoder() const { return enc_; }

  // Working state (audio_encoder_stream.cc).
  struct State;

 private:
  explicit AudioEncoderStream(const AudioEncoder& enc);
  Status Init(const AudioStreamOptions& options, void* buffer, size_t size);
  Status Step(bool final, AudioTokenSink sink, void* user, bool* progressed);

  const AudioEncoder& enc_;
  AudioStreamOptions options_;
  ArenaPlan plan_;
  Arena arena_;
  std::unique_ptr<State> st_;
  std::unique_ptr<ThreadPool> own_pool_;
  ThreadPool* pool_ = nullptr;
  int64_t frames_in_ = 0;
  int64_t tokens_out_ = 0;
  bool finished_ = false;
  Status failed_;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_AUDIO_AUDIO_ENCODER_H_
