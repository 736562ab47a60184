// Long audio -> blocks the audio encoder takes whole (at most 30 s / 750 soft
// tokens for Gemma 4), cut at the quietest point near each block boundary (a
// short-frame energy VAD), for `edgemma transcribe` and any caller with more
// audio than one block. Runtime-neutral: PCM floats in, sample ranges out; the
// blocks tile [0, n) exactly (no sample dropped or repeated).
#ifndef EDGEMMA_CORE_AUDIO_AUDIO_SPLITTER_H_
#define EDGEMMA_CORE_AUDIO_AUDIO_SPLITTER_H_

#include <cstdint>
#include <vector>

#include "core/audio/log_mel.h"
#include "platform/status.h"

namespace edgemma {

struct AudioBlock {
  int64_t begin = 0;  // first sample
  int64_t end = 0;    // one past the last sample
};

struct SplitOptions {
  int64_t max_block =
      0;  // samples per block at most (> 0); see MaxBlockSamples
  int64_t search =
      0;  // look for the cut in the last `search` samples before max_block
  int frame = 0;   // energy frame (samples)
  int smooth = 0;  // frames averaged on each side of a candidate cut
};

// The longest block the model takes whole for these front-end parameters: the
// front end's truncation length (max_length, 30 s) and the soft-token cap
// (audio_seq_length, 750 tokens), whichever is shorter.
int64_t MaxBlockSamples(const LogMelParams& p);

// Defaults for `p`: max_block = MaxBlockSamples(p), search = 5 s (at most half
// a block), frame = 10 ms, smooth = 10 frames (a 210 ms window: a pause between
// words, not a plosive).
SplitOptions DefaultSplitOptions(const LogMelParams& p);

// Splits pcm[0, n) into blocks of at most max_block samples. Each cut is placed
// in the middle of the energy frame whose smoothed energy is lowest within the
// search window: the `search` samples before the block's end, or before
// n - search near the end of the audio, so the last block keeps at least
// `search` samples (never a sliver too short for a soft token). Ties go to the
// latest frame, so silence cuts at full length. n <= max_block gives one block;
// n == 0 none. `blocks` is cleared and filled; errors only on invalid options.
Status SplitAudio(const float* pcm, int64_t n, const SplitOptions& options,
                  std::vector<AudioBlock>* blocks);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_AUDIO_AUDIO_SPLITTER_H_
