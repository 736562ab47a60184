// A lock-free single-producer/single-consumer ring of capture records between
// a capture thread and its consumer. Records are PCM pieces (raw bytes in the
// device format) or gap records; a producer that finds the ring full drops the
// piece and counts it, and the dropped frames reach the consumer as one gap
// record (GapCause::kRingFull) at their place in the stream as soon as there
// is room again. The producer never blocks; nothing is lost silently.
//
// Memory: one buffer of `capacity_bytes` (a power of two) allocated at
// construction; Push/Pop allocate nothing.
#ifndef EDGEMMA_MEDIA_CAPTURE_RING_H_
#define EDGEMMA_MEDIA_CAPTURE_RING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/capture.h"

namespace edgemma::media {

class CaptureRing {
 public:
  // capacity_bytes is rounded up to a power of two (>= 64).
  explicit CaptureRing(size_t capacity_bytes);

  // Producer side. `frames` frames of `bytes` bytes in all; wall_ns: the
  // capture time of the last frame (CaptureChunk::wall_ns), 0 if unknown.
  void PushPcm(const void* data, int64_t frames, size_t bytes,
               int64_t wall_ns = 0);
  void PushGap(int64_t frames, GapCause cause, int64_t wall_ns = 0);
  // Writes the pending ring-full gap if there is room now (call when the
  // producer ends); false if it is still pending.
  bool FlushPending() { return FlushPendingGap(); }
  int64_t pending_gap() const { return pending_gap_; }  // producer only

  // Consumer side: the next record. kPcm copies the bytes into `out` (which
  // must hold `max_bytes`; a record larger than that is an error of the
  // caller: keep pieces <= max_bytes) and sets *bytes; kNone when empty.
  CaptureChunk Pop(void* out, size_t max_bytes, size_t* bytes);

  // Counters (any thread).
  int64_t dropped_frames() const { return dropped_.load(); }
  int64_t pushed_frames() const { return pushed_.load(); }
  size_t capacity() const { return buf_.size(); }

 private:
  struct Header {
    int32_t kind;   // CaptureChunk::Kind
    int32_t cause;  // GapCause for gaps
    int64_t frames;
    uint64_t bytes;  // payload bytes that follow
    int64_t wall_ns;
  };
  bool TryWrite(const Header& h, const void* payload);
  void CopyIn(uint64_t at, const void* src, size_t n);
  void CopyOut(uint64_t at, void* dst, size_t n) const;
  bool FlushPendingGap();
  size_t Free() const;

  std::vector<unsigned char> buf_;
  uint64_t mask_ = 0;
  alignas(64) std::atomic<uint64_t> head_{0};  // written by the producer
  alignas(64) std::atomic<uint64_t> tail_{0};  // written by the consumer
  int64_t pending_gap_ = 0;                    // producer only
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> pushed_{0};
};

}  // namespace edgemma::media

#endif  // EDGEMMA_MEDIA_CAPTURE_RING_H_
