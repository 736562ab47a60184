// `edgemma audio-features --wav FILE --out MEL.npy [--mask-out MASK.npy]
// [--model DIR]`: the log-mel features of the audio front end
// (core/audio/log_mel.h), float32 [frames, n_mels] with invalid frames 0, and
// the frame mask (numpy bool).
#include <cstdio>
#include <string>
#include <vector>

#include "core/audio/log_mel.h"
#include "examples/cli/cli_audio.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "tools/npy.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "audio-features";
constexpr char kUsage[] =
    "usage: edgemma audio-features --wav FILE --out MEL.npy [--mask-out "
    "MASK.npy] "
    "[--model DIR]\n"
    "  FILE: a sound file (16 kHz mono WAV, or any WAV/FLAC/OGG/MP3: mixed to "
    "mono and\n"
    "        resampled to the front end's rate).\n"
    "  MEL.npy: float32 [frames, n_mels] log-mel features; frames past the end "
    "of the\n"
    "        audio (padding to a multiple of 128 samples) are 0. Audio past 30 "
    "s is cut,\n"
    "        as the model's feature extractor does.\n"
    "  MASK.npy: bool [frames], true for frames of real audio.\n"
    "  --model DIR: take the front-end parameters from "
    "DIR/processor_config.json\n"
    "        (default: the Gemma 4 E2B/E4B values).\n";

int AudioFeatures(int argc, char** argv) {
  std::string wav, out, mask_out, model;
  Flags flags(kCmd, kUsage);
  flags.String("--wav", &wav)
      .String("--out", &out)
      .String("--mask-out", &mask_out)
      .String("--model", &model);
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (wav.empty() || out.empty())
    return flags.UsageError("--wav FILE and --out MEL.npy are required");
  auto params = model.empty() ? Result<LogMelParams>(LogMelParams())
                              : LoadLogMelParams(model);
  if (!params.ok()) return FailCommand(kCmd, params.status().ToString());
  auto pcm = LoadAudioPcm(wav, params->sample_rate);
  if (!pcm.ok()) return FailCommand(kCmd, pcm.status().message());
  LogMel mel;
  if (Status s = mel.Init(*params); !s.ok())
    return FailCommand(kCmd, s.ToString());
  const int64_t n = static_cast<int64_t>(pcm->size());
  const int64_t frames = LogMelFrames(*params, n);
  std::vector<float> feats(frames * params->n_mels);
  std::vector<uint8_t> mask(frames);
  if (Status s = mel.Compute(pcm->data(), n, feats.data(), mask.data());
      !s.ok()) {
    return FailCommand(kCmd, wav + ": " + s.message());
  }
  if (Status s = WriteNpyF32(out, feats.data(), {frames, params->n_mels});
      !s.ok()) {
    return FailCommand(kCmd, s.ToString());
  }
  if (!mask_out.empty()) {
    if (Status s = WriteNpyBool(mask_out, mask.data(), {frames}); !s.ok()) {
      return FailCommand(kCmd, s.ToString());
    }
  }
  std::fprintf(stderr, "%s: %lld samples -> %lld frames (%lld valid)\n",
               wav.c_str(), static_cast<long long>(n),
               static_cast<long long>(frames),
               static_cast<long long>(LogMelValidFrames(*params, n)));
  return 0;
}

}  // namespace

EDGEMMA_COMMAND("audio-features",
                "sound file -> log-mel features (.npy) and frame mask",
                AudioFeatures);

}  // namespace edgemma::cli
