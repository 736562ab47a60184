// Sound files for the CLI (see cli_audio.h).
#include "examples/cli/cli_audio.h"

#ifdef EDGEMMA_HAVE_MEDIA
#include "media/sound_file.h"
#endif

namespace edgemma::cli {

Result<std::vector<float>> LoadAudioPcm(const std::string& path, int rate) {
#ifdef EDGEMMA_HAVE_MEDIA
  EM_ASSIGN_OR_RETURN(media::SoundData d, media::ReadSoundFile(path, rate));
  return std::move(d.samples);
#else
  (void)rate;
  return Unsupported(path +
                     ": this edgemma was built without the media library "
                     "(libsndfile, libsoxr): it cannot read sound files");
#endif
}

}  // namespace edgemma::cli
