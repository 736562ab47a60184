// Sound files -> mono float PCM at the model's rate (16 kHz for Gemma 4), for
// applications (the runtime itself takes PCM floats, as whisper.cpp keeps
// decoding in its examples).
//
// Decoding: libsndfile (WAV/RF64/AIFF/AU/CAF/W64 with 8-64-bit integer, float
// and double samples, FLAC, Ogg Vorbis/Opus, and MP3 where the installed
// libsndfile was built with mpg123: Debian's 1.2 is). Integer samples are
// scaled to [-1, 1) by libsndfile (x / 2^(bits-1)), as Python's soundfile does;
// float files are taken as they are (values past +-1 are kept, like the
// reference, which does not clamp).
// Downmix: mean of the channels (before resampling, so 8 channels cost one
// resample). Decoding, downmix and resampling run in chunks of 32768 frames
// (soxr's streaming interface), so only the 16 kHz result is held whole.
// Resampling: libsoxr at SOXR_HQ (20-bit precision, linear phase, passband to
// 91% of Nyquist). Why soxr rather than libsamplerate (both maintained Debian
// packages): soxr (SoX's resampler) uses FFT-based polyphase filters,
// documented to match or beat libsamplerate's best sinc converter in pass-band
// flatness and alias rejection at a fraction of its CPU time; it takes any
// rational or irrational ratio (8 kHz, 44.1 kHz, 192 kHz), has a one-shot call
// for files and a streaming interface for the capture path, and is thread-safe
// without global state. Non-finite samples (NaN, +-Inf, possible in float
// files) are REJECTED with an error naming the file and the time of the first
// bad sample: they mean a broken file, and a NaN would turn every feature and
// soft token it touches into NaN (silent garbage), while replacing them would
// hide the damage. Errors (Status) name the file and the problem: missing or
// unreadable, empty (0 bytes), not a sound file, a rate or channel count of 0,
// truncated data (fewer frames than the header declares), no frames, non-finite
// samples, and finite samples so large (near the float limit) that resampling
// them overflows to infinity.
#ifndef EDGEMMA_MEDIA_SOUND_FILE_H_
#define EDGEMMA_MEDIA_SOUND_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/status.h"

namespace edgemma::media {

struct SoundInfo {
  int source_rate = 0;        // Hz, from the file header
  int channels = 0;           // from the file header
  int64_t source_frames = 0;  // frames (samples per channel) decoded
  std::string format;         // libsndfile's name of the container and encoding
};

struct SoundData {
  std::vector<float> samples;  // mono at target_rate
  SoundInfo info;
};

// Longest sound a decode accepts by default (its duration at its own rate):
// bounds the memory and time a file can demand, since a few kilobytes of FLAC
// (constant subframes) or a header declaring 1 Hz decode to hours at 16 kHz.
// 3 hours is 173M samples (691 MB) at 16 kHz.
inline constexpr double kDefaultMaxSoundSeconds = 3 * 3600;

// Reads `path`, downmixes to mono and resamples to `target_rate` Hz (no
// resampling when the file already has that rate). A sound longer than
// `max_seconds` is an error (found while decoding, before it is all held).
Result<SoundData> ReadSoundFile(const std::string& path, int target_rate,
                                double max_seconds = kDefaultMaxSoundSeconds);

// The same from the bytes of a whole sound file in memory (libsndfile's
// virtual I/O: no temporary file), e.g. one read from a pipe or received over
// a socket; `name` names it in errors ("<stdin>"). The bytes must outlive the
// call only.
Result<SoundData> DecodeSoundFile(const uint8_t* data, size_t size,
                                  const std::string& name, int target_rate,
                                  double max_seconds = kDefaultMaxSoundSeconds);

// Resamples mono float PCM with libsoxr (SOXR_HQ); `what` names the source in
// errors.
Result<std::vector<float>> ResampleMono(const float* pcm, int64_t n,
                                        int in_rate, int out_rate,
                                        const std::string& what);

// Writes mono float PCM as a 32-bit float WAV (for tests and tools).
Status WriteWavF32(const std::string& path, const float* pcm, int64_t n,
                   int rate);

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_SOUND_FILE_H_
