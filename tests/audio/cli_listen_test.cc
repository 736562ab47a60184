// `edgemma listen` end to end on the speech test model (random weights, real
// tokenizer: gibberish text, real plumbing): from a WAV file; from an ALSA
// `file` plugin PCM (a test ~/.asoundrc, no sound hardware) ended by
// SIGTERM; kill -9 mid-run then restart: the journaled samples concatenated
// equal those of an uninterrupted run sample by sample, every utterance has
// exactly one transcript line; a journaled utterance without a transcript is
// transcribed first on restart.
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

namespace edgemma {
namespace {

// "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" -> ns since the epoch; *offset gets the
// "+HH:MM" part. -1 when the text is not in that form.
int64_t ParseWall(const std::string& s, std::string* offset) {
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

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every line's wall_start/wall_end: ISO 8601 with `offset`, as long apart as
// end - start, and wall_start - start the same for all lines (one timeline).
// Returns that origin (ns of stream position 0).
int64_t CheckWallTimes(const std::vector<nlohmann::json>& lines,
                       const std::string& offset, double tolerance_s = 0.0015) {
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
  static test::TempDir* dir_;
  static bool synth_ok_, speech_ok_;
};
test::TempDir* ListenCli::dir_ = nullptr;
bool ListenCli::synth_ok_ = false, ListenCli::speech_ok_ = false;

TEST_F(ListenCli, TranscribesAWavAndJournalsTheExactSamples) {
  const std::string out = Path("wav_out");
  const int64_t before = NowNs();
  ASSERT_EQ(
      std::system(
          Listen(out, "--input '" + Path("in.wav") + "'", "EDG-05:30").c_str()),
      0);
  const int64_t after = NowNs();
  const auto lines = Lines(out);
  // Wall clock of a file: the run's start + the stream position, in the
  // process's time zone (5:30 east of UTC here).
  const int64_t origin = CheckWallTimes(lines, "+05:30");
  EXPECT_GE(origin, before - 1000000);
  EXPECT_LE(origin, after);
  std::vector<media::JournalEntry> entries;
  Journaled(out, &entries);
  ASSERT_EQ(entries.size(), 4u);
  ASSERT_EQ(lines.size(), 4u);
  auto in = media::ReadSoundFile(Path("in.wav"), 16000);
  ASSERT_TRUE(in.ok());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(lines[i]["seq"], entries[i].seq);
    EXPECT_EQ(lines[i]["start"].get<double>(), entries[i].start / 16000.0);
    EXPECT_EQ(lines[i]["end"].get<double>(), entries[i].end / 16000.0);
    EXPECT_TRUE(lines[i]["text"].is_string());
    auto pcm = media::ReadJournalWav(entries[i].path);
    ASSERT_TRUE(pcm.ok());
    for (int64_t k = entries[i].start; k < entries[i].end; ++k)
      ASSERT_EQ((*pcm)[k - entries[i].start], in->samples[k]);
  }
  // Each utterance starts in its 0.8 s lead-in (pre-roll), one per copy.
  const double copy = in->samples.size() / 4.0 / 16000.0;
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_GT(lines[i]["start"].get<double>(), i * copy + 0.5);
    EXPECT_LT(lines[i]["end"].get<double>(), (i + 1) * copy);
  }
  // Same input again: resumes at the end, nothing twice.
  ASSERT_EQ(
      std::system(Listen(out, "--input '" + Path("in.wav") + "'").c_str()), 0);
  EXPECT_EQ(Lines(out).size(), 4u);
}

TEST_F(ListenCli, AJournaledUtteranceWithoutTranscriptIsTranscribedFirst) {
  const std::string out = Path("pending_out");
  ASSERT_EQ(
      std::system(Listen(out, "--input '" + Path("in.wav") + "'").c_str()), 0);
  // Drop the last transcript line (as if killed between journal and line).
  const std::string cmd = "cd '" + out +
                          "' && f=$(ls transcripts-*.jsonl) && head -n 3 $f > "
                          "t && mv t $f";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_EQ(Lines(out).size(), 3u);
  // Every WAV was journaled two days ago: rotation by age (1 hour) may delete
  // the three transcribed ones, never the fourth before its transcript.
  ASSERT_EQ(std::system(
                ("touch -d '2 days ago' '" + out + "'/journal/*.wav").c_str()),
            0);
  ASSERT_EQ(std::system(Listen(out, "--journal-max-age-hours 1 --input '" +
                                        Path("in.wav") + "'")
                            .c_str()),
            0);
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["seq"], 4);
  EXPECT_FALSE(lines[3]["text"].get<std::string>().empty());
  // Transcribed, then old: all rotated away; a new utterance gets seq 5.
  std::vector<media::JournalEntry> left;
  Journaled(out, &left);
  EXPECT_TRUE(left.empty());
  auto j = media::Journal::Open(out, 16000);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->next_seq(), 5);
}

