// `edgemma audio-embed` and `edgemma logits --audio` on the tiny models'
// golden waveform (written as a float WAV at test time), on a generated model
// with another audio config, on mmproj GGUFs of every tower weight type, and
// their errors (count mismatch, no audio tower).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/gemma4/model_test_util.h"
#include "tests/support/test_dir.h"
#include "tools/npy.h"

namespace edgemma::test {
namespace {

bool HavePython() {
  return std::system(
             "/usr/bin/python3 -c 'import numpy, scipy' > /dev/null 2>&1") == 0;
}

// npy waveform -> float32 WAV; npy ids -> comma-separated text.
void Prepare(const std::string& golden, const std::string& d) {
  const std::string py =
      "import numpy as np, scipy.io.wavfile as w\n"
      "g='" +
      golden +
      "/'\n"
      "x=np.load(g+'audio_log_mel/waveform.npy')\n"
      "w.write('" +
      d +
      "/a.wav',16000,x.astype(np.float32))\n"
      "w.write('" +
      d +
      "/short.wav',16000,x[:8000].astype(np.float32))\n"
      "ids=np.load(g+'audio_text/input_ids.npy')\n"
      "open('" +
      d + "/ids.txt','w').write(','.join(map(str,ids)))\n";
  WriteText(d + "/prep.py", py);
  ASSERT_EQ(std::system(("/usr/bin/python3 '" + d + "/prep.py'").c_str()), 0);
}

std::vector<float> Floats(const std::string& path,
                          std::vector<int64_t>* shape = nullptr) {
  Result<std::vector<float>> v = ReadFloats(path, shape);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::vector<float>{};
}

float MaxAbs(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return INFINITY;
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Smallest cosine between corresponding rows of [n, d] arrays.
double MinRowCosine(const std::vector<float>& a, const std::vector<float>& b,
                    int64_t d) {
  double worst = 1;
  for (size_t r = 0; r + d <= a.size(); r += d) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t i = 0; i < d; ++i) {
      ab += double(a[r + i]) * b[r + i];
      aa += double(a[r + i]) * a[r + i];
      bb += double(b[r + i]) * b[r + i];
    }
    worst = std::min(worst, ab / std::sqrt(aa * bb));
  }
  return worst;
}

class AudioCli : public ::testing::TestWithParam<const char*> {};

TEST_P(AudioCli, EmbedAndLogitsMatchGoldens) {
  if (!HavePython())
    GTEST_SKIP() << "/usr/bin/python3 with numpy/scipy not available";
  TempDir dir;
  const std::string d = dir.path(), model = TestdataDir(GetParam());
  const std::string golden = TestdataDir(std::string(GetParam()) + "-golden");
  Prepare(golden, d);
  const std::vector<float> want = Floats(golden + "/audio_tower/audio_out.npy");
  for (const char* extra :
       {"", " --stream-chunk-ms 7", " --stream-chunk-ms 1000 --threads 2"}) {
    CliResult r = RunCli("audio-embed --model '" + model + "' --wav '" + d +
                         "/a.wav' --out '" + d + "/e.npy'" + extra);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_LE(MaxAbs(Floats(d + "/e.npy"), want), 1e-4f) << extra;
  }
  CliResult r =
      RunCli("logits --model '" + model + "' --tokens-file '" + d +
             "/ids.txt' --audio '" + d + "/a.wav' --out '" + d + "/l.npy'");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_LE(
      MaxAbs(Floats(d + "/l.npy"), Floats(golden + "/audio_text/logits.npy")),
      3e-3f);

  // Count mismatches: a shorter clip, a second file without a block, none.
  r = RunCli("logits --model '" + model + "' --tokens-file '" + d +
             "/ids.txt' --audio '" + d + "/short.wav' --out '" + d + "/x.npy'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("short.wav gives 13 soft tokens but --audio block 1"),
            std::string::npos)
      << r.output;
  r = RunCli("logits --model '" + model + "' --tokens-file '" + d +
             "/ids.txt' --audio '" + d + "/a.wav' --audio '" + d +
             "/a.wav' --out '" + d + "/x.npy'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("2 --audio file(s) given but the ids have 1 block"),
            std::string::npos)
      << r.output;
  r = RunCli("audio-embed --model '" + model + "' --wav '" + d +
             "/missing.wav' --out '" + d + "/x.npy'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("missing.wav"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Tiny, AudioCli,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

TEST(AudioCliErrors, ModelWithoutAudioTowerRefusesAudio) {
  if (!HavePython())
    GTEST_SKIP() << "/usr/bin/python3 with numpy/scipy not available";
  TempDir dir;
  const std::string d = dir.path(), src = TestdataDir("tiny-e2b");
  Prepare(TestdataDir("tiny-e2b-golden"), d);
  // tiny-e2b with audio_config: null (the text weights are the same file).
  const std::string py = "import json\nc=json.load(open('" + src +
                         "/config.json'))\nc['audio_config']=None\n"
                         "json.dump(c,open('" +
                         d + "/m/config.json','w'))\n";
  ASSERT_EQ(std::system(("mkdir -p '" + d + "/m' && ln -s '" + src +
                         "/model.safetensors' '" + d + "/m/model.safetensors'")
                            .c_str()),
            0);
  WriteText(d + "/cfg.py", py);
  ASSERT_EQ(std::system(("/usr/bin/python3 '" + d + "/cfg.py'").c_str()), 0);
  CliResult r =
      RunCli("logits --model '" + d + "/m' --tokens-file '" + d +
             "/ids.txt' --audio '" + d + "/a.wav' --out '" + d + "/x.npy'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("no audio tower"), std::string::npos) << r.output;
  r = RunCli("audio-embed --model '" + d + "/m' --wav '" + d +
             "/a.wav' --out '" + d + "/x.npy'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("audio tower"), std::string::npos) << r.output;
}

// The tower from an mmproj GGUF of each weight type (`edgemma quantize`), next
// to the GGUF model, against the golden. Measured on tiny-e2b (README): f16
// max |err| 1.7e-6, q8_0 0.057 (row cosine >= 0.9998), q4_0 ~1 (cosine ~0.92).
TEST(AudioCliWeightTypes, MmprojTowerAccuracy) {
  if (!HavePython())
    GTEST_SKIP() << "/usr/bin/python3 with numpy/scipy not available";
  TempDir dir;
  const std::string d = dir.path(), golden = TestdataDir("tiny-e2b-golden");
  Prepare(golden, d);
  const std::vector<float> want = Floats(golden + "/audio_tower/audio_out.npy");
  for (const char* type : {"f16", "q8_0", "q4_0"}) {
    const std::string m = d + "/" + type + ".gguf";
    CliResult r = RunCli("quantize '" + TestdataDir("tiny-e2b") + "' '" + m +
                         "' --no-tokenizer --type " + type);
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* act : {"f32", "q8"}) {
      r = RunCli("audio-embed --model '" + m + "' --wav '" + d +
                 "/a.wav' --out '" + d + "/e.npy' --act " + act);
      ASSERT_EQ(r.code, 0) << r.output;
      const std::vector<float> got = Floats(d + "/e.npy");
      const float err = MaxAbs(got, want);
      const double cos = MinRowCosine(got, want, 64);
      std::printf(
          "[tower weights] %-4s act %-3s max_abs %.3g min row cosine %.5f\n",
          type, act, err, cos);
      if (std::string(type) == "f16") {
        EXPECT_LE(err, 1e-4f);
      }
      if (std::string(type) == "q8_0") {
        EXPECT_GE(cos, 0.999);
      }
      EXPECT_GE(cos, 0.8) << type;  // q4_0 degrades (see README) but stays sane
    }
  }
  // A GGUF model without its mmproj: a clear error naming what was looked for.
  std::system(
      ("mv '" + d + "/mmproj-f16.gguf' '" + d + "/moved.gguf'").c_str());
  CliResult r = RunCli("audio-embed --model '" + d + "/f16.gguf' --wav '" + d +
                       "/a.wav' --out '" + d + "/x.npy'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("mmproj-f16.gguf"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgemma::test
