#include "media/alsa_capture.h"

#include <alsa/asoundlib.h>
#include <poll.h>
#include <soxr.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "media/capture_ring.h"

namespace edgemma::media {
namespace {

using Clock = std::chrono::steady_clock;

struct DeviceFormat {
  snd_pcm_format_t format = SND_PCM_FORMAT_S16_LE;
  int bytes = 2;  // per sample
  unsigned rate = 0;
  unsigned channels = 0;
  snd_pcm_uframes_t period = 0;
};

std::string AlsaError(const std::string& name, const char* what, int err) {
  return "ALSA device '" + name + "': " + what + ": " + snd_strerror(err);
}

// Opens and configures `name`; the format/rate/channels the device gives
// (asking for 16 kHz mono, which plughw provides exactly).
Status OpenPcm(const std::string& name, int want_rate,
               const AlsaCaptureOptions& o, snd_pcm_t** out, DeviceFormat* f) {
  snd_pcm_t* pcm = nullptr;
  int err = snd_pcm_open(&pcm, name.c_str(), SND_PCM_STREAM_CAPTURE,
                         SND_PCM_NONBLOCK);
  if (err < 0) return NotFound(AlsaError(name, "cannot open", err));
  snd_pcm_hw_params_t* hw;
  snd_pcm_hw_params_alloca(&hw);
  snd_pcm_hw_params_any(pcm, hw);
  err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
  const struct {
    snd_pcm_format_t f;
    int bytes;
  } formats[] = {{SND_PCM_FORMAT_S16_LE, 2},
                 {SND_PCM_FORMAT_S32_LE, 4},
                 {SND_PCM_FORMAT_FLOAT_LE, 4}};
  bool have_format = false;
  for (const auto& c : formats) {
    const int code = c.f == SND_PCM_FORMAT_FLOAT_LE ? -32 : c.bytes * 8;
    if (o.format != 0 && o.format != code) continue;
    if (err >= 0 && snd_pcm_hw_params_set_format(pcm, hw, c.f) >= 0) {
      f->format = c.f;
      f->bytes = c.bytes;
      have_format = true;
      break;
    }
  }
  unsigned rate = o.rate ? o.rate : want_rate;
  unsigned channels = o.channels ? o.channels : 1;
  unsigned period_us = o.period_ms * 1000, buffer_us = o.buffer_ms * 1000;
  if (err >= 0 && !have_format) err = -EINVAL;
  if (err >= 0) err = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, nullptr);
  if (err >= 0) err = snd_pcm_hw_params_set_channels_near(pcm, hw, &channels);
  if (err >= 0)
    err = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, nullptr);
  if (err >= 0)
    err = snd_pcm_hw_params_set_period_time_near(pcm, hw, &period_us, nullptr);
  if (err >= 0) err = snd_pcm_hw_params(pcm, hw);
  if (err < 0) {
    snd_pcm_close(pcm);
    return Unsupported(AlsaError(
        name, "no S16/S32/FLOAT interleaved capture configuration", err));
  }
  snd_pcm_hw_params_get_period_size(hw, &f->period, nullptr);
  f->rate = rate;
  f->channels = channels;
  *out = pcm;
  return Status::Ok();
}

class AlsaCapture : public CaptureSource {
 public:
  AlsaCapture(std::string name, int out_rate, AlsaCaptureOptions o,
              snd_pcm_t* pcm, DeviceFormat f)
      : name_(std::move(name)),
        out_rate_(out_rate),
        opt_(o),
        pcm_(pcm),
        f_(f),
        ring_(static_cast<size_t>(o.ring_seconds * f.rate * f.channels *
                                  f.bytes)) {
    const size_t frame_bytes = f_.bytes * f_.channels;
    period_buf_.resize(f_.period * frame_bytes);
    pop_buf_.resize(f_.period * frame_bytes);
    mono_.resize(f_.period);
    if (f_.rate != static_cast<unsigned>(out_rate_)) {
      soxr_error_t e = nullptr;
      const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
      soxr_ = soxr_create(f_.rate, out_rate_, 1, &e, nullptr, &q, nullptr);
      out_.resize(f_.period * out_rate_ / f_.rate + 1024);
    }
  }
  ~AlsaCapture() override {
    Stop();
    if (pcm_) snd_pcm_close(pcm_);
    if (soxr_) soxr_delete(soxr_);
  }
  int rate() const override { return out_rate_; }

