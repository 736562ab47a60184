#include "media/capture_sources.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "media/sound_file.h"

namespace edgemma::media {

WavCaptureSource::WavCaptureSource(std::string path, int rate, bool paced,
                                   int64_t start)
    : path_(std::move(path)),
      rate_(rate),
      paced_(paced),
      pos_(start),
      start_(start) {}

Status WavCaptureSource::Start() {
  EM_ASSIGN_OR_RETURN(SoundData d, ReadSoundFile(path_, rate_));
  pcm_ = std::move(d.samples);
  if (start_ > total_frames()) {
    return InvalidArgument(
        path_ + ": resume position " + std::to_string(start_) +
        " is past the end of the file (" + std::to_string(total_frames()) +
        " frames): is this the same input?");
  }
  t0_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

Result<CaptureChunk> WavCaptureSource::Read(float* out, int64_t capacity,
                                            int timeout_ms) {
  CaptureChunk c;
  if (stopped_ || pos_ >= total_frames()) {
    c.kind = CaptureChunk::kEnd;
    return c;
  }
  int64_t n = std::min(capacity, total_frames() - pos_);
  if (paced_) {
    // Deliver what a microphone would have given by now (20 ms pieces).
    n = std::min<int64_t>(n, rate_ / 50);
    const auto due = t0_ + std::chrono::microseconds((pos_ - start_ + n) *
                                                     1000000LL / rate_);
    const auto limit = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(timeout_ms);
    if (due > limit) {
      std::this_thread::sleep_until(limit);
      return c;  // kNone
    }
    std::this_thread::sleep_until(due);
  }
  std::memcpy(out, pcm_.data() + pos_, n * sizeof(float));
  pos_ += n;
  stats_.pcm_frames += n;
  c.kind = CaptureChunk::kPcm;
  c.frames = n;
  return c;
}

FaultCaptureSource::FaultCaptureSource(FaultSourceOptions options)
    : opt_(std::move(options)),
      ring_(opt_.ring_bytes),
      piece_(static_cast<size_t>(opt_.piece)) {}

float FaultCaptureSource::Sample(int64_t i, int rate) {
  // Cheap deterministic noise (an integer hash), plus a tone while loud.
  uint64_t h = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 32;
  const float noise = (static_cast<float>(h & 0xFFFF) / 32768.f - 1.f);
  if (!Loud(i, rate)) return 0.002f * noise;
  const double t = static_cast<double>(i) / rate;
  return static_cast<float>(0.3 * std::sin(2 * M_PI * 180.0 * t) *
                                (0.6 + 0.4 * std::sin(2 * M_PI * 3.0 * t)) +
                            0.02 * noise);
}

bool FaultCaptureSource::Loud(int64_t i, int rate) {
  return i % (4LL * rate) < rate * 3 / 2;
}

void FaultCaptureSource::PushSignal(int64_t frames) {
  while (frames > 0) {
    const int64_t n = std::min<int64_t>(frames, opt_.piece);
    for (int64_t k = 0; k < n; ++k) piece_[k] = Sample(pos_ + k, opt_.rate);
    ring_.PushPcm(piece_.data(), n, n * sizeof(float));
    pos_ += n;
    frames -= n;
  }
}

void FaultCaptureSource::Produce() {
  const int64_t end = opt_.total_frames;
  if (next_event_ < opt_.events.size() && opt_.events[next_event_].at <= pos_) {
    const FaultEvent& e = opt_.events[next_event_++];
    const int64_t n = std::min(e.frames, end - pos_);
    switch (e.kind) {
      case FaultEvent::kOverrun:
        ring_.PushGap(n, GapCause::kOverrun);
        pos_ += n;
        break;
      case FaultEvent::kSuspend:
        ring_.PushGap(n, GapCause::kSuspend);
        pos_ += n;
        break;
      case FaultEvent::kDeviceLoss: {
        // The reopen loop of a real source: attempts at backoff delays until
        // the device is back; the frames meanwhile are one gap.
        Backoff b = opt_.backoff;
        int64_t waited_ms = 0;
        const int64_t away_ms = n * 1000 / opt_.rate;
        while (waited_ms < away_ms) {
          waited_ms += b.NextDelayMs();
          ++reopen_attempts_;
        }
        ring_.PushGap(n, GapCause::kDeviceLost);
        pos_ += n;
        ++stats_.reopens;
        break;
      }
      case FaultEvent::kStall:
        PushSignal(n);  // the consumer reads nothing meanwhile
        break;
    }
    return;
  }
  int64_t n = std::min<int64_t>(opt_.piece, end - pos_);
  if (next_event_ < opt_.events.size())
    n = std::min(n, opt_.events[next_event_].at - pos_);
  PushSignal(n);
}

Result<CaptureChunk> FaultCaptureSource::Read(float* out, int64_t capacity,
                                              int /*timeout_ms*/) {
  if (capacity < opt_.piece)
    return InvalidArgument("capture read buffer below one period");
  for (;;) {
    size_t bytes = 0;
    CaptureChunk c = ring_.Pop(out, capacity * sizeof(float), &bytes);
    if (c.kind == CaptureChunk::kPcm) {
      stats_.pcm_frames += c.frames;
      return c;
    }
    if (c.kind == CaptureChunk::kGap) {
      stats_.gap_frames += c.frames;
      ++stats_.gaps;
      if (c.cause == GapCause::kRingFull) stats_.ring_dropped += c.frames;
      return c;
    }
    if (stopped_ || pos_ >= opt_.total_frames) {
      if (ring_.pending_gap() > 0) {
        ring_.FlushPending();  // the ring is empty: it fits
        continue;
      }
      c.kind = CaptureChunk::kEnd;
      return c;
    }
    Produce();
  }
}

}  // namespace edgemma::media
