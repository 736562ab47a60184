#include "examples/cli/cli_capture.h"

#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <vector>

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

namespace {
volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

bool CaptureStopRequested() { return g_stop != 0; }

Status RunCapture(media::CaptureSource& source, Endpointer& ep,
                  UtteranceSink sink, GapReport on_gap, void* user,
                  const char* cmd, media::StreamClock* clock) {
  EM_RETURN_IF_ERROR(source.Start());
  const std::string what = source.Describe();
  if (!what.empty())
    std::fprintf(stderr, "%s: capturing %s\n", cmd, what.c_str());
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::vector<float> buf(source.rate() / 5);
  int64_t pos = ep.position();  // stream position of the next chunk
  while (!g_stop) {
    EM_ASSIGN_OR_RETURN(media::CaptureChunk c,
                        source.Read(buf.data(), buf.size(), 100));
    if (c.kind == media::CaptureChunk::kEnd) break;
    if (c.kind == media::CaptureChunk::kPcm ||
        c.kind == media::CaptureChunk::kGap) {
      pos += c.frames;
      if (clock && c.wall_ns != 0) clock->Anchor(pos, c.wall_ns);
    }
    if (c.kind == media::CaptureChunk::kPcm) {
      EM_RETURN_IF_ERROR(ep.Feed(buf.data(), c.frames, sink, user));
    } else if (c.kind == media::CaptureChunk::kGap) {
      std::fprintf(stderr, "%s: gap of %lld frames at %.2f s (%s)\n", cmd,
                   static_cast<long long>(c.frames),
                   double(ep.position()) / source.rate(),
                   media::GapCauseName(c.cause));
      if (on_gap) EM_RETURN_IF_ERROR(on_gap(user, ep.position(), c));
      EM_RETURN_IF_ERROR(ep.Gap(c.frames, sink, user));
    }
  }
  source.Stop();
  return ep.Finish(sink, user);
}

Status InitEndpointer(const CaptureArgs& a, int rate, int64_t max_samples,
                      Endpointer* ep) {
  EndpointerOptions o = a.vad;
  o.rate = rate;
  if (max_samples > 0) o.max_samples = max_samples;
  return ep->Init(o);
}

int ListCaptureDevices() {
  for (const media::AlsaDevice& d : media::ListAlsaCaptureDevices())
    std::printf("%s\t%s\n", d.name.c_str(), d.description.c_str());
  return kExitOk;
}

}  // namespace edgemma::cli
