// Models generated at test time with other audio configs (width, heads,
// layers, subsampling channels, depthwise kernel, chunk / left / right
// context, activation) through the numpy reference
// (tests/audio/make_audio_model.py): whole-clip and streamed encodes must match
// the reference's soft tokens. Nothing about the tiny models' audio tower is
// hard-coded, so these must pass like the shipped goldens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/audio/audio_pcm.h"
#include "tests/audio/audio_test_util.h"
#include "tests/gemma4/model_test_util.h"

namespace edgemma::test {
namespace {

bool HavePythonNumpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") ==
         0;
}

struct Config {
  const char* name;
  const char* overrides;  // audio_config fields (JSON)
};

// Tolerance against the float64 reference on the same BF16 weights.
constexpr float kAtol = 2e-4f;

class GeneratedAudio : public ::testing::TestWithParam<Config> {};

TEST_P(GeneratedAudio, MatchesReferenceWholeAndStreamed) {
  if (!HavePythonNumpy())
    GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const Config c = GetParam();
  const std::string dir = BuildScratchDir(std::string("audio-") + c.name);
  const std::string cmd = "/usr/bin/python3 '" EDGEMMA_SOURCE_DIR
                          "/tests/audio/make_audio_model.py' '" +
                          SharedDir() + "' '" + dir + "' '" + c.overrides +
                          "' > '" + dir + ".log' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << "generation failed, see " << dir << ".log";
  for (int block : {64, 3}) {
    AudioStreamOptions o;
    o.max_block = block;
    o.n_threads = block == 3 ? 2 : 1;
    Result<AudioRig> rig = MakeAudioRig(dir + "/model", o);
    ASSERT_TRUE(rig.ok()) << rig.status().ToString();
    for (int clip = 0; clip < 2; ++clip) {
      const std::string p = dir + "/clip" + std::to_string(clip) + "_";
      Result<MelInput> in = ReadMel(p + "mel.npy", p + "mask.npy");
      ASSERT_TRUE(in.ok()) << in.status().ToString();
      std::vector<int64_t> shape;
      Result<std::vector<float>> want = ReadFloats(p + "emb.npy", &shape);
      ASSERT_TRUE(want.ok()) << want.status().ToString();
      Result<std::vector<float>> whole = EncodeWhole(*rig, *in);
      ASSERT_TRUE(whole.ok()) << whole.status().ToString();
      ASSERT_EQ(whole->size(), want->size()) << c.name << " clip " << clip;
      const float err = MaxAbs(*whole, *want);
      std::printf(
          "[generated audio] %s clip %d (%lld tokens) block %d: max_abs %.3g\n",
          c.name, clip, static_cast<long long>(shape[0]), block, err);
      EXPECT_LE(err, kAtol) << c.name << " clip " << clip;
      for (const std::vector<int64_t>& pieces :
           {std::vector<int64_t>{1}, std::vector<int64_t>{7, 2, 11}}) {
        Result<std::vector<float>> s = EncodeStreamed(*rig, *in, pieces);
        ASSERT_TRUE(s.ok()) << s.status().ToString();
        EXPECT_LE(MaxAbs(*s, *whole), 2e-5f) << c.name << " clip " << clip;
      }
      // From PCM (4900 / 17003 samples: not multiples of 128 or 160),
      // whole and in odd pieces, through the log-mel front end.
      Result<std::vector<float>> wav = ReadFloats(p + "wav.npy", nullptr);
      ASSERT_TRUE(wav.ok()) << wav.status().ToString();
      Result<std::unique_ptr<AudioPcmStream>> pcm =
          AudioPcmStream::Create(*rig->encoder, LogMelParams{}, o);
      ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
      const int64_t n = static_cast<int64_t>(wav->size());
      ASSERT_EQ((*pcm)->TokensForSamples(n), shape[0]);
      std::vector<float> from_pcm(want->size());
      int64_t got = 0;
      ASSERT_TRUE(
          (*pcm)->Encode(wav->data(), n, from_pcm.data(), shape[0], &got).ok());
      EXPECT_LE(MaxAbs(from_pcm, *want), kAtol)
          << c.name << " clip " << clip << " (PCM)";
      AudioTokenBuffer sink{from_pcm.data(), shape[0], rig->encoder->text_d()};
      std::fill(from_pcm.begin(), from_pcm.end(), 1e9f);  // must be overwritten
      (*pcm)->Reset();
      for (int64_t off = 0, k = 1; off < n; off += k, k = k * 3 % 997 + 1)
        ASSERT_TRUE((*pcm)
                        ->Feed(wav->data() + off, std::min(k, n - off),
                               AudioTokenBuffer::Sink, &sink)
                        .ok());
      ASSERT_TRUE((*pcm)->Finish(AudioTokenBuffer::Sink, &sink).ok());
      EXPECT_LE(MaxAbs(from_pcm, *want), kAtol)
          << c.name << " clip " << clip << " (PCM pieces)";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, GeneratedAudio,
    ::testing::Values(
        Config{
            "w40h5l3k3c8",
            R"({"hidden_size": 40, "num_attention_heads": 5, "num_hidden_layers": 3,
                   "subsampling_conv_channels": [128, 6], "conv_kernel_size": 3,
                   "attention_chunk_size": 8, "attention_context_left": 9,
                   "output_proj_dims": 36, "hidden_act": "gelu_pytorch_tanh"})"},
        Config{
            "w24h3l2k7right2",
            R"({"hidden_size": 24, "num_attention_heads": 3, "num_hidden_layers": 2,
                   "subsampling_conv_channels": [128, 3], "conv_kernel_size": 7,
                   "attention_chunk_size": 6, "attention_context_left": 5,
                   "attention_context_right": 3, "output_proj_dims": 20,
                   "attention_logit_cap": 5.0})"},
        Config{
            "w56h7l1noclip",
            R"({"hidden_size": 56, "num_attention_heads": 7, "num_hidden_layers": 1,
                   "subsampling_conv_channels": [128, 2], "conv_kernel_size": 5,
                   "use_clipped_linears": false, "residual_weight": 0.25,
                   "output_proj_dims": 64})"}),
    [](const ::testing::TestParamInfo<Config>& i) {
      return std::string(i.param.name);
    });

}  // namespace
}  // namespace edgemma::test
