// `edgemma listen -m MODEL (--device NAME | --input FILE [--realtime]) --out
// DIR`: the transcription appliance. Capture (media/capture.h) -> endpointer
// (core/audio/endpointer.h) -> each utterance journaled as a WAV and fsync'd
// (media/journal.h) -> transcribed (examples/cli/transcriber.h) -> one JSON
// line appended and fsync'd to DIR/transcripts-YYYY-MM-DD.jsonl. Restarted
// with the same DIR it first transcribes journaled utterances that have no
// line yet, and with the same --input it resumes at the recorded position.
// SIGINT/SIGTERM finish the current utterance and exit 0.
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/audio/audio_splitter.h"
#include "core/audio/endpointer.h"
#include "examples/cli/cli_capture.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "examples/cli/transcriber.h"
#include "media/journal.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "listen";
constexpr char kUsage[] =
    "usage: edgemma listen -m MODEL (--device NAME | --input FILE "
    "[--realtime]) --out DIR\n"
    "  Continuous transcription: voice activity detection cuts the input "
    "into utterances;\n"
    "  each is journaled under DIR/journal/ (WAV, fsync'd) before it is "
    "transcribed, then\n"
    "  {start, end, text, ...} (seconds of the input stream) is appended to\n"
    "  DIR/transcripts-YYYY-MM-DD.jsonl and printed. Restarted with the same "
    "DIR, it first\n"
    "  transcribes journaled utterances without a transcript, and with the "
    "same --input it\n"
    "  resumes where it stopped. SIGINT/SIGTERM finish the current "
    "utterance and exit 0.\n"
    "options:\n"
    "  --device NAME          ALSA capture device (default, plughw:1,0, "
    "hw:...)\n"
    "  --list-devices         print the ALSA capture devices and exit\n"
    "  --input FILE           a sound file instead of a device\n"
    "  --realtime             pace --input as a microphone would\n"
    "  --out DIR              journal and transcripts directory\n"
    "  --mmproj PATH          the audio tower of a GGUF model\n"
    "  --tokenizer PATH       tokenizer.json (default: the model's own)\n"
    "  --language LANG        spoken language (default English)\n"
    "  -n, --max-tokens N     generated tokens per utterance at most "
    "(default 256)\n"
    "  --threads N            threads (default: all cores)\n"
    "  --journal-max-mb N     delete the oldest transcribed journal WAVs "
    "beyond N MB\n"
    "  --journal-max-age-hours H  delete transcribed journal WAVs older than "
    "H hours\n"
    "                         (default 0 for both: keep all; a WAV without "
    "its transcript\n"
    "                         is never deleted)\n"
    "  Each line also carries wall_start/wall_end: ISO 8601 local time with "
    "the UTC offset,\n"
    "  from the capture clock (--device) or, for --input, from the time the "
    "first run on\n"
    "  that input started plus the stream position.\n" kVadUsage;

struct Args {
  TranscriberOptions t;
  CaptureArgs capture;
  std::string out;
  int journal_max_mb = 0;  // 0: keep every journal WAV
  int journal_max_age_hours = 0;
};

std::optional<int> ParseArgs(int argc, char** argv, Args* a) {
  Flags flags(kCmd, kUsage);
  flags.String("-m,--model", &a->t.model)
      .String("--mmproj", &a->t.mmproj)
      .String("--tokenizer", &a->t.tokenizer)
      .String("--language", &a->t.language)
      .Int("-n,--max-tokens", &a->t.max_tokens, 1, 1 << 20)
      .Int("-t,--threads", &a->t.threads, 1, 1024)
      .String("--out", &a->out)
      .Int("--journal-max-mb", &a->journal_max_mb, 0, 1 << 24)
      .Int("--journal-max-age-hours", &a->journal_max_age_hours, 0, 1 << 24);
  AddCaptureFlags(&flags, &a->capture);
  if (auto rc = flags.Parse(argc, argv)) return rc;
  if (a->capture.list_devices) return std::nullopt;
  if (a->t.model.empty()) return flags.UsageError("-m MODEL is required");
  if (a->out.empty()) return flags.UsageError("--out DIR is required");
  if (auto rc = CheckCaptureFlags(flags, a->capture)) return rc;
  return std::nullopt;
}

