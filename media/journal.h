// The on-disk journal of a transcription appliance (`edgemma listen`): every
// utterance's raw audio is written and fsync'd as a WAV file BEFORE it is
// transcribed, so a crash, kill -9 or power loss never loses speech; each
// transcript line is appended and fsync'd to DIR/transcripts-YYYY-MM-DD.jsonl
// (UTC date). On restart, Open() finds the journaled utterances without a
// transcript line (Pending()) and the recorded resume state.
//
// Layout under DIR:
//   journal/utt-SEQ-START-END.wav  float32 mono WAV of stream samples
//                                  [START, END) (SEQ: 8 digits, in order)
//   state.json                     {"input", "position", "floor_db",
//                                   "next_seq"}: where to resume capture
//   transcripts-YYYY-MM-DD.jsonl   {"seq", "start", "end", "text", "wall",
//                                   ...} per utterance (start/end: seconds of
//                                   the input stream)
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
};

struct ResumeState {
  std::string input;  // the --input file ("" for a device)
  int64_t position = 0;
  float floor_db = -70.f;
  int64_t first_seq = 1;  // first journal entry of this input stream
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
                const ResumeState& after, JournalEntry* entry);
  Status SaveState(const ResumeState& state);
  // Appends {"seq","start","end","text","wall",extra...} (extra: a JSON
  // object text, may be "") to today's transcripts file and fsyncs it.
  Status AppendTranscript(const JournalEntry& e, const std::string& text,
                          const std::string& extra_json);
  Status AppendGap(int64_t at, int64_t frames, const char* cause);

  // Rotation: deletes the oldest journal WAVs that already have a transcript
  // line while the journal holds more than max_bytes (untranscribed audio is
  // never deleted). Returns the number of files removed.
  Result<int> Prune(int64_t max_bytes);

  // Journaled entries without a transcript line, in order.
  std::vector<JournalEntry> Pending() const;
  const std::vector<JournalEntry>& entries() const { return entries_; }
  int64_t next_seq() const {
    return entries_.empty() ? 1 : entries_.back().seq + 1;
  }
  const ResumeState& state() const { return state_; }
  const std::string& dir() const { return dir_; }
  int rate() const { return rate_; }

 private:
  std::string dir_;
  int rate_ = 16000;
  bool sync_ = true;
  std::vector<JournalEntry> entries_;
  std::set<int64_t> transcribed_;  // seqs with a transcript line
  ResumeState state_;
};

// Reads a journal WAV back (float32 mono).
Result<std::vector<float>> ReadJournalWav(const std::string& path);

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_JOURNAL_H_
