#include "examples/cli/cli_media.h"

#include <algorithm>
#include <memory>

#include "core/audio/audio_pcm.h"
#include "examples/cli/cli_audio.h"

namespace edgemma::cli {
namespace {

struct Block {
  int32_t id;
  int64_t start, n;
};

std::vector<Block> FindBlocks(const std::vector<int32_t>& ids,
                              const std::vector<MediaSource>& sources) {
  std::vector<Block> blocks;
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool media = std::any_of(
        sources.begin(), sources.end(),
        [&](const MediaSource& s) { return s.placeholder_id == ids[i]; });
    if (!media) continue;
    if (!blocks.empty() && blocks.back().id == ids[i] &&
        blocks.back().start + blocks.back().n == static_cast<int64_t>(i)) {
      ++blocks.back().n;
    } else {
      blocks.push_back({ids[i], static_cast<int64_t>(i), 1});
    }
  }
  return blocks;
}

}  // namespace

Status FillMediaBlocks(const std::vector<int32_t>& ids, int d_model,
                       const std::vector<MediaSource>& sources,
                       std::vector<float>* emb, std::vector<uint8_t>* use) {
  const std::vector<Block> blocks = FindBlocks(ids, sources);
  emb->assign(ids.size() * static_cast<size_t>(d_model), 0.f);
  use->assign(ids.size(), 0);
  for (const MediaSource& s : sources) {
    std::vector<Block> mine;
    for (const Block& b : blocks)
      if (b.id == s.placeholder_id) mine.push_back(b);
    if (mine.size() != s.files.size()) {
      return InvalidArgument(
          std::to_string(s.files.size()) + " " + s.flag +
          " file(s) given but the ids have " + std::to_string(mine.size()) +
          " block(s) of placeholder id " + std::to_string(s.placeholder_id));
    }
    for (size_t k = 0; k < mine.size(); ++k) {
      const Block& b = mine[k];
      EM_ASSIGN_OR_RETURN(std::vector<float> soft, s.encode(s.files[k]));
      const int64_t n = static_cast<int64_t>(soft.size()) / d_model;
      if (n != b.n) {
        return InvalidArgument(
            s.files[k] + " gives " + std::to_string(n) + " soft tokens but " +
            s.flag + " block " + std::to_string(k + 1) + " (ids " +
            std::to_string(b.start) + ".." + std::to_string(b.start + b.n - 1) +
            ") has " + std::to_string(b.n) + " placeholders");
      }
      std::copy(soft.begin(), soft.end(), emb->begin() + b.start * d_model);
      std::fill(use->begin() + b.start, use->begin() + b.start + b.n, 1);
    }
  }
  return Status::Ok();
}

Result<MediaSource> AudioSource(const std::string& model_path,
                                const Gemma4Config& cfg, int threads,
                                ActType act, std::vector<std::string> files) {
  if (!cfg.audio.present) {
    return InvalidArgument(
        model_path +
        ": the model has no audio tower (audio_config is null): "
        "--audio cannot be used");
  }
  if (cfg.audio_token_id < 0)
    return InvalidArgument(model_path + ": no audio_token_id");
  EM_ASSIGN_OR_RETURN(std::string tower_path, AudioTowerPathFor(model_path));
  EM_ASSIGN_OR_RETURN(LogMelParams params, AudioFrontEndFor(model_path));
  struct Holder {
    std::unique_ptr<TowerWeights> tower;
    std::unique_ptr<AudioEncoder> encoder;
    std::unique_ptr<AudioPcmStream> stream;
  };
  auto h = std::make_shared<Holder>();
  EM_ASSIGN_OR_RETURN(h->tower, TowerWeights::Open(tower_path));
  EM_ASSIGN_OR_RETURN(h->encoder, AudioEncoder::Create(*h->tower));
  AudioStreamOptions o;
  o.n_threads = threads;
  o.act_type = act;
  EM_ASSIGN_OR_RETURN(h->stream,
                      AudioPcmStream::Create(*h->encoder, params, o));
  MediaSource s;
  s.flag = "--audio";
  s.placeholder_id = cfg.audio_token_id;
  s.files = std::move(files);
  const int rate = params.sample_rate;
  s.encode = [h, rate](const std::string& file) -> Result<std::vector<float>> {
    EM_ASSIGN_OR_RETURN(std::vector<float> pcm, LoadAudioPcm(file, rate));
    const int64_t n = static_cast<int64_t>(pcm.size());
    const int64_t rows = h->stream->TokensForSamples(n);
    std::vector<float> out(static_cast<size_t>(rows * h->encoder->text_d()));
    int64_t got = 0;
    Status st = h->stream->Encode(pcm.data(), n, out.data(), rows, &got);
    if (!st.ok()) return Status(st.code(), file + ": " + st.message());
    return out;
  };
  return s;
}

}  // namespace edgemma::cli