  Status Start() override {
    if (!soxr_ && f_.rate != static_cast<unsigned>(out_rate_))
      return Internal("soxr_create failed for " + name_);
    const int err = snd_pcm_start(pcm_);
    if (err < 0) return IoError(AlsaError(name_, "cannot start", err));
    running_ = true;
    thread_ = std::thread([this] { CaptureLoop(); });
    return Status::Ok();
  }
  void Stop() override {
    if (running_.exchange(false) && thread_.joinable()) thread_.join();
    stopped_ = true;
  }

  Result<CaptureChunk> Read(float* out, int64_t capacity,
                            int timeout_ms) override {
    const auto limit = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      size_t bytes = 0;
      CaptureChunk c = ring_.Pop(pop_buf_.data(), pop_buf_.size(), &bytes);
      if (c.kind == CaptureChunk::kGap) return Gap(c);
      if (c.kind == CaptureChunk::kPcm)
        return Convert(c.frames, c.wall_ns, out, capacity);
      if (stopped_ && !thread_.joinable()) {
        c.kind = CaptureChunk::kEnd;
        return c;
      }
      if (Clock::now() >= limit) return c;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  std::string Describe() const override {
    return "ALSA '" + name_ + "': " + snd_pcm_format_name(f_.format) + ", " +
           std::to_string(f_.rate) + " Hz, " + std::to_string(f_.channels) +
           (f_.channels == 1 ? " channel" : " channels") + ", period " +
           std::to_string(f_.period) + " frames";
  }
  CaptureStats stats() const override {
    CaptureStats s = stats_;
    s.reopens = reopens_.load();
    return s;
  }

 private:
  // Frames of the device's rate -> output frames, keeping the fraction.
  int64_t ToOut(int64_t frames) {
    gap_acc_ += frames * out_rate_;
    const int64_t n = gap_acc_ / f_.rate;
    gap_acc_ -= n * f_.rate;
    return n;
  }

  Result<CaptureChunk> Gap(CaptureChunk c) {
    c.frames = ToOut(c.frames);
    if (soxr_) soxr_clear(soxr_);  // the signal is discontinuous
    stats_.gap_frames += c.frames;
    ++stats_.gaps;
    if (c.cause == GapCause::kRingFull) stats_.ring_dropped += c.frames;
    return c;
  }

  Result<CaptureChunk> Convert(int64_t frames, int64_t wall_ns, float* out,
                               int64_t capacity) {
    const unsigned ch = f_.channels;
    for (int64_t i = 0; i < frames; ++i) {
      double sum = 0;
      for (unsigned k = 0; k < ch; ++k) {
        const unsigned char* p =
            pop_buf_.data() + (i * ch + k) * static_cast<size_t>(f_.bytes);
        if (f_.format == SND_PCM_FORMAT_S16_LE) {
          int16_t v;
          std::memcpy(&v, p, 2);
          sum += v / 32768.0;
        } else if (f_.format == SND_PCM_FORMAT_S32_LE) {
          int32_t v;
          std::memcpy(&v, p, 4);
          sum += v / 2147483648.0;
        } else {
          float v;
          std::memcpy(&v, p, 4);
          sum += v;
        }
      }
      mono_[i] = static_cast<float>(sum / ch);
    }
    CaptureChunk c;
    c.kind = CaptureChunk::kPcm;
    if (!soxr_) {
      const int64_t n = std::min(frames, capacity);
      std::memcpy(out, mono_.data(), n * sizeof(float));
      c.frames = n;
    } else {
      size_t done = 0;
      soxr_process(soxr_, mono_.data(), frames, nullptr, out,
                   std::min<size_t>(capacity, out_.size()), &done);
      c.frames = static_cast<int64_t>(done);
      if (done == 0) c.kind = CaptureChunk::kNone;  // filter still filling
      // The last output frame lags the last input frame by the filter delay.
      wall_ns -= static_cast<int64_t>(soxr_delay(soxr_) * 1e9 / out_rate_);
    }
    c.wall_ns = wall_ns;
    stats_.pcm_frames += c.frames;
    return c;
  }

  // Capture thread: read periods, recover or reopen, never block the ring.
  void CaptureLoop() {
    auto last_read = Clock::now();
    const size_t frame_bytes = f_.bytes * f_.channels;
    while (running_) {
      if (!pcm_) {
        Reopen(&last_read);
        continue;
      }
      pollfd fds[8];
      const int nfds = std::min(snd_pcm_poll_descriptors_count(pcm_), 8);
      snd_pcm_poll_descriptors(pcm_, fds, nfds);
      poll(fds, nfds, 100);
      const snd_pcm_sframes_t n =
          snd_pcm_readi(pcm_, period_buf_.data(), f_.period);
      if (n > 0) {
        ring_.PushPcm(period_buf_.data(), n, n * frame_bytes, CaptureTime());
        last_read = Clock::now();
        continue;
      }
      if (n == -EAGAIN || n == 0) continue;
      const int64_t away = FramesSince(last_read);
      if ((n == -EPIPE || n == -ESTRPIPE) &&
          snd_pcm_recover(pcm_, static_cast<int>(n), 1) >= 0 && Restart()) {
        ring_.PushGap(away,
                      n == -EPIPE ? GapCause::kOverrun : GapCause::kSuspend,
                      WallClockNs());
        last_read = Clock::now();
        continue;
      }
      // -ENODEV or unrecoverable: close; reopen with backoff.
      snd_pcm_close(pcm_);
      pcm_ = nullptr;
    }
    ring_.FlushPending();
  }

  // After snd_pcm_recover: a device that resumed is RUNNING already; one
  // whose resume did nothing (no driver support) is still SUSPENDED and is
  // prepared again; then the stream is started.
  bool Restart() {
    const snd_pcm_state_t s = snd_pcm_state(pcm_);
    if (s == SND_PCM_STATE_RUNNING) return true;
    if (s != SND_PCM_STATE_PREPARED && snd_pcm_prepare(pcm_) < 0) return false;
    return snd_pcm_start(pcm_) >= 0;
  }

  // The capture clock after a read: the wall-clock time of the last frame
  // read is now less the frames still waiting in the device buffer.
  int64_t CaptureTime() {
    const int64_t now = WallClockNs();
    const snd_pcm_sframes_t left = snd_pcm_avail_update(pcm_);
    if (left <= 0) return now;
    return now - static_cast<int64_t>(left) * 1000000000 / f_.rate;
  }

  int64_t FramesSince(Clock::time_point t) const {
    const double s = std::chrono::duration<double>(Clock::now() - t).count();
    return static_cast<int64_t>(s * f_.rate + 0.5);
  }

  void Reopen(Clock::time_point* last_read) {
    Backoff b = opt_.backoff;
    while (running_) {
      const auto wake =
          Clock::now() + std::chrono::milliseconds(b.NextDelayMs());
      while (running_ && Clock::now() < wake)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      DeviceFormat f;
      snd_pcm_t* pcm = nullptr;
      if (!OpenPcm(name_, out_rate_, opt_, &pcm, &f).ok()) continue;
      if (f.format != f_.format || f.rate != f_.rate ||
          f.channels != f_.channels || f.period > f_.period ||
          snd_pcm_start(pcm) < 0) {
        snd_pcm_close(pcm);  // a different device under the same name
        continue;
      }
      ring_.PushGap(FramesSince(*last_read), GapCause::kDeviceLost,
                    WallClockNs());
      *last_read = Clock::now();
      pcm_ = pcm;
      ++reopens_;
      return;
    }
  }

  std::string name_;
  int out_rate_;
  AlsaCaptureOptions opt_;
  snd_pcm_t* pcm_;
  DeviceFormat f_;
  CaptureRing ring_;
  std::vector<unsigned char> period_buf_;  // capture thread
  std::vector<unsigned char> pop_buf_;     // consumer
  std::vector<float> mono_;
  std::vector<float> out_;
  soxr_t soxr_ = nullptr;
  int64_t gap_acc_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<int64_t> reopens_{0};
  bool stopped_ = false;
  std::thread thread_;
  CaptureStats stats_;
};

}  // namespace

