#include "core/audio/endpointer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/audio/audio_splitter.h"

namespace edgemma {

Status Endpointer::Init(const EndpointerOptions& options) {
  opt_ = options;
  frame_ = opt_.rate * opt_.frame_ms / 1000;
  if (frame_ <= 0 || opt_.start_frames < 1 || opt_.end_silence_ms <= 0 ||
      opt_.hangover_ms < 0 || opt_.preroll_ms < 0 ||
      opt_.max_samples < 4 * opt_.rate) {
    return InvalidArgument(
        "endpointer: bad options (frame, start frames, end silence, "
        "hangover, pre-roll >= 0, max utterance >= 4 s)");
  }
  buf_.assign(opt_.max_samples + frame_, 0.f);
  part_.assign(frame_, 0.f);
  Restore(0, opt_.initial_floor_db);
  return Status::Ok();
}

void Endpointer::Restore(int64_t position, float noise_floor_db) {
  pos_ = position;
  floor_db_ = noise_floor_db;
  part_len_ = 0;
  ToIdle();
}

void Endpointer::ToIdle() {
  in_speech_ = false;
  voiced_run_ = 0;
  silence_ = 0;
  buf_len_ = 0;
  buf_start_ = pos_;
  resume_pos_ = pos_;
  resume_floor_ = floor_db_;
}

bool Endpointer::Voiced(const float* x, float* level_db) const {
  double e = 0, d = 0;
  for (int i = 0; i < frame_; ++i) {
    e += double(x[i]) * x[i];
    const double diff = i > 0 ? double(x[i]) - x[i - 1] : 0.0;
    d += diff * diff;
  }
  e /= frame_;
  d /= frame_;
  *level_db = static_cast<float>(10.0 * std::log10(e + 1e-12));
  // White noise: E[diff^2] = 2 E[x^2] -> ratio 1; voice (energy below 2 kHz):
  // well below.
  const double flatness = d / (2.0 * e + 1e-12);
  return *level_db >
             std::max(floor_db_ + opt_.threshold_db, opt_.min_level_db) &&
         flatness < opt_.max_flatness;
}

Status Endpointer::Emit(int64_t end, bool cut, UtteranceSink sink, void* user) {
  Utterance u;
  u.start = buf_start_;
  u.end = end;
  u.pcm = buf_.data();
  u.cut = cut;
  u.resume_position = cut ? resume_pos_ : pos_;
  u.resume_floor_db = cut ? resume_floor_ : floor_db_;
  return sink(user, u);
}

Status Endpointer::Frame(const float* x, UtteranceSink sink, void* user) {
  float level = 0;
  const bool voiced = Voiced(x, &level);
  const int64_t preroll = int64_t(opt_.rate) * opt_.preroll_ms / 1000;
  std::memcpy(buf_.data() + buf_len_, x, frame_ * sizeof(float));
  buf_len_ += frame_;
  pos_ += frame_;
  if (!in_speech_) {
    if (!voiced) {
      // The floor follows quiet frames down at once, up slowly.
      const float rise = opt_.floor_rise_db_per_s * opt_.frame_ms / 1000.f;
      floor_db_ = std::min(std::max(floor_db_, -100.f) + rise, level);
      floor_db_ = std::max(floor_db_, -100.f);
    }
    voiced_run_ = voiced ? voiced_run_ + 1 : 0;
    if (voiced_run_ >= opt_.start_frames) {
      in_speech_ = true;
      silence_ = 0;
      last_voiced_end_ = pos_;
      if (live_)
        EM_RETURN_IF_ERROR(live_(live_user_, buf_.data(), buf_len_, true));
    } else {
      // Keep the pre-roll plus the voiced run only.
      const int64_t keep = preroll + int64_t(voiced_run_) * frame_;
      if (buf_len_ > keep + frame_) {
        const int64_t drop = buf_len_ - keep;
        std::memmove(buf_.data(), buf_.data() + drop,
                     (buf_len_ - drop) * sizeof(float));
        buf_len_ -= drop;
        buf_start_ += drop;
      }
    }
    return Status::Ok();
  }
  if (live_) EM_RETURN_IF_ERROR(live_(live_user_, x, frame_, false));
  if (voiced) {
    silence_ = 0;
    last_voiced_end_ = pos_;
  } else {
    silence_ += frame_;
  }
  if (silence_ >= int64_t(opt_.rate) * opt_.end_silence_ms / 1000) {
    const int64_t hang = int64_t(opt_.rate) * opt_.hangover_ms / 1000;
    EM_RETURN_IF_ERROR(
        Emit(std::min(last_voiced_end_ + hang, pos_), false, sink, user));
    ToIdle();
    return Status::Ok();
  }
  if (buf_len_ > opt_.max_samples) {
    // Too long: cut at the quietest point near the limit, keep the rest.
    SplitOptions so;
    so.max_block = opt_.max_samples;
    so.search = std::min<int64_t>(5LL * opt_.rate, opt_.max_samples / 2);
    so.frame = frame_;
    so.smooth = 10;
    std::vector<AudioBlock> blocks;
    EM_RETURN_IF_ERROR(SplitAudio(buf_.data(), buf_len_, so, &blocks));
    const int64_t cut = blocks.front().end;
    EM_RETURN_IF_ERROR(Emit(buf_start_ + cut, true, sink, user));
    std::memmove(buf_.data(), buf_.data() + cut,
                 (buf_len_ - cut) * sizeof(float));
    buf_len_ -= cut;
    buf_start_ += cut;
  }
  return Status::Ok();
}

Status Endpointer::Feed(const float* pcm, int64_t n, UtteranceSink sink,
                        void* user) {
  while (n > 0) {
    if (part_len_ == 0 && n >= frame_) {
      EM_RETURN_IF_ERROR(Frame(pcm, sink, user));
      pcm += frame_;
      n -= frame_;
      continue;
    }
    const int64_t k = std::min<int64_t>(n, frame_ - part_len_);
    std::memcpy(part_.data() + part_len_, pcm, k * sizeof(float));
    part_len_ += k;
    pcm += k;
    n -= k;
    if (part_len_ == frame_) {
      part_len_ = 0;
      EM_RETURN_IF_ERROR(Frame(part_.data(), sink, user));
    }
  }
  return Status::Ok();
}

Status Endpointer::Finish(UtteranceSink sink, void* user) {
  if (in_speech_) {
    // The partial frame belongs to the utterance (its end is the input's).
    std::memcpy(buf_.data() + buf_len_, part_.data(),
                part_len_ * sizeof(float));
    if (live_ && part_len_ > 0)
      EM_RETURN_IF_ERROR(live_(live_user_, part_.data(), part_len_, false));
    pos_ += part_len_;
    part_len_ = 0;
    EM_RETURN_IF_ERROR(Emit(pos_, false, sink, user));
  } else {
    pos_ += part_len_;
    part_len_ = 0;
  }
  ToIdle();
  return Status::Ok();
}

Status Endpointer::Gap(int64_t frames, UtteranceSink sink, void* user) {
  EM_RETURN_IF_ERROR(Finish(sink, user));
  pos_ += frames;
  ToIdle();
  return Status::Ok();
}

}  // namespace edgemma
