// Soak: one simulated hour of input from the fault-injecting source, as fast
// as possible, through the ring, the endpointer and the journal (the path of
// `edgemma listen` without the model), with an overrun every 30 s, a device
// loss (3 s away) every 10 min and a 20 s consumer stall. Checks: every loud
// input sample is in the journal (bit for bit, at its stream position) or in
// a reported gap record; delivered + gap frames == input frames; RSS stable;
// no thread or fd leak.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/audio/endpointer.h"
#include "media/capture_sources.h"
#include "media/journal.h"
#include "tests/support/test_dir.h"

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

namespace edgemma::media {
namespace {

int CountDir(const char* path) {
  int n = 0;
  if (DIR* d = opendir(path)) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

long RssKb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

struct Pipeline {
  Journal* journal;
  std::string error;
  static Status Sink(void* user, const Utterance& u) {
    auto* p = static_cast<Pipeline*>(user);
    JournalEntry e;
    return p->journal->Append(u.start, u.pcm, u.end - u.start,
                              {"", u.resume_position, u.resume_floor_db, 1},
                              &e);
  }
};

TEST(CaptureSoak, OneSimulatedHourLosesNothingUnreported) {
  constexpr int kRate = 16000;
  constexpr int64_t kTotal = int64_t{kRate} * 3600;
  FaultSourceOptions o;
  o.total_frames = kTotal;
  o.ring_bytes = 1 << 18;  // ~4 s of 16 kHz float: a 20 s stall overflows
  o.backoff = Backoff{100, 2000};
  for (int64_t t = 30; t < 3600; t += 30) {
    o.events.push_back({FaultEvent::kOverrun, t * kRate + 1234, 320});
    if (t % 600 == 0)
      o.events.push_back(
          {FaultEvent::kDeviceLoss, t * kRate + 9000, 3 * kRate});
    if (t == 1800)
      o.events.push_back({FaultEvent::kStall, t * kRate + 20000, 20 * kRate});
  }
  test::TempDir dir;
  const int fds0 = CountDir("/proc/self/fd");
  const int threads0 = CountDir("/proc/self/task");
  long rss_early = 0;
  std::vector<std::pair<int64_t, int64_t>> gaps;
  int64_t pos = 0, delivered = 0;
  {
    // No fsync: ~900 utterances x 3 fsyncs would make this minutes on slow
    // disks; durability is the kill -9 test's subject.
    auto journal = Journal::Open(dir.path() + "/soak", kRate, /*sync=*/false);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    FaultCaptureSource src(o);
    ASSERT_TRUE(src.Start().ok());
    Endpointer ep;
    ASSERT_TRUE(ep.Init(EndpointerOptions{}).ok());
    Pipeline p{&*journal, ""};
    std::vector<float> buf(kRate);
    for (;;) {
      auto c = src.Read(buf.data(), buf.size(), 100);
      ASSERT_TRUE(c.ok());
      if (c->kind == CaptureChunk::kEnd) break;
      if (c->kind == CaptureChunk::kGap) {
        gaps.push_back({pos, pos + c->frames});
        ASSERT_TRUE(
            journal->AppendGap(pos, c->frames, GapCauseName(c->cause)).ok());
        ASSERT_TRUE(ep.Gap(c->frames, Pipeline::Sink, &p).ok());
      } else if (c->kind == CaptureChunk::kPcm) {
        ASSERT_TRUE(ep.Feed(buf.data(), c->frames, Pipeline::Sink, &p).ok());
        delivered += c->frames;
      }
      pos += c->frames;
      if (rss_early == 0 && pos > 600LL * kRate) rss_early = RssKb();
    }
    ASSERT_TRUE(ep.Finish(Pipeline::Sink, &p).ok());
    EXPECT_EQ(pos, kTotal);
    EXPECT_EQ(ep.position(), kTotal);
    EXPECT_EQ(delivered + src.stats().gap_frames, kTotal);
    EXPECT_GE(src.stats().ring_dropped, 15 * kRate);  // the stall, reported
    EXPECT_EQ(src.stats().reopens, 5);                // at 10, 20, ... 50 min
  }
  const long rss_end = RssKb();
  // Under AddressSanitizer freed blocks sit in its quarantine (up to 256 MB),
  // so RSS says nothing about leaks there; LeakSanitizer checks those instead.
  if (!kAddressSanitizer) {
    EXPECT_LT(rss_end - rss_early, 8 * 1024) << "RSS grew (kB)";
  }
  EXPECT_EQ(CountDir("/proc/self/fd"), fds0);
  EXPECT_EQ(CountDir("/proc/self/task"), threads0);

  // Every loud sample outside a gap is journaled, bit for bit.
  auto journal = Journal::Open(dir.path() + "/soak", kRate);
  ASSERT_TRUE(journal.ok());
  const auto& entries = journal->entries();
  ASSERT_GT(entries.size(), 800u);  // ~900 bursts + splits at gaps
  std::vector<uint8_t> covered(kTotal, 0);
  for (auto [b, e] : gaps)
    for (int64_t i = b; i < e; ++i) covered[i] = 1;
  int64_t prev_end = 0;
  for (const JournalEntry& e : entries) {
    ASSERT_GE(e.start, prev_end) << "overlapping journal entries";
    prev_end = e.end;
    auto pcm = ReadJournalWav(e.path);
    ASSERT_TRUE(pcm.ok());
    ASSERT_EQ(int64_t(pcm->size()), e.end - e.start);
    for (int64_t i = e.start; i < e.end; ++i) {
      ASSERT_EQ(covered[i], 0) << "sample " << i << " journaled and in a gap";
      ASSERT_EQ((*pcm)[i - e.start], FaultCaptureSource::Sample(i, kRate))
          << "sample " << i;
      covered[i] = 2;
    }
  }
  int64_t lost = 0;
  for (int64_t i = 0; i < kTotal; ++i)
    if (FaultCaptureSource::Loud(i, kRate) && covered[i] == 0) ++lost;
  EXPECT_EQ(lost, 0) << "loud samples neither journaled nor in a gap";
}

}  // namespace
}  // namespace edgemma::media
