// The audio front end (core/audio/log_mel.h) on arbitrary PCM and parameters.
// Input: byte 0 = flags: bit 0: byte 1 is the length L of a feature-extractor
// JSON (processor_config.json, untrusted: it comes with a model) in bytes
// 2..L+1, else the real E2B/E4B parameters; bits 1-7 seed the piece sizes of
// the streaming run. The rest is float32 PCM (any bit pattern: NaN, inf,
// huge, denormal; a trailing partial float is ignored).
// Checks: parameters that parse are usable; Compute fails exactly when a kept
// sample is not finite or above max_abs_sample(), and otherwise gives finite
// features and the mask of LogMelValidFrames; LogMelStream, fed the same
// samples in pieces, gives the same frames bit for bit (or fails on the same
// non-finite sample).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/audio/log_mel.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

// Work per input stays bounded: larger tables or outputs are skipped (the
// parameters' own limits are what ParseLogMelParams enforces).
constexpr size_t kMaxTableBytes = size_t{64} << 20;
constexpr int64_t kMaxFeatureFloats = int64_t{1} << 22;

}  // namespace

EDGEMMA_FUZZ_TARGET(log_mel) {
  using namespace edgemma;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  size_t at = 1;
  LogMelParams p;
  if (flags & 1) {
    if (size < 2) return 0;
    const size_t len = data[1] < size - 2 ? data[1] : size - 2;
    Result<LogMelParams> parsed = ParseLogMelParams(
        std::string_view(reinterpret_cast<const char*>(data + 2), len));
    if (!parsed.ok()) {
      FUZZ_CHECK(!parsed.status().message().empty());
      return 0;
    }
    FUZZ_CHECK(ValidateLogMelParams(*parsed).ok());
    p = *parsed;
    at = 2 + len;
  }
  if (LogMel::RequiredBytes(p) > kMaxTableBytes) return 0;
  const int64_t n = static_cast<int64_t>((size - at) / sizeof(float));
  std::vector<float> pcm(static_cast<size_t>(n));
  if (n > 0) std::memcpy(pcm.data(), data + at, sizeof(float) * n);
  const int64_t frames = LogMelFrames(p, n);
  if (frames * p.n_mels > kMaxFeatureFloats) return 0;

  LogMel mel;
  FUZZ_CHECK(mel.Init(p).ok());
  const int64_t kept = LogMelKeptSamples(p, n);
  // Usable samples: finite and within the front end's float32 headroom.
  bool finite = true;
  for (int64_t i = 0; i < kept; ++i) {
    finite = finite && std::isfinite(pcm[i]) &&
             std::fabs(pcm[i]) <= mel.max_abs_sample();
  }
  std::vector<float> whole(static_cast<size_t>(frames * p.n_mels), -1.f);
  std::vector<uint8_t> mask(static_cast<size_t>(frames), 7);
  const Status st = mel.Compute(pcm.data(), n, whole.data(), mask.data());
  FUZZ_CHECK(st.ok() == finite);
  if (!st.ok()) FUZZ_CHECK(!st.message().empty());
  if (st.ok()) {
    // The mask follows the reference log_mel (kept samples); the prompt's
    // count (n_valid_frames) stops at max_length itself: the two agree unless
    // max_length is off the pad multiple and the clip is longer.
    const int64_t valid = LogMelMaskFrames(p, n);
    FUZZ_CHECK(valid <= frames);
    for (int64_t t = 0; t < frames; ++t) {
      FUZZ_CHECK(mask[t] == (t < valid ? 1 : 0));
    }
    const bool rounded = p.max_samples > 0 && p.pad_to_multiple > 0 &&
                         p.max_samples % p.pad_to_multiple != 0 &&
                         n > p.max_samples;
    if (!rounded) FUZZ_CHECK(valid == LogMelValidFrames(p, n));
    for (float v : whole) FUZZ_CHECK(std::isfinite(v));
  }

  // The same samples streamed in pieces of 0..(4 * hop) samples.
  LogMelStream stream;
  FUZZ_CHECK(stream.Init(&mel).ok());
  // Room for what the stream's upper bounds allow, so a stream that emitted
  // too much shows as a length mismatch, not an overrun.
  const int64_t cap =
      frames + stream.MaxFramesForPush(n) + stream.MaxFramesForFinish();
  std::vector<float> streamed(static_cast<size_t>(cap * p.n_mels), -1.f);
  std::vector<uint8_t> smask(static_cast<size_t>(cap), 7);
  int64_t used = 0, made = 0;
  uint32_t seed = flags >> 1;
  bool failed = false;
  while (used < n) {
    seed = seed * 1103515245u + 12345u;
    const int64_t piece = std::min<int64_t>(
        n - used, (seed >> 16) % (4 * static_cast<uint32_t>(p.hop_length) + 1));
    const int64_t room = stream.MaxFramesForPush(piece);
    FUZZ_CHECK(made + room <= cap);
    Result<int64_t> k =
        stream.Push(pcm.data() + used, piece, streamed.data() + made * p.n_mels,
                    smask.data() + made, room);
    if (!k.ok()) {
      failed = true;
      break;
    }
    FUZZ_CHECK(*k >= 0 && *k <= room);
    made += *k;
    used += piece;
  }
  FUZZ_CHECK(failed == !st.ok());
  if (failed) return 0;
  const int64_t room = stream.MaxFramesForFinish();
  FUZZ_CHECK(made + room <= cap);
  Result<int64_t> k = stream.Finish(streamed.data() + made * p.n_mels,
                                    smask.data() + made, room);
  FUZZ_CHECK(k.ok());
  made += *k;
  FUZZ_CHECK(made == frames);
  if (frames > 0) {
    FUZZ_CHECK(std::memcmp(streamed.data(), whole.data(),
                           sizeof(float) * whole.size()) == 0);
    FUZZ_CHECK(std::memcmp(smask.data(), mask.data(), mask.size()) == 0);
  }
  return 0;
}
