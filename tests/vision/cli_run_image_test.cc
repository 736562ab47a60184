// `edgemma run --image / --video / --audio`: a synthetic GGUF model with the
// real tokenizer and ids (`edgemma synth` on the tiny-e2b config) and the
// tiny-e2b towers as its mmproj (`edgemma quantize`), made once into the build
// tree. Random weights: the answer is gibberish; the test checks the media
// blocks in the prompt (soft-token counts, prompt length, flag order), video
// frames, and the errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/gemma4/model_test_util.h"
#include "tests/support/test_dir.h"

namespace edgemma::test {
namespace {

bool HavePython() {
  return std::system(
             "/usr/bin/python3 -c 'import numpy, scipy, PIL' > "
             "/dev/null 2>&1") == 0;
}

class RunImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HavePython()) return;
    dir_ = BuildScratchDir("run-image");
    if (std::ifstream(dir_ + "/ok").good()) return;
    const std::string shared = SharedDir(), bin = EDGEMMA_BIN_DIR "/edgemma";
    const std::string g = shared + "/testdata/tiny-e2b-golden/";
    const std::string py =
        "import json, os, numpy as np, scipy.io.wavfile as w\n"
        "from PIL import Image\n"
        "c=json.load(open('" +
        shared +
        "/testdata/tiny-e2b/config.json'))\n"
        "c.update(audio_token_id=258881, boa_token_id=256000, "
        "eoa_token_id=258883,\n"
        "         eoa_token_index=258883, image_token_id=258880, "
        "boi_token_id=255999,\n"
        "         eoi_token_id=258882, video_token_id=258884)\n"
        "c['text_config']['vocab_size']=262144\n"
        "c['text_config']['vocab_size_per_layer_input']=262144\n"
        "json.dump(c, open('cfg.json','w'))\n"
        "rgb=np.load('" +
        g +
        "image_preprocess/rgb.npy')\n"
        "Image.fromarray(rgb).save('img.png')\n"
        "os.makedirs('frames', exist_ok=True)\n"
        "for i in range(3):\n"
        "  Image.fromarray(np.roll(rgb, 7 * i, axis=1)).save("
        "'frames/f%02d.png' % i)\n"
        "os.makedirs('empty', exist_ok=True)\n"
        "w.write('a.wav', 16000, np.load('" +
        g + "audio_log_mel/waveform.npy').astype(np.float32))\n";
    WriteText(dir_ + "/prep.py", py);
    const std::string cmd =
        "cd '" + dir_ + "' && /usr/bin/python3 prep.py && " + bin +
        " synth --config cfg.json --tokenizer " + shared +
        "/testdata/tokenizer/gemma4/tokenizer.json --type q8_0 --seed 7 "
        "--force m.gguf > log 2>&1 && " +
        bin + " quantize " + shared +
        "/testdata/tiny-e2b t.gguf --no-tokenizer --type f16 >> log 2>&1 && "
        "mv mmproj-t.gguf mmproj-m.gguf && rm t.gguf && touch ok";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << dir_ << "/log";
  }
  void SetUp() override {
    if (!HavePython()) GTEST_SKIP() << "/usr/bin/python3 + numpy/scipy/PIL";
  }
  static std::string dir_;
};
std::string RunImage::dir_;

TEST_F(RunImage, ImageBlocksInTheUserTurn) {
  const std::string m = dir_ + "/m.gguf", img = dir_ + "/img.png";
  CliResult r = RunCli("run -m '" + m + "' --image '" + img +
                       "' --budget 70 -p 'What is it?' -n 2 --seed 1 -t 2");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("63 soft tokens (budget 70)"), std::string::npos)
      << r.output;
  // The 80 x 112 image at the default budget 280: 266 soft tokens.
  r = RunCli("run -m '" + m + "' --image '" + img + "' -p 'What is it?' -n 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("266 soft tokens (budget 280)"), std::string::npos)
      << r.output;
}

TEST_F(RunImage, ImageAudioAndVideoInFlagOrder) {
  const std::string m = dir_ + "/m.gguf";
  CliResult r =
      RunCli("run -m '" + m + "' --audio '" + dir_ + "/a.wav' --image '" +
             dir_ + "/img.png' --budget 70 --video '" + dir_ +
             "/frames' -p 'Compare.' -n 1 --seed 3 -t 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("63 soft tokens (budget 70)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("3 of 3 frames x 63 soft tokens (budget 70)"),
            std::string::npos)
      << r.output;
  // Prompt: 24 audio + 63 image + 3 x 63 frame soft tokens, their markers,
  // the frames' "MM:SS " prefixes and the turn text.
  const size_t at = r.output.find("[prompt] ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const int tokens = std::atoi(r.output.c_str() + at + 9);
  EXPECT_GT(tokens, 24 + 2 + 63 + 2 + 3 * (63 + 2));
  EXPECT_LT(tokens, 24 + 2 + 63 + 2 + 3 * (63 + 2) + 60);
}

TEST_F(RunImage, Errors) {
  const std::string m = dir_ + "/m.gguf";
  CliResult r =
      RunCli("run -m '" + m + "' --image '" + dir_ + "/missing.png' -p x -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("missing.png"), std::string::npos) << r.output;
  r = RunCli("run -m '" + m + "' --image '" + dir_ +
             "/img.png' --budget 100 -p x -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("100"), std::string::npos) << r.output;
  r = RunCli("run -m '" + m + "' --video '" + dir_ + "/empty' -p x -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("no .jpg/.png/.ppm frames"), std::string::npos)
      << r.output;
  r = RunCli("run -m '" + m + "' --video '" + dir_ + "/img.png' -p x -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not a directory of frames"), std::string::npos)
      << r.output;
  r = RunCli("run -m '" + m + "' --image '" + dir_ + "/img.png' --raw -p x");
  EXPECT_EQ(r.code, 2);
  // Without its mmproj the GGUF has no vision tower: named in the error.
  TempDir t;
  ASSERT_EQ(
      std::system(("ln -s '" + m + "' '" + t.path() + "/n.gguf'").c_str()), 0);
  r = RunCli("run -m '" + t.path() + "/n.gguf' --image '" + dir_ +
             "/img.png' -p x -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("no vision tower"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgemma::test