// Capture and transcription run apart: the capture loop only journals (the
// durable part), a worker thread transcribes journaled entries in order,
// reading them back from disk. When transcription is slower than speech the
// backlog waits on disk (reported), never in memory and never dropped.
class Listener {
 public:
  Listener(Transcriber* tr, media::Journal* journal, std::string input,
           media::JournalLimits limits)
      : tr_(tr), journal_(journal), input_(std::move(input)), limits_(limits) {}

  void set_first_seq(int64_t s) { first_seq_ = s; }
  const std::string& input() const { return input_; }
  // Stream positions -> wall clock; RunCapture anchors it (capture thread).
  media::StreamClock* clock() { return &clock_; }
  // Rotation (under the lock: the worker prunes too).
  Status Prune() {
    std::lock_guard<std::mutex> lock(mu_);
    return journal_->Prune(limits_, std::time(nullptr)).status();
  }

  void StartWorker() {
    worker_ = std::thread([this] { Work(); });
  }
  // Waits until every journaled entry is transcribed (or the worker failed).
  Status StopWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    return error_;
  }

  static Status Gap(void* user, int64_t at, const media::CaptureChunk& c) {
    auto* l = static_cast<Listener*>(user);
    std::lock_guard<std::mutex> lock(l->mu_);
    return l->journal_->AppendGap(at, c.frames, media::GapCauseName(c.cause));
  }

  static Status Sink(void* user, const Utterance& u) {
    auto* l = static_cast<Listener*>(user);
    size_t backlog = 0;
    {
      std::lock_guard<std::mutex> lock(l->mu_);
      EM_RETURN_IF_ERROR(l->error_);
      media::JournalEntry e;
      const media::ResumeState after{l->input_, u.resume_position,
                                     u.resume_floor_db, l->first_seq_,
                                     l->journal_->state().wall_origin_ns};
      const media::StreamClock& c = l->clock_;
      EM_RETURN_IF_ERROR(l->journal_->Append(
          u.start, u.pcm, u.end - u.start, after, &e,
          c.known() ? c.WallNs(u.start) : 0, c.known() ? c.WallNs(u.end) : 0));
      backlog = l->journal_->Pending().size();
    }
    l->cv_.notify_all();
    if (backlog > 2)
      std::fprintf(stderr, "listen: transcription backlog %zu utterances\n",
                   backlog);
    return Status::Ok();
  }

 private:
  void Work() {
    for (;;) {
      media::JournalEntry e;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return done_ || !journal_->Pending().empty(); });
        const auto pending = journal_->Pending();
        if (pending.empty()) return;  // done and nothing left
        e = pending.front();
      }
      Status s = TranscribeEntry(e);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        error_ = s;
        return;
      }
    }
  }

  Status TranscribeEntry(media::JournalEntry e) {
    EM_ASSIGN_OR_RETURN(media::JournalAudio audio,
                        media::ReadJournalEntry(e.path));
    e.wall_start_ns = audio.wall_start_ns;
    e.wall_end_ns = audio.wall_end_ns;
    std::string text;
    const auto t0 = std::chrono::steady_clock::now();
    EM_RETURN_IF_ERROR(
        tr_->Transcribe(audio.pcm.data(), audio.pcm.size(), &text));
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
    nlohmann::ordered_json extra = {{"transcribe_ms", ms}};
    {
      std::lock_guard<std::mutex> lock(mu_);
      EM_RETURN_IF_ERROR(journal_->AppendTranscript(e, text, extra.dump()));
      EM_RETURN_IF_ERROR(journal_->Prune(limits_, std::time(nullptr)).status());
    }
    const double rate = journal_->rate();
    nlohmann::ordered_json line = {{"seq", e.seq},
                                   {"start", double(e.start) / rate},
                                   {"end", double(e.end) / rate},
                                   {"text", text}};
    if (e.wall_start_ns != 0) {
      line["wall_start"] = media::FormatWallTime(e.wall_start_ns);
      line["wall_end"] = media::FormatWallTime(e.wall_end_ns);
    }
    std::printf("%s\n", line.dump(-1, ' ', false,
                                  nlohmann::json::error_handler_t::replace)
                            .c_str());
    std::fflush(stdout);
    return Status::Ok();
  }

  Transcriber* tr_;
  media::Journal* journal_;  // guarded by mu_
  std::string input_;
  media::JournalLimits limits_;
  media::StreamClock clock_;
  int64_t first_seq_ = 1;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  Status error_;
  std::thread worker_;
};

