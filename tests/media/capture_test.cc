// Capture plumbing without a device: the SPSC ring (wrap, overrun
// accounting, gap placement, a real producer thread), the fault source
// (backoff, every frame accounted), the WAV source, the endpointer (VAD on
// espeak-ng speech mixed with noise, the 30 s cut, resume determinism) and
// the journal (durable entries, pending transcripts, duplicates skipped).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <vector>

#include "core/audio/endpointer.h"
#include "media/capture_ring.h"
#include "media/capture_sources.h"
#include "media/journal.h"
#include "media/sound_file.h"
#include "tests/support/test_dir.h"

namespace edgemma::media {
namespace {

TEST(CaptureRing, WrapsAndKeepsOrder) {
  CaptureRing ring(256);  // a few records: forces wrap-around many times
  std::vector<int16_t> in(10), out(64);
  int64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < 10; ++i) in[i] = static_cast<int16_t>(next_in + i);
      ring.PushPcm(in.data(), 10, 20);
      next_in += 10;
    }
    for (;;) {
      size_t bytes = 0;
      CaptureChunk c = ring.Pop(out.data(), out.size() * 2, &bytes);
      if (c.kind == CaptureChunk::kNone) break;
      if (c.kind == CaptureChunk::kGap) {
        next_out += c.frames;
        continue;
      }
      ASSERT_EQ(c.kind, CaptureChunk::kPcm);
      ASSERT_EQ(bytes, 20u);
      for (int i = 0; i < 10; ++i)
        ASSERT_EQ(out[i], static_cast<int16_t>(next_out + i)) << round;
      next_out += 10;
    }
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_EQ(ring.pushed_frames(), next_in);
}

TEST(CaptureRing, OverrunIsCountedAndPlacedInTheStream) {
  CaptureRing ring(1024);
  std::vector<float> piece(32, 1.f), out(32);
  int pushed = 0;
  for (int i = 0; i < 100; ++i) {  // consumer stalled: most are dropped
    piece[0] = static_cast<float>(i);
    ring.PushPcm(piece.data(), 32, 32 * sizeof(float));
    ++pushed;
  }
  const int64_t dropped = ring.dropped_frames();
  EXPECT_GT(dropped, 0);
  ring.PushGap(7, GapCause::kOverrun);  // behind the pending drop
  // Consumer resumes: kept pieces, then the drop as one ring-full gap, then
  // the overrun, then new pieces.
  int64_t frames = 0, gap_frames = 0, first_after = -1;
  std::vector<GapCause> causes;
  for (int round = 0; round < 2; ++round) {
    for (;;) {
      size_t bytes = 0;
      CaptureChunk c = ring.Pop(out.data(), out.size() * 4, &bytes);
      if (c.kind == CaptureChunk::kNone) break;
      if (c.kind == CaptureChunk::kGap) {
        gap_frames += c.frames;
        causes.push_back(c.cause);
      } else {
        if (!causes.empty() && first_after < 0) first_after = out[0];
        frames += c.frames;
      }
    }
    piece[0] = 1000.f;
    ring.PushPcm(piece.data(), 32, 32 * sizeof(float));
    ++pushed;
  }
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0], GapCause::kRingFull);
  EXPECT_EQ(causes[1], GapCause::kOverrun);
  EXPECT_EQ(gap_frames, dropped + 7);
  EXPECT_EQ(frames + gap_frames, pushed * 32 - 32 + 7);  // last one unread
  EXPECT_EQ(first_after, 1000);
}

TEST(CaptureRing, ThreadedProducerLosesNothingUnreported) {
  CaptureRing ring(4096);
  constexpr int kPieces = 20000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    std::vector<int32_t> p(16);
    for (int i = 0; i < kPieces; ++i) {
      for (int k = 0; k < 16; ++k) p[k] = i * 16 + k;
      ring.PushPcm(p.data(), 16, 64);
    }
    while (!ring.FlushPending()) std::this_thread::yield();
    done = true;
  });
  std::vector<int32_t> out(16);
  int64_t pos = 0;
  for (;;) {
    size_t bytes = 0;
    CaptureChunk c = ring.Pop(out.data(), 64, &bytes);
    if (c.kind == CaptureChunk::kNone) {
      if (!done.load()) continue;
      // Done was set after the last push: one more look sees everything.
      c = ring.Pop(out.data(), 64, &bytes);
      if (c.kind == CaptureChunk::kNone) break;
    }
    if (c.kind == CaptureChunk::kPcm) {
      ASSERT_EQ(out[0], pos);
    }
    pos += c.frames;
  }
  producer.join();
  EXPECT_EQ(pos, int64_t{kPieces} * 16);
}

