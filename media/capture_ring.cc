#include "media/capture_ring.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <ctime>

namespace edgemma::media {

const char* GapCauseName(GapCause cause) {
  switch (cause) {
    case GapCause::kOverrun:
      return "overrun";
    case GapCause::kSuspend:
      return "suspend";
    case GapCause::kDeviceLost:
      return "device_lost";
    case GapCause::kRingFull:
      return "ring_full";
  }
  return "unknown";
}

int64_t WallClockNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int Backoff::NextDelayMs() {
  int64_t d = first_ms;
  for (int i = 0; i < attempt && d < max_ms; ++i) d *= 2;
  ++attempt;
  return static_cast<int>(std::min<int64_t>(d, max_ms));
}

CaptureRing::CaptureRing(size_t capacity_bytes) {
  size_t cap = 64;
  while (cap < capacity_bytes) cap *= 2;
  buf_.assign(cap, 0);
  mask_ = cap - 1;
}

void CaptureRing::CopyIn(uint64_t at, const void* src, size_t n) {
  const size_t off = at & mask_;
  const size_t first = std::min(n, buf_.size() - off);
  std::memcpy(buf_.data() + off, src, first);
  std::memcpy(buf_.data(), static_cast<const unsigned char*>(src) + first,
              n - first);
}

void CaptureRing::CopyOut(uint64_t at, void* dst, size_t n) const {
  const size_t off = at & mask_;
  const size_t first = std::min(n, buf_.size() - off);
  std::memcpy(dst, buf_.data() + off, first);
  std::memcpy(static_cast<unsigned char*>(dst) + first, buf_.data(), n - first);
}

bool CaptureRing::TryWrite(const Header& h, const void* payload) {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  const uint64_t tail = tail_.load(std::memory_order_acquire);
  const size_t need = sizeof(Header) + h.bytes;
  if (buf_.size() - (head - tail) < need) return false;
  CopyIn(head, &h, sizeof(Header));
  if (h.bytes > 0) CopyIn(head + sizeof(Header), payload, h.bytes);
  head_.store(head + need, std::memory_order_release);
  return true;
}

bool CaptureRing::FlushPendingGap() {
  if (pending_gap_ == 0) return true;
  const Header h{CaptureChunk::kGap, static_cast<int32_t>(GapCause::kRingFull),
                 pending_gap_, 0, 0};
  if (!TryWrite(h, nullptr)) return false;
  pending_gap_ = 0;
  return true;
}

size_t CaptureRing::Free() const {
  return buf_.size() - (head_.load(std::memory_order_relaxed) -
                        tail_.load(std::memory_order_acquire));
}

void CaptureRing::PushPcm(const void* data, int64_t frames, size_t bytes,
                          int64_t wall_ns) {
  pushed_.fetch_add(frames);
  // The pending gap goes first, and only together with this piece, so a full
  // ring gives one gap record per stall, not one per dropped piece.
  const size_t gap = pending_gap_ > 0 ? sizeof(Header) : 0;
  if (Free() >= gap + sizeof(Header) + bytes) {
    FlushPendingGap();
    TryWrite(Header{CaptureChunk::kPcm, 0, frames, bytes, wall_ns}, data);
    return;
  }
  pending_gap_ += frames;
  dropped_.fetch_add(frames);
}

void CaptureRing::PushGap(int64_t frames, GapCause cause, int64_t wall_ns) {
  pushed_.fetch_add(frames);
  const size_t gap = pending_gap_ > 0 ? sizeof(Header) : 0;
  if (Free() >= gap + sizeof(Header)) {
    FlushPendingGap();
    TryWrite(Header{CaptureChunk::kGap, static_cast<int32_t>(cause), frames, 0,
                    wall_ns},
             nullptr);
    return;
  }
  // No room even for a header: the frames join the pending ring-full gap (the
  // count stays exact; only the cause is merged).
  pending_gap_ += frames;
}

CaptureChunk CaptureRing::Pop(void* out, size_t max_bytes, size_t* bytes) {
  *bytes = 0;
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t head = head_.load(std::memory_order_acquire);
  if (head == tail) return CaptureChunk{};
  Header h;
  CopyOut(tail, &h, sizeof(Header));
  assert(h.bytes <= max_bytes);
  const size_t n = std::min<size_t>(h.bytes, max_bytes);
  if (n > 0) CopyOut(tail + sizeof(Header), out, n);
  tail_.store(tail + sizeof(Header) + h.bytes, std::memory_order_release);
  *bytes = n;
  CaptureChunk c;
  c.kind = static_cast<CaptureChunk::Kind>(h.kind);
  c.frames = h.frames;
  c.cause = static_cast<GapCause>(h.cause);
  c.wall_ns = h.wall_ns;
  return c;
}

}  // namespace edgemma::media