Status Run(const Args& a) {
  EM_ASSIGN_OR_RETURN(auto tr, Transcriber::Create(a.t));
  const int rate = tr->front_end().sample_rate;
  EM_ASSIGN_OR_RETURN(media::Journal journal,
                      media::Journal::Open(a.out, rate));
  Listener l(tr.get(), &journal, CaptureStreamId(a.capture),
             {int64_t{a.journal_max_mb} << 20,
              int64_t{a.journal_max_age_hours} * 3600});
  EM_RETURN_IF_ERROR(l.Prune());
  // The backlog first: journaled but never transcribed (a crash, kill -9);
  // the worker takes entries in order, so these go before new speech.
  const size_t pending = journal.Pending().size();
  if (pending > 0)
    std::fprintf(stderr, "listen: %zu journaled utterance(s) to transcribe\n",
                 pending);
  // Resume the same input where the last run recorded it.
  media::ResumeState st = journal.state();
  const bool resume = !a.capture.input.empty() && st.input == l.input();
  if (!resume)
    st = {l.input(), 0, EndpointerOptions{}.initial_floor_db,
          journal.next_seq(), media::WallClockNs()};
  if (st.wall_origin_ns == 0) st.wall_origin_ns = media::WallClockNs();
  l.set_first_seq(st.first_seq);
  // Files have no capture clock: position 0 is when the first run on this
  // input started (kept across resumes). A device re-anchors at each chunk.
  l.clock()->rate = rate;
  l.clock()->Anchor(0, st.wall_origin_ns);
  EM_RETURN_IF_ERROR(journal.SaveState(st));
  EM_ASSIGN_OR_RETURN(auto source, OpenCaptureSource(a.capture, rate,
                                                     resume ? st.position : 0));
  Endpointer ep;
  EM_RETURN_IF_ERROR(
      InitEndpointer(a.capture, rate, MaxBlockSamples(tr->front_end()), &ep));
  ep.Restore(resume ? st.position : 0, st.floor_db);
  if (resume && st.position > 0)
    std::fprintf(stderr, "listen: resuming %s at %.2f s\n", l.input().c_str(),
                 double(st.position) / rate);
  l.StartWorker();
  Status s = RunCapture(*source, ep, Listener::Sink, Listener::Gap, &l, kCmd,
                        l.clock());
  Status w = l.StopWorker();
  EM_RETURN_IF_ERROR(s);
  EM_RETURN_IF_ERROR(w);
  media::ResumeState done{l.input(), ep.position(), ep.noise_floor_db(),
                          st.first_seq, st.wall_origin_ns};
  return journal.SaveState(done);
}

int Listen(int argc, char** argv) {
  return CaptureCommandMain<Args>(kCmd, argc, argv, ParseArgs, Run);
}

}  // namespace

EDGEMMA_COMMAND("listen",
                "continuous speech -> journaled utterances + transcripts "
                "(audio tower models)",
                Listen);

}  // namespace edgemma::cli
