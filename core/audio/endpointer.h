// Voice activity detection and endpointing for live audio: 16 kHz mono PCM in
// (any piece sizes, with gaps), utterances out as exact sample ranges of the
// input stream with their samples.
//
// VAD: per 10 ms frame, the level in dBFS against an adaptive noise floor
// (follows quiet frames down at once, rises slowly, frozen during speech); a
// frame is voiced when level > max(floor + threshold_db, min_level_db) and its
// spectral flatness is below max_flatness (broadband noise has a flat
// spectrum, voice does not: a first-difference high-pass energy ratio stands
// in for flatness, no FFT). Speech starts after start_frames voiced frames
// (the utterance begins pre-roll earlier); it ends after end_silence_ms
// without a voiced frame, keeping hangover_ms after the last voiced frame.
// Utterances reaching max_samples are cut at the quietest point near the end
// (core/audio/audio_splitter.h, as `transcribe` splits) and go on.
// A gap in the input ends the current utterance where the gap starts.
//
// Resume: after each utterance ended by silence the state is exactly
// {position, floor}: no pre-roll is carried over (the next utterance's
// pre-roll only reaches back to that point), so a run restarted from a
// recorded (resume_position(), noise_floor_db()) gives the same utterances
// as an uninterrupted one.
//
// Memory: one buffer of max_samples + one frame, allocated in Init().
#ifndef EDGEMMA_CORE_AUDIO_ENDPOINTER_H_
#define EDGEMMA_CORE_AUDIO_ENDPOINTER_H_

#include <cstdint>
#include <vector>

#include "platform/status.h"

namespace edgemma {

struct EndpointerOptions {
  int rate = 16000;
  int frame_ms = 10;
  float threshold_db = 12.f;   // above the noise floor
  float min_level_db = -50.f;  // dBFS; quieter is never speech
  float max_flatness = 0.85f;  // high-pass/total energy ratio; noise ~1
  float floor_rise_db_per_s = 2.f;
  float initial_floor_db = -70.f;
  int start_frames = 3;  // voiced frames in a row to start
  int preroll_ms = 200;
  int hangover_ms = 200;
  int end_silence_ms = 700;
  int64_t max_samples = 30 * 16000;
};

struct Utterance {
  int64_t start = 0;           // stream sample of pcm[0]
  int64_t end = 0;             // one past the last
  const float* pcm = nullptr;  // [end - start]; valid during the callback
  bool cut = false;            // ended by the max_samples cut (speech goes on)
  // Where to restart so that the same utterances follow (Restore()): after a
  // silence-ended utterance, the point just past it; after a cut, the last
  // such point before it (the cut pieces repeat identically).
  int64_t resume_position = 0;
  float resume_floor_db = 0;
};

// Returns non-OK to stop (propagated by Feed/Gap/Finish).
using UtteranceSink = Status (*)(void* user, const Utterance& u);
// Live audio of the utterance in progress, for streaming it into a model
// while the user speaks: `start` marks the first call of an utterance (the
// pre-roll and the voiced run that started it); later calls carry each new
// frame, trailing silence included, until the UtteranceSink call that ends
// it (so the live samples run from Utterance::start to position()).
using LiveSink = Status (*)(void* user, const float* pcm, int64_t n,
                            bool start);

class Endpointer {
 public:
  Status Init(const EndpointerOptions& options);
  // Optional live feed (see LiveSink); called from Feed/Finish.
  void SetLive(LiveSink sink, void* user) {
    live_ = sink;
    live_user_ = user;
  }
  // Starts at stream position `position` with a noise floor (resume).
  void Restore(int64_t position, float noise_floor_db);

  Status Feed(const float* pcm, int64_t n, UtteranceSink sink, void* user);
  // `frames` missing samples at the current position.
  Status Gap(int64_t frames, UtteranceSink sink, void* user);
  // End of input (or shutdown): the current utterance, if any, is emitted.
  Status Finish(UtteranceSink sink, void* user);

  int64_t position() const { return pos_; }
  bool in_speech() const { return in_speech_; }
  // The last point where the state was {position, floor} only.
  int64_t resume_position() const { return resume_pos_; }
  float resume_floor_db() const { return resume_floor_; }
  float noise_floor_db() const { return floor_db_; }

 private:
  bool Voiced(const float* x, float* level_db) const;
  Status Frame(const float* x, UtteranceSink sink, void* user);
  Status Emit(int64_t end, bool cut, UtteranceSink sink, void* user);
  void ToIdle();

  EndpointerOptions opt_;
  LiveSink live_ = nullptr;
  void* live_user_ = nullptr;
  int frame_ = 160;
  std::vector<float> buf_;   // samples from buf_start_ to pos_ (+ partial)
  int64_t buf_len_ = 0;      // classified samples held
  std::vector<float> part_;  // the partial frame
  int64_t part_len_ = 0;
  int64_t buf_start_ = 0;
  int64_t pos_ = 0;  // stream position of the first unclassified sample
  bool in_speech_ = false;
  int voiced_run_ = 0;
  int64_t last_voiced_end_ = 0;
  int64_t silence_ = 0;  // samples since the last voiced frame
  float floor_db_ = -70.f;
  int64_t resume_pos_ = 0;
  float resume_floor_ = -70.f;
};

}  // namespace edgemma

#endif  // EDGEMMA_CORE_AUDIO_ENDPOINTER_H_
