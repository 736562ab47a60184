// The journal's rotation (by age and by size: transcribed WAVs only, never
// one still waiting for its transcript; sequence numbers go on after every
// WAV was deleted) and its wall clock (kept in the WAV beside the samples,
// written to the transcript line as ISO 8601 local time with the offset).
#include "media/journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/time.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "media/sound_file.h"
#include "tests/support/test_dir.h"

namespace edgemma::media {
namespace {

void SetMtime(const std::string& path, int64_t t) {
  timeval tv[2] = {{static_cast<time_t>(t), 0}, {static_cast<time_t>(t), 0}};
  ASSERT_EQ(utimes(path.c_str(), tv), 0) << path;
}

int Pruned(Journal& j, JournalLimits limits, int64_t now) {
  auto r = j.Prune(limits, now);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : -1;
}

std::vector<int64_t> Seqs(const Journal& j) {
  std::vector<int64_t> v;
  for (const JournalEntry& e : j.entries()) v.push_back(e.seq);
  return v;
}

TEST(Journal, RotationByAgeAndSizeKeepsUntranscribedAudio) {
  test::TempDir dir;
  const std::string out = dir.path() + "/listen";
  const std::vector<float> pcm(800, 0.1f);
  const int64_t now = std::time(nullptr);
  {
    auto j = Journal::Open(out, 16000, false);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    for (int i = 0; i < 4; ++i) {
      JournalEntry e;
      ASSERT_TRUE(j->Append(i * 1000, pcm.data(), pcm.size(),
                            {"in", (i + 1) * 1000, -60.f, 1}, &e)
                      .ok());
      if (i != 2) {
        ASSERT_TRUE(j->AppendTranscript(e, "x", "").ok());
      }
      // Entries 1-3 were journaled three days ago, 4 just now.
      if (i < 3) SetMtime(e.path, now - 3 * 86400);
    }
  }
  auto j = Journal::Open(out, 16000, false);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(j->entries().size(), 4u);
  EXPECT_EQ(j->entries()[0].written_s, now - 3 * 86400);
  // Older than a day: 1 and 2 go; 3 is as old but has no transcript yet.
  EXPECT_EQ(Pruned(*j, {0, 86400}, now), 2);
  EXPECT_EQ(Seqs(*j), (std::vector<int64_t>{3, 4}));
  ASSERT_EQ(j->Pending().size(), 1u);
  EXPECT_TRUE(ReadJournalWav(j->Pending()[0].path).ok());
  // A limit of a week removes nothing; a size limit of one entry removes
  // the oldest transcribed (4), not the untranscribed 3.
  EXPECT_EQ(Pruned(*j, {0, 7 * 86400}, now), 0);
  EXPECT_EQ(Pruned(*j, {1, 0}, now), 1);
  EXPECT_EQ(Seqs(*j), (std::vector<int64_t>{3}));
  // Once transcribed, 3 ages out too.
  ASSERT_TRUE(j->AppendTranscript(j->Pending()[0], "y", "").ok());
  EXPECT_EQ(Pruned(*j, {0, 86400}, now), 1);
  EXPECT_TRUE(j->entries().empty());
  // Every WAV is gone; a restart must not reuse a sequence number (a reused
  // one would look transcribed already and never be transcribed).
  auto k = Journal::Open(out, 16000, false);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->next_seq(), 5);
  JournalEntry e;
  ASSERT_TRUE(
      k->Append(9000, pcm.data(), pcm.size(), {"in", 10000, -60.f, 5}, &e)
          .ok());
  EXPECT_EQ(e.seq, 5);
  ASSERT_EQ(k->Pending().size(), 1u);
  EXPECT_EQ(k->Pending()[0].seq, 5);
}

class WithTimeZone {
 public:
  explicit WithTimeZone(const char* tz) {
    const char* old = getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~WithTimeZone() {
    if (had_)
      setenv("TZ", old_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

TEST(Journal, WallTimesAreIso8601WithTheOffset) {
  {
    WithTimeZone tz("EDG-05:30");  // POSIX: 5:30 east of UTC
    EXPECT_EQ(FormatWallTime(0), "1970-01-01T05:30:00.000+05:30");
    EXPECT_EQ(FormatWallTime(int64_t{1796601600} * 1000000000 + 123456789),
              "2026-12-07T05:30:00.123+05:30");
  }
  WithTimeZone tz("EDG+03");
  EXPECT_EQ(FormatWallTime(int64_t{1796601600} * 1000000000 + 999000000),
            "2026-12-06T21:00:00.999-03:00");
}

TEST(Journal, WallClockIsKeptWithTheAudio) {
  WithTimeZone tz("UTC0");
  test::TempDir dir;
  const std::string out = dir.path() + "/listen";
  std::vector<float> pcm(1600);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = (i % 50) / 100.f;
  const int64_t t0 = int64_t{1796601600} * 1000000000 + 250000000;
  const int64_t t1 = t0 + 100000000;  // 1600 samples = 0.1 s later
  {
    auto j = Journal::Open(out, 16000, false);
    ASSERT_TRUE(j.ok());
    JournalEntry e;
    ASSERT_TRUE(j->Append(4000, pcm.data(), pcm.size(), {"in", 6000, -60.f, 1},
                          &e, t0, t1)
                    .ok());
    EXPECT_EQ(e.wall_start_ns, t0);
  }
  auto j = Journal::Open(out, 16000, false);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(j->Pending().size(), 1u);
  auto a = ReadJournalEntry(j->Pending()[0].path);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->wall_start_ns, t0);
  EXPECT_EQ(a->wall_end_ns, t1);
  EXPECT_EQ(a->pcm, pcm);
  // Other WAV readers skip the wall-clock chunk.
  auto sf = ReadSoundFile(j->Pending()[0].path, 16000);
  ASSERT_TRUE(sf.ok()) << sf.status().ToString();
  EXPECT_EQ(sf->samples, pcm);
  JournalEntry e = j->Pending()[0];
  e.wall_start_ns = a->wall_start_ns;
  e.wall_end_ns = a->wall_end_ns;
  ASSERT_TRUE(j->AppendTranscript(e, "hi", "").ok());
  FILE* p = popen(("cat '" + out + "'/transcripts-*.jsonl").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[1024] = {0};
  const bool got = fgets(buf, sizeof(buf), p) != nullptr;
  pclose(p);
  ASSERT_TRUE(got);
  const std::string line = buf;
  const auto js = nlohmann::json::parse(line);
  EXPECT_EQ(js["wall_start"], "2026-12-07T00:00:00.250+00:00");
  EXPECT_EQ(js["wall_end"], "2026-12-07T00:00:00.350+00:00");
  EXPECT_EQ(js["start"], 0.25);
}

}  // namespace
}  // namespace edgemma::media