Result<std::unique_ptr<CaptureSource>> OpenAlsaCapture(
    const std::string& name, int out_rate, const AlsaCaptureOptions& options) {
  snd_pcm_t* pcm = nullptr;
  DeviceFormat f;
  EM_RETURN_IF_ERROR(OpenPcm(name, out_rate, options, &pcm, &f));
  return std::unique_ptr<CaptureSource>(
      new AlsaCapture(name, out_rate, options, pcm, f));
}

std::vector<AlsaDevice> ListAlsaCaptureDevices() {
  std::vector<AlsaDevice> out;
  void** hints = nullptr;
  if (snd_device_name_hint(-1, "pcm", &hints) < 0) return out;
  for (void** h = hints; *h; ++h) {
    char* name = snd_device_name_get_hint(*h, "NAME");
    char* desc = snd_device_name_get_hint(*h, "DESC");
    char* io = snd_device_name_get_hint(*h, "IOID");
    if (name && (!io || std::strcmp(io, "Input") == 0)) {
      std::string d = desc ? desc : "";
      std::replace(d.begin(), d.end(), '\n', ' ');
      out.push_back({name, d});
    }
    free(name);
    free(desc);
    free(io);
  }
  snd_device_name_free_hint(hints);
  return out;
}

}  // namespace edgemma::media