TEST_F(ListenCli, KillNineMidRunThenRestartLosesAndRepeatsNothing) {
  const std::string clean = Path("clean_out"), killed = Path("killed_out");
  ASSERT_EQ(
      std::system(Listen(clean, "--input '" + Path("in.wav") + "'").c_str()),
      0);
  std::vector<media::JournalEntry> want_entries;
  const std::vector<float> want = Journaled(clean, &want_entries);
  // Paced: kill -9 about half way (the file lasts ~12 s).
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string c =
        "exec " + Listen(killed, "--realtime --input '" + Path("in.wav") +
                                     "' > /dev/null 2>&1");
    execl("/bin/sh", "sh", "-c", c.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  std::vector<media::JournalEntry> part;
  Journaled(killed, &part);
  EXPECT_LT(part.size(), want_entries.size()) << "killed too late";
  ASSERT_EQ(
      std::system(Listen(killed, "--input '" + Path("in.wav") + "'").c_str()),
      0);
  std::vector<media::JournalEntry> got_entries;
  const std::vector<float> got = Journaled(killed, &got_entries);
  ASSERT_EQ(got_entries.size(), want_entries.size());
  for (size_t i = 0; i < got_entries.size(); ++i) {
    EXPECT_EQ(got_entries[i].start, want_entries[i].start);
    EXPECT_EQ(got_entries[i].end, want_entries[i].end);
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
  std::map<int64_t, int> seen;
  for (const auto& l : Lines(killed)) ++seen[l["seq"].get<int64_t>()];
  ASSERT_EQ(seen.size(), want_entries.size());
  for (auto [seq, n] : seen) EXPECT_EQ(n, 1) << "seq " << seq;
  // The resumed run kept the first run's timeline.
  CheckWallTimes(Lines(killed), "+00:00");
}

TEST_F(ListenCli, AlsaFilePluginDeviceEndsCleanlyOnSigterm) {
  const std::string home = AlsaHome();
  if (home.empty()) GTEST_SKIP() << "alsa-lib has no plugin configuration";
  const std::string out = Path("alsa_out");
  const int64_t before = NowNs();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("HOME", home.c_str(), 1);
    const std::string c = "exec " + Listen(out, "--device edgemma_test") +
                          " > '" + Path("alsa.log") + "' 2>&1";
    execl("/bin/sh", "sh", "-c", c.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // The null slave is unpaced: the input's 4 utterances come at once.
  std::vector<media::JournalEntry> got;
  for (int i = 0; i < 300 && got.size() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Journaled(out, &got);
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_GE(got.size(), 4u);
  auto in = media::ReadSoundFile(Path("in.wav"), 16000);
  ASSERT_TRUE(in.ok());
  for (size_t i = 0; i < 4; ++i) {
    auto pcm = media::ReadJournalWav(got[i].path);
    ASSERT_TRUE(pcm.ok());
    ASSERT_LE(got[i].end, int64_t(in->samples.size()));
    for (int64_t k = got[i].start; k < got[i].end; ++k)
      ASSERT_EQ((*pcm)[k - got[i].start], in->samples[k]) << i << " " << k;
  }
  const auto lines = Lines(out);
  EXPECT_GE(lines.size(), 4u);
  // Wall clock from the capture clock: the unpaced plugin delivers the
  // whole file at once, so the clock dates it back from the moment it was
  // read (up to the file's length before the run); only that window and the
  // durations can be checked.
  const int64_t after = NowNs();
  for (const auto& l : lines) {
    std::string off0, off1;
    const int64_t w0 = ParseWall(l.value("wall_start", ""), &off0);
    const int64_t w1 = ParseWall(l.value("wall_end", ""), &off1);
    EXPECT_EQ(off0, "+00:00");
    EXPECT_GE(w0, before - int64_t{20} * 1000000000) << l.dump();
    EXPECT_LE(w1, after) << l.dump();
    EXPECT_NEAR((w1 - w0) / 1e9,
                l["end"].get<double>() - l["start"].get<double>(), 0.0015);
  }
}

TEST_F(ListenCli, AssistantAnswersEachUtteranceWithStats) {
  const std::string cmd =
      std::string(EDGEMMA_BIN_DIR) + "/edgemma assistant -m '" + Path("model") +
      "' -n 4 --threads 2 --stats --say 'cat >> " + Path("said.txt") +
      "' --input '" + Path("in.wav") + "' > '" + Path("as.out") + "' 2> '" +
      Path("as.err") + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream out(Path("as.out")), err(Path("as.err"));
  std::string line;
  int answers = 0;
  while (std::getline(out, line)) ++answers;
  EXPECT_EQ(answers, 4);  // one answer line per utterance
  std::vector<nlohmann::json> stats;
  while (std::getline(err, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("end_of_speech_to_first_token_ms"))
      stats.push_back(j);
  }
  ASSERT_EQ(stats.size(), 4u);
  std::ifstream said(Path("said.txt"));
  std::string spoken((std::istreambuf_iterator<char>(said)),
                     std::istreambuf_iterator<char>());
  EXPECT_FALSE(spoken.empty()) << "--say received nothing";
  for (size_t i = 0; i < stats.size(); ++i) {
    EXPECT_EQ(stats[i]["turn"], i + 1);
    EXPECT_GE(stats[i]["end_of_speech_to_first_token_ms"].get<double>(), 0.0);
    // ~1.2-1.9 s of speech at 25 tokens/s, streamed before the end.
    EXPECT_GT(stats[i]["audio_tokens"].get<int>(), 25);
    // Later turns extend the conversation, earlier turns (with their audio)
    // stay in the KV cache.
    if (i > 0) {
      EXPECT_GT(stats[i]["prompt_tokens"].get<int>(),
                stats[i - 1]["prompt_tokens"].get<int>());
      EXPECT_GT(stats[i]["reused_tokens"].get<int>(),
                stats[i - 1]["audio_tokens"].get<int>());
    }
  }
}

#ifdef EDGEMMA_FAKE_ALSA_PLUGIN
// A device paced like a microphone (the fake ALSA plugin playing talk.wav in
// real time): the lines' wall-clock times come from the capture clock, so
// wall_start - start is the moment capture began, the same for every line,
// and the journal holds the exact samples.
TEST_F(ListenCli, PacedDeviceLinesCarryTheCaptureClock) {
  const std::string home = AlsaHome();
  if (home.empty()) GTEST_SKIP() << "alsa-lib has no plugin configuration";
  const std::string out = Path("talk_out");
  const int64_t before = NowNs();
  const pid_t pid =
      Spawn(Listen(out, "--device edgemma_talk --end-silence-ms 300"), home,
            Path("talk.log"), Path("talk.err"));
  ASSERT_GT(pid, 0);
  std::vector<media::JournalEntry> got;
  for (int i = 0; i < 600 && Lines(out).size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t after = NowNs();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u);
  const int64_t origin = CheckWallTimes(lines, "+00:00", 0.05);
  EXPECT_GE(origin, before);
  EXPECT_LE(origin, after);
  Journaled(out, &got);
  ASSERT_EQ(got.size(), 2u);
  auto in = media::ReadSoundFile(Path("talk.wav"), 16000);
  ASSERT_TRUE(in.ok());
  for (const auto& e : got) {
    auto pcm = media::ReadJournalWav(e.path);
    ASSERT_TRUE(pcm.ok());
    ASSERT_LE(e.end, int64_t(in->samples.size()));
    for (int64_t k = e.start; k < e.end; ++k)
      ASSERT_EQ((*pcm)[k - e.start], in->samples[k]) << k;
  }
}
#endif

#ifdef EDGEMMA_FAKE_ALSA_PLUGIN
// The microphone is unplugged for a while: listen goes on (reopening it),
// logs the device's format and the gap, records the gap in gaps.jsonl with
// its size, and exits 0 on SIGTERM.
TEST_F(ListenCli, UnpluggedDeviceIsAGapAndListenGoesOn) {
  const std::string home = AlsaHome();
  if (home.empty()) GTEST_SKIP() << "alsa-lib has no plugin configuration";
  const std::string out = Path("mic_out"), gone = Path("ctl") + "/gone";
  const pid_t pid = Spawn(Listen(out, "--device edgemma_mic"), home,
                          Path("mic.log"), Path("mic.err"));
  ASSERT_GT(pid, 0);
  // Unplug once capture runs (the model loads first; a device missing at
  // start is an error, not a gap).
  auto log_text = [&] {
    std::ifstream in(Path("mic.err"));
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  };
  for (int i = 0; i < 600 && log_text().find("capturing") == std::string::npos;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  test::WriteText(gone, "");
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  std::remove(gone.c_str());
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  int status = 0;
  const bool ended = waitpid(pid, &status, WNOHANG) == pid;
  if (!ended) {
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
  }
  const std::string log = log_text();
  EXPECT_FALSE(ended) << "listen ended: " << log;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << log;
  std::ifstream gaps(out + "/gaps.jsonl");
  std::string line, all;
  std::vector<nlohmann::json> lost;
  while (std::getline(gaps, line)) {
    all += line + "\n";
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j["cause"] == "device_lost") lost.push_back(j);
  }
  ASSERT_EQ(lost.size(), 1u) << all;
  // Away 0.7 s, plus up to one backoff step (100 ms doubling) to notice the
  // return.
  EXPECT_NEAR(lost[0]["frames"].get<double>() / 16000, 0.85, 0.35) << all;
  EXPECT_NE(log.find("capturing ALSA 'edgemma_mic': S16_LE, 16000 Hz, 1 "
                     "channel"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("(device_lost)"), std::string::npos) << log;
}
#endif

// The assistant on the ALSA capture path (capture thread, ring, conversion),
// from the same samples as in.wav: the same turns and, without barge-in, the
// same answers as from the file.
TEST_F(ListenCli, AssistantFromAlsaFilePluginAnswersEachUtterance) {
  const std::string home = AlsaHome();
  if (home.empty()) GTEST_SKIP() << "alsa-lib has no plugin configuration";
  ASSERT_EQ(
      std::system((Assistant("--input '" + Path("in.wav") + "'") + " > '" +
                   Path("ref.out") + "' 2> '" + Path("ref.err") + "'")
                      .c_str()),
      0);
  const auto ref = Stats(Path("ref.err"));
  const auto ref_answers = TextLines(Path("ref.out"));
  ASSERT_EQ(ref.size(), 4u);
  ASSERT_EQ(ref_answers.size(), 4u);
  // The unpaced device never ends: SIGTERM once the fourth turn is done.
  auto run = [&](const std::string& more, const std::string& name) {
    const std::string err = Path(name + ".err");
    const pid_t pid = Spawn(Assistant("--device edgemma_test " + more), home,
                            Path(name + ".out"), err);
    EXPECT_GT(pid, 0);
    for (int i = 0; i < 600 && Stats(err).size() < 4; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << name << ": status " << status;
    return Stats(err);
  };
  const auto got = run("--no-barge-in", "alsa_as");
  ASSERT_EQ(got.size(), 4u);  // one turn per utterance, no more
  EXPECT_EQ(TextLines(Path("alsa_as.out")), ref_answers);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["turn"], i + 1);
    EXPECT_FALSE(got[i]["barged_in"].get<bool>());
    EXPECT_GE(got[i]["end_of_speech_to_first_token_ms"].get<double>(), 0.0);
    for (const char* k :
         {"audio_tokens", "prompt_tokens", "reused_tokens", "generated_tokens"})
      EXPECT_EQ(got[i][k], ref[i][k]) << k << " in turn " << i + 1;
  }
  // With barge-in (the default on a device): this plugin delivers the next
  // utterance while the answer runs, so answers may be cut, but every
  // utterance is still one whole turn (the speech read while answering goes
  // back to the capture loop).
  const auto barged = run("", "alsa_barge");
  ASSERT_EQ(barged.size(), 4u);
  for (size_t i = 0; i < barged.size(); ++i)
    EXPECT_EQ(barged[i]["audio_tokens"], ref[i]["audio_tokens"]) << i + 1;
  EXPECT_FALSE(barged[3]["barged_in"].get<bool>());  // nothing follows it
}

TEST_F(ListenCli, AssistantBargeInStopsTheAnswerAndKeepsTheSpeech) {
  const std::string two = Path("two.wav");
  ASSERT_EQ(std::system(("sox '" + Path("p.wav") + "' '" + Path("p.wav") +
                         "' '" + two + "'")
                            .c_str()),
            0);
  // Paced: the second utterance starts ~1.4 s into a long answer (1500
  // tokens at most).
  const char* home = getenv("HOME");
  const pid_t pid =
      Spawn(Assistant("-n 1500 --ctx 4096 --realtime --input '" + two + "'"),
            home ? home : "/", Path("barge.out"), Path("barge.err"));
  ASSERT_GT(pid, 0);
  // The second answer is not needed whole: once it is being printed (its
  // turn has all of its audio) SIGTERM stops it, which saves its up to 1500
  // tokens of test time.
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 1200 && !exited; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    exited = waitpid(pid, &status, WNOHANG) == pid;
    std::ifstream o(Path("barge.out"));
    const std::string text((std::istreambuf_iterator<char>(o)),
                           std::istreambuf_iterator<char>());
    const size_t nl = text.find('\n');
    if (nl != std::string::npos && text.size() > nl + 1) break;
  }
  if (!exited) {
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const auto stats = Stats(Path("barge.err"));
  ASSERT_EQ(stats.size(), 2u);
  if (stats[0]["generated_tokens"].get<int>() < 60)
    GTEST_SKIP() << "the answer ended before the next utterance";
  // Barge-in is judged against the live stream: when taking in the first
  // utterance fell behind real time (a loaded machine: ~1.2-1.9 s of speech
  // plus the end-of-speech silence normally take under 3 s), the interruption
  // was already over before the answer began, and there is nothing to test.
  if (stats[0]["speech_ms"].get<double>() > 4000.0)
    GTEST_SKIP() << "audio intake fell behind real time (speech_ms "
                 << stats[0]["speech_ms"] << ")";
  // The answer (up to 1500 tokens, ~3 s on an idle x86 core) must still be
  // running when the second utterance starts, ~1.4 s in.
  if (!stats[0]["barged_in"].get<bool>() &&
      stats[0]["decode_ms"].get<double>() < 2500.0)
    GTEST_SKIP() << "the answer was over before the interruption (decode_ms "
                 << stats[0]["decode_ms"] << ")";
  EXPECT_TRUE(stats[0]["barged_in"].get<bool>())
      << "speech_ms " << stats[0]["speech_ms"] << ", decode_ms "
      << stats[0]["decode_ms"];
  // The interrupting speech reached the next turn whole.
  EXPECT_EQ(stats[1]["audio_tokens"], stats[0]["audio_tokens"]);
}

}  // namespace
}  // namespace edgemma
