// Capture sources without a device: a sound file (WavCaptureSource) and a
// generated signal with injected faults (FaultCaptureSource). See capture.h.
#ifndef EDGEMMA_MEDIA_CAPTURE_SOURCES_H_
#define EDGEMMA_MEDIA_CAPTURE_SOURCES_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/capture.h"
#include "media/capture_ring.h"

namespace edgemma::media {

// A sound file as a capture stream, from frame `start` (to resume a run).
// paced: pieces of 20 ms at the rate a microphone would give them; else as
// fast as the consumer reads. The file is decoded and resampled to `rate` once
// at Start() (media/sound_file.h).
class WavCaptureSource : public CaptureSource {
 public:
  WavCaptureSource(std::string path, int rate, bool paced, int64_t start);
  int rate() const override { return rate_; }
  Status Start() override;
  void Stop() override { stopped_ = true; }
  Result<CaptureChunk> Read(float* out, int64_t capacity,
                            int timeout_ms) override;
  CaptureStats stats() const override { return stats_; }
  int64_t total_frames() const { return static_cast<int64_t>(pcm_.size()); }

 private:
  std::string path_;
  int rate_;
  bool paced_;
  int64_t pos_;
  int64_t start_;
  bool stopped_ = false;
  std::vector<float> pcm_;
  std::chrono::steady_clock::time_point t0_;
  CaptureStats stats_;
};

// A fault injected at stream frame `at`.
struct FaultEvent {
  enum Kind { kOverrun, kSuspend, kDeviceLoss, kStall };
  Kind kind = kOverrun;
  int64_t at = 0;      // stream frame where it happens
  int64_t frames = 0;  // frames lost (overrun/suspend), the device is away
                       // (loss), or the consumer stops reading (stall)
};

struct FaultSourceOptions {
  int rate = 16000;
  int64_t total_frames = 0;
  int piece = 320;                 // frames per capture period (20 ms)
  size_t ring_bytes = 1 << 20;     // ring between "device" and consumer
  std::vector<FaultEvent> events;  // sorted by `at`
  Backoff backoff;                 // reopen delays during a device loss
};

// Generated input with faults, single-threaded and deterministic: the
// "device" side pushes into a CaptureRing exactly as a capture thread would
// (a stall pushes `frames` frames without the consumer reading: the ring
// drops and reports what does not fit). As fast as the consumer reads.
class FaultCaptureSource : public CaptureSource {
 public:
  explicit FaultCaptureSource(FaultSourceOptions options);
  int rate() const override { return opt_.rate; }
  Status Start() override { return Status::Ok(); }
  void Stop() override { stopped_ = true; }
  Result<CaptureChunk> Read(float* out, int64_t capacity,
                            int timeout_ms) override;
  CaptureStats stats() const override { return stats_; }
  // Reopen attempts made during device losses (failed ones included).
  int64_t reopen_attempts() const { return reopen_attempts_; }

  // The generated signal: 1.5 s of a loud voiced tone every 4 s, quiet
  // noise between (sample i of the stream; deterministic).
  static float Sample(int64_t i, int rate);
  static bool Loud(int64_t i, int rate);

 private:
  void Produce();
  void PushSignal(int64_t frames);

  FaultSourceOptions opt_;
  CaptureRing ring_;
  std::vector<float> piece_;
  size_t next_event_ = 0;
  int64_t pos_ = 0;  // producer position in the stream
  int64_t reopen_attempts_ = 0;
  bool stopped_ = false;
  CaptureStats stats_;
};

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_CAPTURE_SOURCES_H_
