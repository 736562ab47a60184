#include "examples/cli/cli_capture.h"

#include <stdlib.h>

#include <cstdio>

#include "media/alsa_capture.h"
#include "media/capture_sources.h"

namespace edgemma::cli {

void AddCaptureFlags(Flags* flags, CaptureArgs* a) {
  flags->String("--device", &a->device)
      .String("--input", &a->input)
      .Switch("--realtime", &a->realtime)
      .Switch("--list-devices", &a->list_devices)
      .Float("--vad-threshold-db", &a->vad.threshold_db, 0, 60)
      .Float("--vad-min-db", &a->vad.min_level_db, -120, 0)
      .Int("--end-silence-ms", &a->vad.end_silence_ms, 50, 60000)
      .Int("--hangover-ms", &a->vad.hangover_ms, 0, 10000);
}

std::optional<int> CheckCaptureFlags(const Flags& flags, const CaptureArgs& a) {
  if (a.device.empty() == a.input.empty())
    return flags.UsageError("give one of --device NAME or --input FILE");
  if (a.realtime && a.input.empty())
    return flags.UsageError("--realtime paces --input FILE");
  return std::nullopt;
}

std::string CaptureStreamId(const CaptureArgs& a) {
  if (a.input.empty()) return "alsa:" + a.device;
  char* abs = realpath(a.input.c_str(), nullptr);
  const std::string id = "file:" + std::string(abs ? abs : a.input.c_str());
  free(abs);
  return id;
}

Result<std::unique_ptr<media::CaptureSource>> OpenCaptureSource(
    const CaptureArgs& a, int rate, int64_t start) {
  if (!a.input.empty()) {
    return std::unique_ptr<media::CaptureSource>(
        new media::WavCaptureSource(a.input, rate, a.realtime, start));
  }
  return media::OpenAlsaCapture(a.device, rate, media::AlsaCaptureOptions{});
}

int ListCaptureDevices() {
  for (const media::AlsaDevice& d : media::ListAlsaCaptureDevices())
    std::printf("%s\t%s\n", d.name.c_str(), d.description.c_str());
  return kExitOk;
}

}  // namespace edgemma::cli
