// `edgemma run --audio`: a synthetic GGUF model with the real tokenizer (the
// tiny-e2b config with the real special ids and vocabulary, `edgemma synth`)
// and the tiny-e2b audio tower as its mmproj (`edgemma quantize`), made once
// into the build tree. Random weights: the answer is gibberish; the test checks
// the audio blocks (soft-token count, KV reuse of everything fed before the
// text) and the errors.
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
             "/usr/bin/python3 -c 'import numpy, scipy' > /dev/null 2>&1") == 0;
}

class RunAudio : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = BuildScratchDir("run-audio");
    if (std::ifstream(dir_ + "/ok").good()) return;
    const std::string shared = SharedDir(), bin = EDGEMMA_BIN_DIR "/edgemma";
    const std::string py =
        "import json, numpy as np, scipy.io.wavfile as w\n"
        "c=json.load(open('" +
        shared +
        "/testdata/tiny-e2b/config.json'))\n"
        "c.update(audio_token_id=258881, boa_token_id=256000, "
        "eoa_token_id=258883,\n"
        "         eoa_token_index=258883, image_token_id=258880, "
        "boi_token_id=255999,\n"
        "         eoi_token_id=258882)\n"
        "c['text_config']['vocab_size']=262144\n"
        "c['text_config']['vocab_size_per_layer_input']=262144\n"
        "json.dump(c, open('" +
        dir_ +
        "/cfg.json','w'))\n"
        "x=np.load('" +
        shared +
        "/testdata/tiny-e2b-golden/audio_log_mel/waveform.npy')\n"
        "w.write('" +
        dir_ + "/a.wav', 16000, x.astype(np.float32))\n";
    WriteText(dir_ + "/prep.py", py);
    const std::string cmd =
        "cd '" + dir_ + "' && /usr/bin/python3 prep.py && " + bin +
        " synth --config cfg.json --tokenizer " + shared +
        "/testdata/tokenizer/gemma4/tokenizer.json --type q8_0 --seed 7 "
        "--force m.gguf "
        "> log 2>&1 && " +
        bin + " quantize " + shared +
        "/testdata/tiny-e2b t.gguf --no-tokenizer --type f16 >> log 2>&1 && "
        "mv mmproj-t.gguf mmproj-m.gguf && rm t.gguf && touch ok";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << dir_ << "/log";
  }
  static std::string dir_;
};
std::string RunAudio::dir_;

TEST_F(RunAudio, AudioBlocksGoIntoTheUserTurn) {
  if (!HavePython())
    GTEST_SKIP() << "/usr/bin/python3 with numpy/scipy not available";
  const std::string m = dir_ + "/m.gguf", a = dir_ + "/a.wav";
  CliResult r =
      RunCli("run -m '" + m + "' --audio '" + a + "' -n 3 --seed 1 -t 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("0.96 s -> 24 soft tokens"), std::string::npos)
      << r.output;
  // Two files and a question: 2 x (24 + 2) audio positions and the 3-token head
  // are reused; the question and the turn markers (9 ids) are prefilled.
  r = RunCli("run -m '" + m + "' --audio '" + a + "' --audio '" + a +
             "' -p 'What is said?' -n 3 --seed 1 -t 2");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("[prompt] 65 tokens (56 reused, 9 prefilled)"),
            std::string::npos)
      << r.output;
}

TEST_F(RunAudio, Errors) {
  if (!HavePython())
    GTEST_SKIP() << "/usr/bin/python3 with numpy/scipy not available";
  const std::string m = dir_ + "/m.gguf";
  CliResult r =
      RunCli("run -m '" + m + "' --audio '" + dir_ + "/missing.wav' -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("missing.wav"), std::string::npos) << r.output;
  r = RunCli("run -m '" + m + "' --audio '" + dir_ + "/a.wav' --raw -p x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--raw cannot be combined with --audio"),
            std::string::npos);
  // Without its mmproj the GGUF has no tower to load: named in the error.
  TempDir t;
  ASSERT_EQ(
      std::system(("ln -s '" + m + "' '" + t.path() + "/n.gguf'").c_str()), 0);
  r = RunCli("run -m '" + t.path() + "/n.gguf' --audio '" + dir_ +
             "/a.wav' -n 1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("mmproj-n.gguf"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgemma::test
