// Live audio capture for applications (`edgemma listen`, `edgemma assistant`):
// a source delivers 16 kHz mono float PCM in pieces and, where audio was lost,
// gap records with their exact size, so that every frame of the input stream
// is accounted for: stream position = PCM frames delivered + gap frames
// reported. Nothing is ever dropped silently.
//
// Sources: AlsaCaptureSource (media/alsa_capture.h), WavCaptureSource (a sound
// file, paced in real time or as fast as possible) and FaultCaptureSource (a
// generated signal with overruns, suspends, device loss and return and
// consumer stalls injected at chosen stream times, for tests and the soak).
#ifndef EDGEMMA_MEDIA_CAPTURE_H_
#define EDGEMMA_MEDIA_CAPTURE_H_

#include <cstdint>
#include <string>

#include "platform/status.h"

namespace edgemma::media {

// Why frames are missing from the stream.
enum class GapCause : int32_t {
  kOverrun = 1,     // the device buffer overflowed (-EPIPE)
  kSuspend = 2,     // the device was suspended (-ESTRPIPE)
  kDeviceLost = 3,  // the device vanished (-ENODEV) until it was reopened
  kRingFull = 4,    // the consumer fell behind and the ring was full
};
const char* GapCauseName(GapCause cause);

struct CaptureChunk {
  enum Kind { kNone, kPcm, kGap, kEnd };
  Kind kind = kNone;
  int64_t frames = 0;  // kPcm: frames written to `out`; kGap: frames missing
  GapCause cause = GapCause::kOverrun;  // kGap only
  // The capture clock: wall-clock time (CLOCK_REALTIME, ns since the epoch)
  // when the chunk's last frame was captured (a gap: when capture resumed);
  // 0 when the source has no clock (files).
  int64_t wall_ns = 0;
};

// Wall-clock time of stream positions, anchored at the last chunk that
// carried a capture time (or at a fixed origin for sources without a clock):
// wall(pos) = anchor_wall + (pos - anchor_pos) / rate.
struct StreamClock {
  int rate = 16000;
  int64_t anchor_pos = 0;
  int64_t anchor_ns = 0;  // 0: not known yet
  void Anchor(int64_t pos, int64_t wall_ns) {
    anchor_pos = pos;
    anchor_ns = wall_ns;
  }
  bool known() const { return anchor_ns != 0; }
  int64_t WallNs(int64_t pos) const {
    const int64_t d = pos - anchor_pos;  // split: no overflow for years
    return anchor_ns + d / rate * 1000000000 + d % rate * 1000000000 / rate;
  }
};
// CLOCK_REALTIME now, ns since the epoch.
int64_t WallClockNs();

// Totals since Start(), in 16 kHz output frames.
struct CaptureStats {
  int64_t pcm_frames = 0;    // delivered
  int64_t gap_frames = 0;    // reported missing
  int64_t gaps = 0;          // gap records
  int64_t reopens = 0;       // device reopened after a loss
  int64_t ring_dropped = 0;  // part of gap_frames: dropped because ring full
};

class CaptureSource {
 public:
  virtual ~CaptureSource() = default;
  // Output rate (16000 for the model front end).
  virtual int rate() const = 0;
  virtual Status Start() = 0;
  // Stops capture threads; Read() then returns what is buffered, then kEnd.
  virtual void Stop() = 0;
  // The next piece of the stream: PCM (at most `capacity` frames into `out`),
  // a gap record, kEnd at the end of the input, or kNone when nothing came
  // within `timeout_ms`. Errors are for unusable sources (bad file, bad device
  // name at Start); device loss is a gap, not an error.
  virtual Result<CaptureChunk> Read(float* out, int64_t capacity,
                                    int timeout_ms) = 0;
  virtual CaptureStats stats() const = 0;
  // What is captured, for logs: e.g. "ALSA 'hw:1,0': S32_LE, 48000 Hz, 2
  // channels" ("" when there is nothing to say).
  virtual std::string Describe() const { return ""; }
};

// Reopen delays after a device loss: `first_ms` doubling up to `max_ms`.
struct Backoff {
  int first_ms = 100;
  int max_ms = 5000;
  int attempt = 0;
  int NextDelayMs();  // delay before the next attempt; counts it
  void Reset() { attempt = 0; }
};

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_CAPTURE_H_