TEST(Backoff, DoublesUpToTheCap) {
  Backoff b{100, 1000};
  EXPECT_EQ(b.NextDelayMs(), 100);
  EXPECT_EQ(b.NextDelayMs(), 200);
  EXPECT_EQ(b.NextDelayMs(), 400);
  EXPECT_EQ(b.NextDelayMs(), 800);
  EXPECT_EQ(b.NextDelayMs(), 1000);
  EXPECT_EQ(b.NextDelayMs(), 1000);
  b.Reset();
  EXPECT_EQ(b.NextDelayMs(), 100);
}

TEST(FaultSource, EveryFrameIsDeliveredOrReported) {
  FaultSourceOptions o;
  o.total_frames = 16000 * 60;
  o.ring_bytes = 64 << 10;  // ~1 s
  o.backoff = Backoff{100, 1000};
  o.events = {{FaultEvent::kOverrun, 16000, 800},
              {FaultEvent::kSuspend, 5 * 16000, 1600},
              {FaultEvent::kDeviceLoss, 10 * 16000, 3 * 16000},
              {FaultEvent::kStall, 30 * 16000, 5 * 16000}};
  FaultCaptureSource src(o);
  ASSERT_TRUE(src.Start().ok());
  std::vector<float> buf(4096);
  int64_t pos = 0;
  int64_t by_cause[5] = {0};
  for (;;) {
    auto c = src.Read(buf.data(), buf.size(), 0);
    ASSERT_TRUE(c.ok());
    if (c->kind == CaptureChunk::kEnd) break;
    if (c->kind == CaptureChunk::kGap) {
      by_cause[static_cast<int>(c->cause)] += c->frames;
    } else {
      for (int64_t k = 0; k < c->frames; k += 97)
        ASSERT_EQ(buf[k], FaultCaptureSource::Sample(pos + k, 16000));
    }
    pos += c->frames;
  }
  EXPECT_EQ(pos, o.total_frames);
  EXPECT_EQ(by_cause[1], 800);
  EXPECT_EQ(by_cause[2], 1600);
  EXPECT_EQ(by_cause[3], 3 * 16000);
  EXPECT_GT(by_cause[4], 3 * 16000);  // a 5 s stall into a ~1 s ring
  EXPECT_EQ(src.stats().ring_dropped, by_cause[4]);
  EXPECT_EQ(src.stats().reopens, 1);
  // 100+200+400+800+1000+1000 >= 3000 ms: six attempts.
  EXPECT_EQ(src.reopen_attempts(), 6);
}

// espeak-ng speech with silences, mixed with white noise at ~20 dB SNR.
std::vector<float> NoisySpeech(const std::string& dir, int* n_words) {
  const std::string wav = dir + "/speech.wav";
  const std::string cmd =
      "espeak-ng -w '" + wav +
      "' 'Hello there. [[_::_::_::_::_::_::]] This is the second part.' "
      ">/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  auto d = ReadSoundFile(wav, 16000);
  if (!d.ok()) return {};
  std::vector<float> pcm(16000, 0.f);  // 1 s lead-in
  pcm.insert(pcm.end(), d->samples.begin(), d->samples.end());
  pcm.insert(pcm.end(), 2 * 16000, 0.f);  // 2 s pause
  pcm.insert(pcm.end(), d->samples.begin(), d->samples.end());
  pcm.insert(pcm.end(), 16000, 0.f);
  uint32_t s = 12345;
  for (float& x : pcm) {
    s = s * 1664525u + 1013904223u;
    x += 0.004f * ((s >> 8) / 8388608.f - 1.f);
  }
  *n_words = 2;
  return pcm;
}

struct Collect {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<float> samples;
  static Status Sink(void* user, const Utterance& u) {
    auto* c = static_cast<Collect*>(user);
    c->ranges.push_back({u.start, u.end});
    c->samples.insert(c->samples.end(), u.pcm, u.pcm + (u.end - u.start));
    return Status::Ok();
  }
};

