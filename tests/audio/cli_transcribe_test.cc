// `edgemma transcribe` end to end on a speech test model made at test time by
// `edgemma synth` (tests/audio/speech_model_config.json: a tiny text model and
// audio tower with random weights and the real tokenizer, so the text is
// gibberish by construction): a 2-minute espeak-ng file gives segments that
// tile the whole file (no sample lost or repeated, none over 30 s); unusual but
// valid files (8 channels 24-bit, 8 kHz, 192 kHz float, FLAC, Ogg) transcribe;
// broken files exit 1 naming the file while the good ones still print; a model
// without an audio tower is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "media/sound_file.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

bool Have(const char* tool) {
  return std::system(
             (std::string(tool) + " --version > /dev/null 2>&1").c_str()) == 0;
}

class TranscribeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string cmd =
        "synth --config '" + std::string(EDGEMMA_SOURCE_DIR) +
        "/tests/audio/speech_model_config.json' --format hf --tokenizer '" +
        EDGEMMA_SHARED_DIR +
        "/testdata/tokenizer/gemma4/tokenizer.json' --seed 3 '" + Model() + "'";
    const auto r = test::RunCli(cmd);
    synth_ok_ = r.code == 0;
    if (!synth_ok_) std::fprintf(stderr, "%s\n", r.output.c_str());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(synth_ok_) << "edgemma synth of the speech test model failed";
    if (!Have("espeak-ng")) GTEST_SKIP() << "espeak-ng not installed";
  }
  static std::string Model() { return dir_->path() + "/speech-model"; }
  static std::string Path(const std::string& name) {
    return dir_->path() + "/" + name;
  }

  // espeak-ng speaks `sentences` numbered sentences into `name` (22.05 kHz
  // WAV).
  static std::string Speak(const std::string& name, int sentences) {
    std::string text;
    for (int i = 1; i <= sentences; ++i) {
      text += "This is sentence number " + std::to_string(i) +
              ", spoken by a machine. ";
    }
    const std::string path = Path(name);
    EXPECT_EQ(
        std::system(("espeak-ng -w '" + path + "' '" + text + "'").c_str()), 0);
    return path;
  }

  static test::TempDir* dir_;
  static bool synth_ok_;
};

test::TempDir* TranscribeCli::dir_ = nullptr;
bool TranscribeCli::synth_ok_ = false;

std::vector<nlohmann::json> JsonLines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '{')
      lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

TEST_F(TranscribeCli, TwoMinutesOfSpeechTileTheFile) {
  const std::string wav = Speak("two_minutes.wav", 42);
  auto pcm = media::ReadSoundFile(wav, 16000);
  ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
  const double seconds = pcm->samples.size() / 16000.0;
  ASSERT_GE(seconds, 120.0);
  const auto r = test::RunCli("transcribe -m '" + Model() +
                              "' -n 4 --threads 2 --json '" + wav + "'");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto segs = JsonLines(r.output);
  ASSERT_GE(segs.size(), 5u) << r.output;  // > 120 s in blocks of <= 30 s
  double at = 0.0;
  for (const auto& s : segs) {
    ASSERT_TRUE(s["start"].is_number() && s["end"].is_number() &&
                s["text"].is_string());
    EXPECT_EQ(s["start"].get<double>(), at);  // exact: both are sample / 16000
    EXPECT_GT(s["end"].get<double>(), s["start"].get<double>());
    EXPECT_LE(s["end"].get<double>() - s["start"].get<double>(), 30.0);
    at = s["end"].get<double>();
  }
  EXPECT_EQ(at, seconds);  // the last segment ends at the last sample
  EXPECT_NE(r.output.find("block " + std::to_string(segs.size()) + "/"),
            std::string::npos)
      << "no progress on stderr";
}

