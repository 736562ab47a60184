// The fixture of the `edgemma listen` / `edgemma assistant` end-to-end tests
// (cli_listen_test.cc, cli_assistant_test.cc): the speech test model (random
// weights, real tokenizer: gibberish text, real plumbing) synthesized once,
// espeak-ng speech files, ALSA test devices in a test ~/.asoundrc, and
// helpers to run the commands and read what they wrote.
#ifndef EDGEMMA_TESTS_AUDIO_LISTEN_CLI_FIXTURE_H_
#define EDGEMMA_TESTS_AUDIO_LISTEN_CLI_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "media/alsa_capture.h"
#include "media/journal.h"
#include "media/sound_file.h"
#include "tests/support/test_dir.h"

namespace edgemma::listen_test {

// "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" -> ns since the epoch; *offset gets the
// "+HH:MM" part. -1 when the text is not in that form.
inline int64_t ParseWall(const std::string& s, std::string* offset) {
  int y, mo, d, h, mi, sec, ms, oh, om;
  char sign;
  if (s.size() != 29 ||
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%2d:%2d", &y, &mo,
                  &d, &h, &mi, &sec, &ms, &sign, &oh, &om) != 10 ||
      (sign != '+' && sign != '-'))
    return -1;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const int64_t off = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  *offset = s.substr(23);
  return (int64_t{timegm(&tm)} - off) * 1000000000 + int64_t{ms} * 1000000;
}

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every line's wall_start/wall_end: ISO 8601 with `offset`, as long apart as
// end - start, and wall_start - start the same for all lines (one timeline).
// Returns that origin (ns of stream position 0).
inline int64_t CheckWallTimes(const std::vector<nlohmann::json>& lines,
                              const std::string& offset,
                              double tolerance_s = 0.0015) {
  int64_t origin = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string off0, off1;
    const int64_t w0 = ParseWall(lines[i].value("wall_start", ""), &off0);
    const int64_t w1 = ParseWall(lines[i].value("wall_end", ""), &off1);
    EXPECT_GT(w0, 0) << lines[i].dump();
    EXPECT_EQ(off0, offset);
    EXPECT_EQ(off1, offset);
    const double start = lines[i]["start"], end = lines[i]["end"];
    EXPECT_NEAR((w1 - w0) / 1e9, end - start, 0.0015) << lines[i].dump();
    const int64_t o = w0 - static_cast<int64_t>(start * 1e9);
    if (i == 0) origin = o;
    EXPECT_NEAR((o - origin) / 1e9, 0.0, tolerance_s) << lines[i].dump();
  }
  return origin;
}

class ListenCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const auto r = test::RunCli(
        "synth --config '" + std::string(EDGEMMA_SOURCE_DIR) +
        "/tests/audio/speech_model_config.json' --format hf --tokenizer '" +
        EDGEMMA_SHARED_DIR +
        "/testdata/tokenizer/gemma4/tokenizer.json' --seed 3 '" +
        Path("model") + "'");
    synth_ok_ = r.code == 0;
    if (!synth_ok_) std::fprintf(stderr, "%s\n", r.output.c_str());
    // 16 kHz 16-bit mono: the ALSA raw file holds exactly the same samples.
    const std::string cmd =
        "espeak-ng -w '" + Path("s.wav") +
        "' 'Hello there, this is a test.' && sox '" + Path("s.wav") +
        "' -r 16000 -b 16 -c 1 '" + Path("p.wav") + "' pad 0.8 1.2 && sox '" +
        Path("p.wav") + "' '" + Path("p.wav") + "' '" + Path("p.wav") + "' '" +
        Path("p.wav") + "' '" + Path("in.wav") + "' && sox '" + Path("in.wav") +
        "' -t raw '" + Path("in.raw") + "' && sox '" + Path("s.wav") +
        "' -r 16000 -b 16 -c 1 '" + Path("t.wav") + "' pad 0.3 0.5 && sox '" +
        Path("t.wav") + "' '" + Path("t.wav") + "' '" + Path("talk.wav") +
        "' && sox '" + Path("talk.wav") + "' -t raw '" + Path("talk.raw") + "'";
    speech_ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(synth_ok_);
    if (!speech_ok_) GTEST_SKIP() << "espeak-ng or sox not available";
  }
  static std::string Path(const std::string& n) {
    return dir_->path() + "/" + n;
  }
  // In a fixed time zone (the wall_start/wall_end offset).
  static std::string Listen(const std::string& out, const std::string& more,
                            const std::string& tz = "UTC0") {
    return "env TZ=" + tz + " " + std::string(EDGEMMA_BIN_DIR) +
           "/edgemma listen -m '" + Path("model") +
           "' -n 2 --threads 2 --out '" + out + "' " + more;
  }
  static std::vector<nlohmann::json> Lines(const std::string& out) {
    std::vector<nlohmann::json> v;
    auto j = media::Journal::Open(out, 16000);
    EXPECT_TRUE(j.ok());
    const std::string cmd = "cat '" + out + "'/transcripts-*.jsonl 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    while (p && fgets(buf, sizeof(buf), p))
      v.push_back(nlohmann::json::parse(buf));
    if (p) pclose(p);
    return v;
  }
  // Journal samples concatenated, and the entries' ranges.
  static std::vector<float> Journaled(const std::string& out,
                                      std::vector<media::JournalEntry>* e) {
    auto j = media::Journal::Open(out, 16000);
    EXPECT_TRUE(j.ok());
    std::vector<float> all;
    *e = j->entries();
    for (const auto& x : *e) {
      auto pcm = media::ReadJournalWav(x.path);
      EXPECT_TRUE(pcm.ok());
      all.insert(all.end(), pcm->begin(), pcm->end());
    }
    return all;
  }
  // A HOME whose .asoundrc defines `edgemma_test`: an ALSA `file` plugin
  // PCM over the `null` PCM that replays in.raw (unpaced) as the captured
  // signal. Skips (returns "") where alsa-lib has no plugin configuration
  // (e.g. a cross build run under an emulator).
  static std::string AlsaHome() {
    auto probe = media::OpenAlsaCapture("null", 16000, {});
    if (!probe.ok()) return "";
    const std::string home = Path("home");
    EXPECT_EQ(
        std::system(("mkdir -p '" + home + "' '" + Path("ctl") + "'").c_str()),
        0);
    test::WriteText(
        home + "/.asoundrc",
        "pcm.edgemma_test {\n  type file\n  slave.pcm \"null\"\n"
        "  file \"/dev/null\"\n  infile \"" +
            Path("in.raw") +
            "\"\n  format \"raw\"\n}\n"
#ifdef EDGEMMA_FAKE_ALSA_PLUGIN
            // A paced microphone playing talk.raw (an ioplug
            // plugin built with the media tests).
            "pcm_type.edgemma_fake {\n lib \"" EDGEMMA_FAKE_ALSA_PLUGIN
            "\"\n}\npcm.edgemma_talk {\n type edgemma_fake\n "
            "infile \"" +
            Path("talk.raw") +
            "\"\n}\n"
            // Unplugged while DIR/ctl/gone exists.
            "pcm.edgemma_mic {\n type edgemma_fake\n ctl \"" +
            Path("ctl") + "\"\n}\n"
#endif
    );
    return home;
  }
  // Starts `cmd` with HOME=home, stdout/stderr to files.
  static pid_t Spawn(const std::string& cmd, const std::string& home,
                     const std::string& out, const std::string& err) {
    const pid_t pid = fork();
    if (pid == 0) {
      setenv("HOME", home.c_str(), 1);
      const std::string c = "exec " + cmd + " > '" + out + "' 2> '" + err + "'";
      execl("/bin/sh", "sh", "-c", c.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }
  static std::string Assistant(const std::string& more) {
    return std::string(EDGEMMA_BIN_DIR) + "/edgemma assistant -m '" +
           Path("model") + "' -n 4 --threads 2 --stats " + more;
  }
  // The --stats lines of an assistant's stderr.
  static std::vector<nlohmann::json> Stats(const std::string& err) {
    std::ifstream in(err);
    std::string line;
    std::vector<nlohmann::json> v;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("end_of_speech_to_first_token_ms"))
        v.push_back(j);
    }
    return v;
  }
  static std::vector<std::string> TextLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> v;
    std::string line;
    while (std::getline(in, line)) v.push_back(line);
    return v;
  }
  static inline test::TempDir* dir_ = nullptr;
  static inline bool synth_ok_ = false, speech_ok_ = false;
};

}  // namespace edgemma::listen_test

#endif  // EDGEMMA_TESTS_AUDIO_LISTEN_CLI_FIXTURE_H_