TEST(Endpointer, FindsTheSpokenPartsInNoise) {
  test::TempDir dir;
  int parts = 0;
  const std::vector<float> pcm = NoisySpeech(dir.path(), &parts);
  if (pcm.empty()) GTEST_SKIP() << "espeak-ng not available";
  Endpointer ep;
  ASSERT_TRUE(ep.Init(EndpointerOptions{}).ok());
  Collect c;
  for (size_t at = 0; at < pcm.size(); at += 333) {  // odd piece size
    const int64_t n = std::min<int64_t>(333, pcm.size() - at);
    ASSERT_TRUE(ep.Feed(pcm.data() + at, n, Collect::Sink, &c).ok());
  }
  ASSERT_TRUE(ep.Finish(Collect::Sink, &c).ok());
  // Each espeak clip has two phrases separated by a ~1 s pause: 4 utterances
  // (the 700 ms end-of-speech silence splits them), none in the lead-in.
  ASSERT_EQ(c.ranges.size(), 4u);
  EXPECT_GT(c.ranges[0].first, 16000 - 16000 / 4);  // pre-roll <= 200 ms
  for (size_t i = 0; i < c.ranges.size(); ++i) {
    EXPECT_LT(c.ranges[i].first, c.ranges[i].second);
    if (i > 0) {
      EXPECT_GE(c.ranges[i].first, c.ranges[i - 1].second);
    }
  }
  // Samples are the input's, exactly.
  size_t k = 0;
  for (auto [b, e] : c.ranges)
    for (int64_t i = b; i < e; ++i, ++k) ASSERT_EQ(c.samples[k], pcm[i]);
}

TEST(Endpointer, NoiseAloneIsNotSpeech) {
  std::vector<float> pcm(16000 * 10);
  uint32_t s = 7;
  for (size_t i = 0; i < pcm.size(); ++i) {
    s = s * 1664525u + 1013904223u;
    // Noise that gets 20 dB louder after 5 s: the floor follows it.
    pcm[i] =
        (i < pcm.size() / 2 ? 0.003f : 0.03f) * ((s >> 8) / 8388608.f - 1.f);
  }
  Endpointer ep;
  ASSERT_TRUE(ep.Init(EndpointerOptions{}).ok());
  Collect c;
  ASSERT_TRUE(ep.Feed(pcm.data(), pcm.size(), Collect::Sink, &c).ok());
  ASSERT_TRUE(ep.Finish(Collect::Sink, &c).ok());
  EXPECT_TRUE(c.ranges.empty());
}

TEST(Endpointer, LongSpeechIsCutAtMostMaxAndTiles) {
  std::vector<float> pcm(16000 * 70);
  for (size_t i = 0; i < pcm.size(); ++i) {
    const double t = i / 16000.0;
    // Syllables: 180 Hz tone gated at 4 Hz, never quiet for 700 ms.
    pcm[i] = float(0.3 * std::sin(2 * M_PI * 180 * t) *
                   (std::fmod(t, 0.25) < 0.18 ? 1.0 : 0.05));
  }
  Endpointer ep;
  ASSERT_TRUE(ep.Init(EndpointerOptions{}).ok());
  Collect c;
  ASSERT_TRUE(ep.Feed(pcm.data(), pcm.size(), Collect::Sink, &c).ok());
  ASSERT_TRUE(ep.Finish(Collect::Sink, &c).ok());
  ASSERT_GE(c.ranges.size(), 3u);
  for (size_t i = 0; i < c.ranges.size(); ++i) {
    EXPECT_LE(c.ranges[i].second - c.ranges[i].first, 30 * 16000);
    if (i > 0) {
      EXPECT_EQ(c.ranges[i].first, c.ranges[i - 1].second);
    }
  }
  EXPECT_EQ(c.ranges.back().second, int64_t(pcm.size()));
}

