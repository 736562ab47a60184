// `edgemma listen` end to end (fixture: listen_cli_fixture.h): from a WAV
// file; from an ALSA `file` plugin PCM ended by SIGTERM; kill -9 mid-run then
// restart: the journaled samples concatenated equal those of an
// uninterrupted run sample by sample, every utterance has exactly one
// transcript line; a journaled utterance without a transcript is transcribed
// first on restart (and rotation by age never deletes it first); wall-clock
// timestamps; a paced and an unplugged fake microphone.
#include <gtest/gtest.h>

#include "tests/audio/listen_cli_fixture.h"

namespace edgemma::listen_test {
namespace {

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

}  // namespace
}  // namespace edgemma::listen_test
