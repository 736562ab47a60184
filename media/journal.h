// The on-disk journal of a transcription appliance (`edgemma listen`): every
// utterance's raw audio is written and fsync'd as a WAV file BEFORE it is
// transcribed, so a crash, kill -9 or power loss never loses speech; each
// transcript line is appended and fsync'd to DIR/transcripts-YYYY-MM-DD.jsonl
// (UTC date). On restart, Open() finds the journaled utterances without a
// transcript line (Pending()) and the recorded resume state.
//
// Layout under DIR:
//   journal/utt-SEQ-START-END.wav  float32 mono WAV of stream samples
//                                  [START, END) (SEQ: 8 digits, in order);
//                                  a "wclk" chunk holds the wall-clock
//                                  start and end (two int64 ns, 0: unknown)
//   state.json                     {"input", "position", "floor_db",
//                                   "first_seq", "next_seq", "wall_origin_ns"}:
//                                   where to resume capture
//   transcripts-YYYY-MM-DD.jsonl   {"seq", "start", "end", "text", "wall",
//                                   "wall_start", "wall_end", ...} per
//                                   utterance (start/end: seconds of the input
//                                   stream; wall_start/wall_end: ISO 8601 local
//                                   time with its UTC offset; wall: UTC time
//                                   the line was written)
//   gaps.jsonl                     {"at", "frames", "cause"} per input gap
// Durability order: WAV (tmp, fsync, rename, fsync dir) -> state (same) ->
// transcript line (append, fsync). A crash between WAV and state repeats the
// same utterance on resume, which Append() recognises (same START-END) and
// skips: nothing twice, nothing lost.
#ifndef EDGEMMA_MEDIA_JOURNAL_H_
#define EDGEMMA_MEDIA_JOURNAL_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "platform/status.h"

namespace edgemma::media {

struct JournalEntry {
  int64_t seq = 0;
  int64_t start = 0;  // stream samples
  int64_t end = 0;
  std::string path;
  int64_t written_s = 0;      // when it was journaled (the file's mtime)
  int64_t wall_start_ns = 0;  // wall clock of start/end (0: unknown); filled
  int64_t wall_end_ns = 0;    // by Append and ReadJournalEntry
};

// Journal rotation: transcribed WAVs are deleted when older than max_age_s
// or, oldest first, while the journal holds more than max_bytes (0: no
// limit). A WAV without a transcript line is never deleted.
struct JournalLimits {
  int64_t max_bytes = 0;
  int64_t max_age_s = 0;
};

struct ResumeState {
  std::string input;  // the --input file ("" for a device)
  int64_t position = 0;
  float floor_db = -70.f;
  int64_t first_seq = 1;  // first journal entry of this input stream
  // Wall clock of stream position 0 for inputs without a capture clock
  // (files): set by the first run on an input, kept by the resumed ones.
  int64_t wall_origin_ns = 0;
};

class Journal {
 public:
  // Creates DIR and DIR/journal if needed and reads what is there. sync =
  // false skips fsync (tests that check accounting, not durability).
  static Result<Journal> Open(const std::string& dir, int rate,
                              bool sync = true);

  // Journals one utterance, then records `after` as the resume state. A
  // duplicate of an entry of the same stream (seq >= after.first_seq, same
  // start and end: an utterance repeated after a resume) only updates the
  // state. *entry receives the entry (new or existing).
  Status Append(int64_t start, const float* pcm, int64_t n,
                const ResumeState& after, JournalEntry* entry,
                int64_t wall_start_ns = 0, int64_t wall_end_ns = 0);
  Status SaveState(const ResumeState& state);
  // Appends {"seq","start","end","text","wall",("wall_start","wall_end" when
  // e's are known,) extra...} (extra: a JSON object text, may be "") to
  // today's transcripts file and fsyncs it.
  Status AppendTranscript(const JournalEntry& e, const std::string& text,
                          const std::string& extra_json);
  Status AppendGap(int64_t at, int64_t frames, const char* cause);

  // Rotation (JournalLimits) at time now_s (seconds since the epoch).
  // Returns the number of files removed.
  Result<int> Prune(const JournalLimits& limits, int64_t now_s);

  // Journaled entries without a transcript line, in order.
  std::vector<JournalEntry> Pending() const;
  const std::vector<JournalEntry>& entries() const { return entries_; }
  // Sequence numbers are never reused, even after rotation deleted every
  // WAV: the largest seen in the journal, transcripts and state, plus one.
  int64_t next_seq() const { return next_seq_; }
  const ResumeState& state() const { return state_; }
  const std::string& dir() const { return dir_; }
  int rate() const { return rate_; }

 private:
  std::string dir_;
  int rate_ = 16000;
  bool sync_ = true;
  std::vector<JournalEntry> entries_;
  std::set<int64_t> transcribed_;  // seqs with a transcript line
  int64_t next_seq_ = 1;
  ResumeState state_;
};

// A journal WAV read back: samples and the wall clock recorded with them.
struct JournalAudio {
  std::vector<float> pcm;
  int64_t wall_start_ns = 0;
  int64_t wall_end_ns = 0;
};
Result<JournalAudio> ReadJournalEntry(const std::string& path);
// The samples only (float32 mono).
Result<std::vector<float>> ReadJournalWav(const std::string& path);

// ns since the epoch as ISO 8601 local time (TZ) with milliseconds and the
// UTC offset, e.g. "2026-12-07T10:11:42.123+05:30".
std::string FormatWallTime(int64_t wall_ns);

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_JOURNAL_H_
