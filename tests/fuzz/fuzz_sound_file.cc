// Sound file decoding (media/sound_file.h): any bytes as a whole sound file
// (WAV/RF64/AIFF/FLAC/... whatever libsndfile recognises) decoded from memory
// to mono float PCM at 16 kHz. A file that decodes gives finite samples, about
// frames * 16000 / source rate of them; anything else is an error with a
// message.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "media/sound_file.h"
#include "tests/fuzz/fuzz_target.h"

EDGEMMA_FUZZ_TARGET(sound_file) {
  using namespace edgemma;
  constexpr int kRate = 16000;
  // A small length limit: a few KB of FLAC or a 1 Hz header can decode to
  // hours, which the limit refuses (checked here) instead of holding them.
  constexpr double kMaxSeconds = 60;
  Result<media::SoundData> d =
      media::DecodeSoundFile(data, size, "fuzz.wav", kRate, kMaxSeconds);
  if (!d.ok()) {
    FUZZ_CHECK(!d.status().message().empty());
    return 0;
  }
  const media::SoundInfo& info = d->info;
  FUZZ_CHECK(info.source_rate > 0 && info.channels > 0);
  FUZZ_CHECK(info.source_frames > 0);
  FUZZ_CHECK(info.source_frames <= kMaxSeconds * info.source_rate);
  FUZZ_CHECK(!d->samples.empty());
  for (float x : d->samples) FUZZ_CHECK(std::isfinite(x));
  // soxr's output after the flush is the input length times the rate ratio
  // (rounded); unresampled audio keeps its length exactly.
  const double expect =
      static_cast<double>(info.source_frames) * kRate / info.source_rate;
  const double got = static_cast<double>(d->samples.size());
  if (info.source_rate == kRate) {
    FUZZ_CHECK(d->samples.size() == static_cast<size_t>(info.source_frames));
  } else {
    FUZZ_CHECK(std::fabs(got - expect) <= 2.0 + 1e-6 * expect);
  }
  return 0;
}
