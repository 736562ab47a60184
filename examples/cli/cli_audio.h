// Sound files for the CLI commands (audio-features, audio-embed, logits/run
// --audio, transcribe): any file libsndfile reads -> mono float PCM at the
// model's rate, through the media library. A CLI built without edgemma_media
// reports that instead of reading.
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_AUDIO_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_AUDIO_H_

#include <string>
#include <vector>

#include "platform/status.h"

namespace edgemma::cli {

// Decodes `path` to mono float PCM at `rate` Hz (downmix = channel mean,
// libsoxr resampling). Errors name the file and the problem (see
// media/sound_file.h).
Result<std::vector<float>> LoadAudioPcm(const std::string& path, int rate);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_AUDIO_H_
