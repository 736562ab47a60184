// Microphone capture through ALSA (libasound), for `edgemma listen` and
// `edgemma assistant`.
//
// A dedicated capture thread polls the device (periods of `period_ms`,
// 10-20 ms; a kernel buffer of >= 200 ms) and pushes raw periods in the
// device's format (S16/S32/FLOAT, its rate and channels) into a large
// lock-free ring (media/capture_ring.h) that the consumer never blocks. The
// consumer side (Read) converts to float, downmixes to mono and resamples to
// the output rate with libsoxr (streaming, SOXR_HQ), as media/sound_file.h
// does for files.
// Faults: -EPIPE (overrun) and -ESTRPIPE (suspend) are recovered with
// snd_pcm_recover and reported as a gap whose size is the time since the last
// successful read (ALSA does not count lost frames; the monotonic clock
// does); -ENODEV or any error snd_pcm_recover does not handle closes the
// device and reopens it with backoff until it returns (the process goes on),
// the time away reported as a kDeviceLost gap; a full ring is reported by the
// ring (kRingFull).
#ifndef EDGEMMA_MEDIA_ALSA_CAPTURE_H_
#define EDGEMMA_MEDIA_ALSA_CAPTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "media/capture.h"

namespace edgemma::media {

struct AlsaCaptureOptions {
  int period_ms = 20;
  int buffer_ms = 400;
  double ring_seconds = 60;  // of device audio
  // What to ask the device for (it may give the nearest it has): 0 = the
  // output rate, mono, and the first of S16, S32, FLOAT it takes; format 16,
  // 32 or -32 (float) asks for that one only.
  unsigned rate = 0;
  unsigned channels = 0;
  int format = 0;
  Backoff backoff;
};

// Opens device `name` (e.g. "default", "plughw:1,0", "hw:0"); errors name the
// device and ALSA's reason. Capture starts at Start().
Result<std::unique_ptr<CaptureSource>> OpenAlsaCapture(
    const std::string& name, int out_rate, const AlsaCaptureOptions& options);

struct AlsaDevice {
  std::string name;         // what --device takes
  std::string description;  // ALSA's description (one line)
};
// Capture-capable PCMs ALSA knows (snd_device_name_hint).
std::vector<AlsaDevice> ListAlsaCaptureDevices();

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_ALSA_CAPTURE_H_