TEST_F(TranscribeCli, UnusualButValidAudioTranscribes) {
  if (!Have("sox")) GTEST_SKIP() << "sox not installed";
  const std::string src = Speak("short.wav", 1);
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"eight_ch_24bit.wav", "-r 48000 -b 24 -c 8"},
      {"narrow_8k.wav", "-r 8000 -b 16 -c 1"},
      {"wide_192k_float.wav", "-r 192000 -e floating-point -b 32 -c 2"},
      {"lossless.flac", "-r 44100 -c 2"},
      {"vorbis.ogg", "-r 22050 -c 1"}};
  std::string files;
  for (const auto& [name, opts] : variants) {
    ASSERT_EQ(
        std::system(
            ("sox '" + src + "' " + opts + " '" + Path(name) + "'").c_str()),
        0)
        << name;
    files += " '" + Path(name) + "'";
  }
  const auto r =
      test::RunCli("transcribe -m '" + Model() + "' -n 2 --json" + files);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto segs = JsonLines(r.output);
  ASSERT_EQ(segs.size(), variants.size()) << r.output;
  for (size_t i = 0; i < segs.size(); ++i) {
    EXPECT_EQ(segs[i]["file"], Path(variants[i].first));
    EXPECT_NEAR(segs[i]["end"].get<double>(), segs[0]["end"].get<double>(),
                0.01);
  }
}

TEST_F(TranscribeCli, BrokenAudioExitsOneAndNamesTheFile) {
  const std::string good = Speak("good.wav", 1);
  const std::string wav = test::ReadText(good);
  test::WriteText(Path("empty.wav"), "");
  test::WriteText(Path("text.wav"), "this is not audio at all\n");
  test::WriteText(Path("cut.wav"), wav.substr(0, wav.size() / 3));
  std::string zero_hz = wav;
  zero_hz.replace(24, 4, std::string(4, '\0'));
  test::WriteText(Path("zero_hz.wav"), zero_hz);
  const auto r =
      test::RunCli("transcribe -m '" + Model() + "' -n 2 --json '" +
                   Path("empty.wav") + "' '" + Path("text.wav") + "' '" + good +
                   "' '" + Path("cut.wav") + "' '" + Path("zero_hz.wav") + "'");
  EXPECT_EQ(r.code, 1) << r.output;
  for (const auto& [file, problem] :
       std::vector<std::pair<std::string, std::string>>{
           {"empty.wav", "empty file"},
           {"text.wav", "not a sound file"},
           {"cut.wav", "truncated"},
           {"zero_hz.wav", "the WAV header declares a sample rate of 0 Hz"}}) {
    EXPECT_NE(r.output.find(Path(file) + ": " + problem), std::string::npos)
        << file << "\n"
        << r.output;
  }
  const auto segs = JsonLines(r.output);
  ASSERT_EQ(segs.size(), 1u) << r.output;  // the good file still ran
  EXPECT_EQ(segs[0]["file"], good);
}

TEST_F(TranscribeCli, SubtitleFormats) {
  const std::string wav = Speak("subtitle.wav", 2);
  auto r =
      test::RunCli("transcribe -m '" + Model() + "' -n 2 --srt '" + wav + "'");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("1\n00:00:00,000 --> 00:00:"), std::string::npos)
      << r.output;
  r = test::RunCli("transcribe -m '" + Model() + "' -n 2 --vtt '" + wav + "'");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("WEBVTT\n\n00:00:00.000 --> 00:00:", 0), 0u)
      << r.output;
  r = test::RunCli("transcribe -m '" + Model() +
                   "' -n 2 --translate-to French '" + wav + "'");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("[00:00:00.000 --> 00:00:", 0), 0u) << r.output;
}

TEST_F(TranscribeCli, RefusesModelsWithoutAudioTowerOrTokenizer) {
  const std::string wav = Speak("refuse.wav", 1);
  auto cfg = nlohmann::json::parse(
      test::ReadText(std::string(EDGEMMA_SOURCE_DIR) +
                     "/tests/audio/speech_model_config.json"));
  cfg["audio_config"] = nullptr;
  test::WriteText(Path("text_only.json"), cfg.dump());
  auto r = test::RunCli("synth --config '" + Path("text_only.json") +
                        "' --format hf --seed 1 '" + Path("text-only") + "'");
  ASSERT_EQ(r.code, 0) << r.output;
  r = test::RunCli("transcribe -m '" + Path("text-only") + "' '" + wav + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("no audio tower"), std::string::npos) << r.output;
  r = test::RunCli("transcribe -m '" + std::string(EDGEMMA_SHARED_DIR) +
                   "/testdata/tiny-e2b' '" + wav + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("tokenizer"), std::string::npos) << r.output;
  r = test::RunCli("transcribe '" + wav + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("-m MODEL"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgemma
