// Long-audio splitter (see audio_splitter.h).
#include "core/audio/audio_splitter.h"

#include <algorithm>
#include <string>

namespace edgemma {

int64_t MaxBlockSamples(const LogMelParams& p) {
  // Largest n with ceil(valid_frames(n) / 4) <= max_tokens: valid_frames(n) <=
  // 4 * max_tokens
  // <=> n + lead - span < 4 * max_tokens * hop.
  const int64_t span = p.frame_length + 1, lead = p.frame_length / 2;
  int64_t by_tokens =
      int64_t{4} * p.max_tokens * p.hop_length + span - lead - 1;
  return p.max_samples > 0 ? std::min(by_tokens, p.max_samples) : by_tokens;
}

SplitOptions DefaultSplitOptions(const LogMelParams& p) {
  SplitOptions o;
  o.max_block = MaxBlockSamples(p);
  o.search = std::min<int64_t>(int64_t{5} * p.sample_rate, o.max_block / 2);
  o.frame = std::max(1, p.sample_rate / 100);
  o.smooth = 10;
  return o;
}

namespace {

double FrameEnergy(const float* x, int64_t len) {
  double e = 0;
  for (int64_t i = 0; i < len; ++i) e += static_cast<double>(x[i]) * x[i];
  return len > 0 ? e / len : 0.0;
}

// The cut in [lo, hi] (lo < hi <= n) at the middle of the quietest smoothed
// frame.
int64_t QuietestCut(const float* pcm, int64_t n, int64_t lo, int64_t hi,
                    const SplitOptions& o) {
  const int64_t f = o.frame, first = lo / f,
                last = (hi - f / 2) / f;  // frames whose middle fits
  if (last < first) return hi;
  int64_t best = hi;
  double best_e = 0;
  for (int64_t j = first; j <= last; ++j) {
    const int64_t mid = j * f + f / 2;
    if (mid <= lo || mid > hi) continue;
    double e = 0;
    for (int64_t k = j - o.smooth; k <= j + o.smooth; ++k) {
      const int64_t b = std::clamp<int64_t>(k * f, 0, n),
                    end = std::clamp<int64_t>(b + f, 0, n);
      e += FrameEnergy(pcm + b, end - b);
    }
    if (best == hi || e <= best_e) best = mid, best_e = e;
  }
  return best;
}

}  // namespace

Status SplitAudio(const float* pcm, int64_t n, const SplitOptions& o,
                  std::vector<AudioBlock>* blocks) {
  if (o.max_block <= 0 || o.frame <= 0 || o.smooth < 0 || o.search < 0 ||
      o.search >= o.max_block) {
    return InvalidArgument(
        "audio splitter: need max_block > search >= 0, frame > 0, got " +
        std::to_string(o.max_block) + ", " + std::to_string(o.search) + ", " +
        std::to_string(o.frame));
  }
  blocks->clear();
  int64_t start = 0;
  while (n - start > o.max_block) {
    // Leave at least `search` samples after the cut, so the last block is never
    // a sliver too short for a soft token.
    const int64_t hi = std::min(start + o.max_block, n - o.search);
    const int64_t lo = std::max(hi - o.search, start);
    const int64_t cut = QuietestCut(pcm, n, lo, hi, o);
    blocks->push_back({start, cut});
    start = cut;
  }
  if (n > start) blocks->push_back({start, n});
  return Status::Ok();
}

}  // namespace edgemma