TEST(Endpointer, ResumeFromARecordedPointGivesTheSameUtterances) {
  const int64_t n = 16000 * 40;
  std::vector<float> pcm(n);
  for (int64_t i = 0; i < n; ++i) pcm[i] = FaultCaptureSource::Sample(i, 16000);
  Endpointer a;
  ASSERT_TRUE(a.Init(EndpointerOptions{}).ok());
  Collect whole;
  ASSERT_TRUE(a.Feed(pcm.data(), n, Collect::Sink, &whole).ok());
  ASSERT_TRUE(a.Finish(Collect::Sink, &whole).ok());
  ASSERT_GE(whole.ranges.size(), 9u);
  // Stop after the 4th utterance, resume from its recorded state.
  struct StopAt {
    Collect c;
    int64_t pos = 0;
    float floor = 0;
    Endpointer* ep;
    static Status Sink(void* user, const Utterance& u) {
      auto* s = static_cast<StopAt*>(user);
      EM_RETURN_IF_ERROR(Collect::Sink(&s->c, u));
      s->pos = u.resume_position;
      s->floor = u.resume_floor_db;
      if (s->c.ranges.size() == 4) return Cancelled("stop");
      return Status::Ok();
    }
  };
  Endpointer b;
  ASSERT_TRUE(b.Init(EndpointerOptions{}).ok());
  StopAt stop;
  stop.ep = &b;
  for (int64_t at = 0; at < n; at += 320) {
    if (!b.Feed(pcm.data() + at, std::min<int64_t>(320, n - at), StopAt::Sink,
                &stop)
             .ok())
      break;
  }
  ASSERT_EQ(stop.c.ranges.size(), 4u);
  // The state after the emitting frame is the resume point.
  Endpointer r;
  ASSERT_TRUE(r.Init(EndpointerOptions{}).ok());
  r.Restore(stop.pos, stop.floor);
  Collect rest = stop.c;
  const int64_t p = stop.pos;
  ASSERT_TRUE(r.Feed(pcm.data() + p, n - p, Collect::Sink, &rest).ok());
  ASSERT_TRUE(r.Finish(Collect::Sink, &rest).ok());
  EXPECT_EQ(rest.ranges, whole.ranges);
}

TEST(WavSource, DeliversTheFileFromAPositionAndPaces) {
  test::TempDir dir;
  std::vector<float> pcm(16000 / 2);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = 0.001f * (i % 100);
  const std::string wav = dir.path() + "/a.wav";
  ASSERT_TRUE(WriteWavF32(wav, pcm.data(), pcm.size(), 16000).ok());
  WavCaptureSource src(wav, 16000, /*paced=*/true, 1000);
  ASSERT_TRUE(src.Start().ok());
  std::vector<float> buf(16000);
  int64_t pos = 1000;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    auto c = src.Read(buf.data(), buf.size(), 50);
    ASSERT_TRUE(c.ok());
    if (c->kind == CaptureChunk::kEnd) break;
    if (c->kind != CaptureChunk::kPcm) continue;
    EXPECT_LE(c->frames, 320);
    for (int64_t k = 0; k < c->frames; ++k) ASSERT_EQ(buf[k], pcm[pos + k]);
    pos += c->frames;
  }
  EXPECT_EQ(pos, int64_t(pcm.size()));
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_GE(s, 0.4);  // 437 ms of audio, paced
  WavCaptureSource past(wav, 16000, false, 100000);
  EXPECT_FALSE(past.Start().ok());
}

TEST(Journal, EntriesArePendingUntilTranscribedAndDuplicatesSkipped) {
  test::TempDir dir;
  const std::string out = dir.path() + "/listen";
  std::vector<float> a(1000, 0.25f), b(500, -0.5f);
  {
    auto j = Journal::Open(out, 16000);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    JournalEntry ea, eb;
    ASSERT_TRUE(
        j->Append(100, a.data(), a.size(), {"in.wav", 1200, -60.f, 1}, &ea)
            .ok());
    ASSERT_TRUE(
        j->Append(5000, b.data(), b.size(), {"in.wav", 6000, -61.f, 1}, &eb)
            .ok());
    ASSERT_TRUE(j->AppendTranscript(ea, "one", "").ok());
    EXPECT_EQ(eb.seq, 2);
  }
  auto j = Journal::Open(out, 16000);
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(j->entries().size(), 2u);
  ASSERT_EQ(j->Pending().size(), 1u);
  EXPECT_EQ(j->Pending()[0].start, 5000);
  EXPECT_EQ(j->state().position, 6000);
  EXPECT_EQ(j->state().input, "in.wav");
  auto back = ReadJournalWav(j->Pending()[0].path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, b);
  JournalEntry again;
  ASSERT_TRUE(
      j->Append(5000, b.data(), b.size(), {"in.wav", 6000, -61.f, 1}, &again)
          .ok());
  EXPECT_EQ(again.seq, 2);
  EXPECT_EQ(j->entries().size(), 2u);
  // Rotation removes transcribed audio only: entry 2 has no line yet.
  auto removed = j->Prune({1, 0}, std::time(nullptr));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  ASSERT_EQ(j->entries().size(), 1u);
  EXPECT_EQ(j->entries()[0].seq, 2);
  EXPECT_EQ(Journal::Open(out, 16000)->entries().size(), 1u);
}

}  // namespace
}  // namespace edgemma::media
