#include "tests/audio/audio_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tools/npy.h"

namespace edgemma::test {

Result<AudioRig> MakeAudioRig(const std::string& path,
                              const AudioStreamOptions& options) {
  AudioRig r;
  EM_ASSIGN_OR_RETURN(r.tower, TowerWeights::Open(path));
  EM_ASSIGN_OR_RETURN(r.encoder, AudioEncoder::Create(*r.tower));
  EM_ASSIGN_OR_RETURN(r.stream,
                      AudioEncoderStream::Create(*r.encoder, options));
  return r;
}

Result<MelInput> ReadMel(const std::string& mel_npy,
                         const std::string& mask_npy) {
  MelInput in;
  EM_ASSIGN_OR_RETURN(NpyArray mel, ReadNpy(mel_npy));
  if (mel.shape.size() != 2) return InvalidArgument(mel_npy + ": not 2-D");
  EM_ASSIGN_OR_RETURN(in.mel, mel.ToFloat());
  in.frames = mel.shape[0];
  in.mask.assign(in.frames, 1);
  if (!mask_npy.empty()) {
    EM_ASSIGN_OR_RETURN(NpyArray m, ReadNpy(mask_npy));
    EM_ASSIGN_OR_RETURN(std::vector<int64_t> v, m.ToInt());
    if (static_cast<int64_t>(v.size()) != in.frames)
      return InvalidArgument(mask_npy + ": length differs from the frames");
    for (int64_t i = 0; i < in.frames; ++i) in.mask[i] = v[i] != 0;
  }
  return in;
}

Result<std::vector<float>> EncodeWhole(AudioRig& rig, const MelInput& in) {
  const int64_t d = rig.encoder->text_d();
  std::vector<float> out(
      static_cast<size_t>(AudioEncoder::TokensForFrames(in.frames) * d));
  int64_t n = 0;
  EM_RETURN_IF_ERROR(rig.encoder->Encode(
      *rig.stream, in.mel.data(), in.mask.data(), in.frames, out.data(),
      out.size() / std::max<int64_t>(d, 1), &n));
  out.resize(static_cast<size_t>(n * d));
  return out;
}

namespace {

struct Collect {
  std::vector<float>* out;
  int64_t d;
  int64_t next = 0;
};

Status Append(void* user, const float* tokens, int n, int64_t first) {
  Collect* c = static_cast<Collect*>(user);
  if (first != c->next) return Internal("tokens out of order");
  c->out->insert(c->out->end(), tokens, tokens + n * c->d);
  c->next += n;
  return Status::Ok();
}

}  // namespace

Result<std::vector<float>> EncodeStreamed(AudioRig& rig, const MelInput& in,
                                          const std::vector<int64_t>& pieces) {
  int64_t valid = 0;
  while (valid < in.frames && in.mask[valid]) ++valid;
  std::vector<float> out;
  Collect c{&out, rig.encoder->text_d()};
  const int64_t n_mel = rig.encoder->n_mel();
  rig.stream->Reset();
  int64_t pos = 0;
  for (size_t i = 0; pos < valid; ++i) {
    const int64_t n = std::min(pieces[i % pieces.size()], valid - pos);
    EM_RETURN_IF_ERROR(
        rig.stream->Feed(in.mel.data() + pos * n_mel, n, Append, &c));
    pos += n;
  }
  EM_RETURN_IF_ERROR(rig.stream->Finish(Append, &c));
  return out;
}

float MaxAbs(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace edgemma::test
