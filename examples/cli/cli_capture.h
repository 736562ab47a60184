// Capture flags shared by `edgemma listen` and `edgemma assistant`: the input
// (--device NAME | --input FILE [--realtime]), --list-devices and the
// endpointer's thresholds; and the source they select (media/capture.h).
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_CAPTURE_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_CAPTURE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/audio/endpointer.h"
#include "examples/cli/flags.h"
#include "media/capture.h"

namespace edgemma::cli {

#define kVadUsage                                                           \
  "voice activity detection:\n"                                             \
  "  --vad-threshold-db DB  speech is this far above the noise floor "      \
  "(default 12)\n"                                                          \
  "  --vad-min-db DB        never speech below this level, dBFS (default "  \
  "-50)\n"                                                                  \
  "  --end-silence-ms MS    silence that ends an utterance (default 700)\n" \
  "  --hangover-ms MS       kept after the last voiced frame (default "     \
  "200)\n"                                                                  \
  "  Utterances longer than 30 s are cut at the quietest point.\n"

struct CaptureArgs {
  std::string device;
  std::string input;
  bool realtime = false;
  bool list_devices = false;
  EndpointerOptions vad;
};

void AddCaptureFlags(Flags* flags, CaptureArgs* a);
// Usage errors (exactly one of --device/--input, --realtime with --input).
std::optional<int> CheckCaptureFlags(const Flags& flags, const CaptureArgs& a);
// "file:<absolute path>" or "alsa:<device>": what a resume must match.
std::string CaptureStreamId(const CaptureArgs& a);
// The selected source at `rate`; --input starts at frame `start`.
Result<std::unique_ptr<media::CaptureSource>> OpenCaptureSource(
    const CaptureArgs& a, int rate, int64_t start);
// Prints the ALSA capture devices; exit code.
int ListCaptureDevices();
// The endpointer of --vad-*/--end-silence-ms/--hangover-ms at `rate`;
// max_samples > 0 sets the cut length (default 30 s).
Status InitEndpointer(const CaptureArgs& a, int rate, int64_t max_samples,
                      Endpointer* ep);

// The body of a capture command (listen, assistant): parse (Args has a
// CaptureArgs `capture`), --list-devices, run; a failed run is reported as
// "edgemma <cmd>: <message>" with kExitFailure.
template <typename Args>
int CaptureCommandMain(const char* cmd, int argc, char** argv,
                       std::optional<int> (*parse)(int, char**, Args*),
                       Status (*run)(const Args&)) {
  Args a;
  if (auto rc = parse(argc, argv, &a)) return *rc;
  if (a.capture.list_devices) return ListCaptureDevices();
  const Status s = run(a);
  return s.ok() ? kExitOk : FailCommand(cmd, s.message());
}

// Gap records as they come (before the endpointer ends the utterance there).
using GapReport = Status (*)(void* user, int64_t at,
                             const media::CaptureChunk& gap);
// The capture loop of listen/assistant: Start()s `source`, feeds the
// endpointer until the end of the input or SIGINT/SIGTERM (handlers installed
// here), then stops the source and finishes the current utterance. `clock`
// (optional) is anchored at each chunk's capture time before the chunk is
// fed, so sinks can map stream positions to wall-clock time.
Status RunCapture(media::CaptureSource& source, Endpointer& ep,
                  UtteranceSink sink, GapReport on_gap, void* user,
                  const char* cmd, media::StreamClock* clock = nullptr);
// True once SIGINT/SIGTERM arrived during RunCapture.
bool CaptureStopRequested();

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_CAPTURE_H_
