// Helpers of the audio encoder tests: the tiny models' tower, whole-clip and
// streamed encodes, comparisons.
#ifndef EDGEMMA_TESTS_AUDIO_AUDIO_TEST_UTIL_H_
#define EDGEMMA_TESTS_AUDIO_AUDIO_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/audio/audio_encoder.h"
#include "core/io/mmproj.h"

namespace edgemma::test {

// A tower, its encoder and one stream (kept together: the encoder views the
// tower's mapping, the stream the encoder).
struct AudioRig {
  std::unique_ptr<TowerWeights> tower;
  std::unique_ptr<AudioEncoder> encoder;
  std::unique_ptr<AudioEncoderStream> stream;
};
Result<AudioRig> MakeAudioRig(const std::string& path,
                              const AudioStreamOptions& options = {});

// Log-mel features [frames, n_mel] and mask of a golden or generated case.
struct MelInput {
  std::vector<float> mel;
  std::vector<uint8_t> mask;
  int64_t frames = 0;
};
Result<MelInput> ReadMel(const std::string& mel_npy,
                         const std::string& mask_npy);

// Whole-clip encode: [n_tokens, text_d].
Result<std::vector<float>> EncodeWhole(AudioRig& rig, const MelInput& in);
// The same clip fed in pieces of the given sizes (cycled until the valid
// frames are used up), then Finish.
Result<std::vector<float>> EncodeStreamed(AudioRig& rig, const MelInput& in,
                                          const std::vector<int64_t>& pieces);

float MaxAbs(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace edgemma::test

#endif  // EDGEMMA_TESTS_AUDIO_AUDIO_TEST_UTIL_H_
