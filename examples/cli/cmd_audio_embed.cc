// `edgemma audio-embed --model PATH --wav F.wav --out emb.npy
// [--stream-chunk-ms N]`: the soft tokens of a sound file after the audio
// embedder, float32 [n_tokens, d_model]; with --stream-chunk-ms the same
// through the encoder stream fed N ms of PCM at a time.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/audio/audio_pcm.h"
#include "examples/cli/cli_audio.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "tools/npy.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "audio-embed";
constexpr char kUsage[] =
    "usage: edgemma audio-embed --model PATH --wav FILE --out EMB.npy\n"
    "                           [--stream-chunk-ms N] [--threads N] [--act "
    "f32|q8]\n"
    "  PATH: an HF checkpoint directory with an audio tower, or a GGUF model "
    "with its\n"
    "        mmproj-<name>.gguf beside it.\n"
    "  FILE: a sound file (any rate/channels: mixed to mono, resampled to 16 "
    "kHz; past 30 s\n"
    "        is cut, as the model's feature extractor does).\n"
    "  EMB.npy: float32 [n_tokens, d_model], the soft tokens after the audio "
    "embedder\n"
    "        (25 per second of audio).\n"
    "  --stream-chunk-ms N: feed the encoder stream N ms of PCM at a time "
    "(same result).\n"
    "  --act: activations of Q4_0/Q8_0 tower weight products, f32 (default) "
    "or q8.\n";

struct Collect {
  std::vector<float>* out;
  int64_t d;
};

Status Append(void* user, const float* t, int n, int64_t) {
  Collect* c = static_cast<Collect*>(user);
  c->out->insert(c->out->end(), t, t + n * c->d);
  return Status::Ok();
}

Status Run(const std::string& model, const std::string& wav,
           const std::string& out, int chunk_ms, int threads, ActType act) {
  EM_ASSIGN_OR_RETURN(std::string tower_path, AudioTowerPathFor(model));
  EM_ASSIGN_OR_RETURN(LogMelParams params, AudioFrontEndFor(model));
  EM_ASSIGN_OR_RETURN(std::unique_ptr<TowerWeights> tower,
                      TowerWeights::Open(tower_path));
  if (!tower->dims().audio.present) {
    return InvalidArgument(
        model + ": the model has no audio tower (audio_config is null)");
  }
  EM_ASSIGN_OR_RETURN(std::unique_ptr<AudioEncoder> enc,
                      AudioEncoder::Create(*tower));
  AudioStreamOptions o;
  o.n_threads = threads;
  o.act_type = act;
  EM_ASSIGN_OR_RETURN(std::unique_ptr<AudioPcmStream> s,
                      AudioPcmStream::Create(*enc, params, o));
  EM_ASSIGN_OR_RETURN(std::vector<float> pcm,
                      LoadAudioPcm(wav, params.sample_rate));
  const int64_t n = static_cast<int64_t>(pcm.size()), d = enc->text_d();
  std::vector<float> emb;
  const auto t0 = std::chrono::steady_clock::now();
  if (chunk_ms > 0) {
    const int64_t piece =
        std::max<int64_t>(1, int64_t{params.sample_rate} * chunk_ms / 1000);
    Collect c{&emb, d};
    s->Reset();
    for (int64_t off = 0; off < n; off += piece)
      EM_RETURN_IF_ERROR(
          s->Feed(pcm.data() + off, std::min(piece, n - off), Append, &c));
    EM_RETURN_IF_ERROR(s->Finish(Append, &c));
  } else {
    const int64_t rows = s->TokensForSamples(n);
    emb.resize(static_cast<size_t>(rows * d));
    int64_t got = 0;
    EM_RETURN_IF_ERROR(s->Encode(pcm.data(), n, emb.data(), rows, &got));
  }
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
  const int64_t tokens = static_cast<int64_t>(emb.size()) / d;
  EM_RETURN_IF_ERROR(WriteNpyF32(out, emb.data(), {tokens, d}));
  std::fprintf(stderr,
               "%s: %.2f s of audio -> %lld soft tokens [%lld] in %.1f ms\n",
               wav.c_str(), double(n) / params.sample_rate,
               static_cast<long long>(tokens), static_cast<long long>(d), ms);
  return Status::Ok();
}

int AudioEmbed(int argc, char** argv) {
  std::string model, wav, out;
  int chunk_ms = 0, threads = 1;
  ActType act = ActType::kF32;
  Flags flags(kCmd, kUsage);
  flags.String("-m,--model", &model)
      .String("--wav", &wav)
      .String("--out", &out)
      .Int("--stream-chunk-ms", &chunk_ms, 1, 1 << 20)
      .Int("-t,--threads", &threads, 1, 1024)
      .Custom("--act", [&act](const char* v) {
        return ParseActType(v, &act) ? "" : "--act must be f32 or q8";
      });
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (model.empty() || wav.empty() || out.empty())
    return flags.UsageError("--model, --wav and --out are required");
  const Status st = Run(model, wav, out, chunk_ms, threads, act);
  return st.ok() ? kExitOk : flags.Fail(st);
}

}  // namespace

EDGEMMA_COMMAND("audio-embed",
                "sound file -> audio soft tokens after the embedder (.npy)",
                AudioEmbed);

}  // namespace edgemma::cli
