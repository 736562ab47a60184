// Sound files through libsndfile, resampling through libsoxr (see
// sound_file.h).
#include "media/sound_file.h"

#include <sndfile.h>
#include <soxr.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

namespace edgemma::media {
namespace {

constexpr int64_t kChunkFrames = 1 << 15;
constexpr double kMaxReserve = 1 << 22;  // samples reserved from a header

struct SfCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SfHandle = std::unique_ptr<SNDFILE, SfCloser>;

uint32_t Le32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

// libsndfile rejects a RIFF/WAVE header with a 0 Hz rate as "SF_INFO struct
// incomplete"; recognise that case from the file's first `n` bytes so the
// message says what is wrong.
bool WavHeaderHasZeroRate(const unsigned char* h, size_t n) {
  return n >= 28 && std::memcmp(h, "RIFF", 4) == 0 &&
         std::memcmp(h + 8, "WAVE", 4) == 0 &&
         std::memcmp(h + 12, "fmt ", 4) == 0 && Le32(h + 24) == 0;
}

bool WavFileHasZeroRate(const std::string& path) {
  unsigned char h[28];
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const size_t n = std::fread(h, 1, sizeof(h), f);
  std::fclose(f);
  return WavHeaderHasZeroRate(h, n);
}

// A WAV-family header that declares more data than the file holds: libsndfile
// logs "data : <declared> (should be <present>)" and silently shortens the
// stream. Streaming writers that do not know the length write 0 or 0xFFFFFFFF:
// those are not truncation.
bool LogShowsTruncatedData(SNDFILE* f, std::string* detail) {
  char log[8192] = {0};
  sf_command(f, SFC_GET_LOG_INFO, log, sizeof(log));
  const char* at = std::strstr(log, "data : ");
  if (at == nullptr) return false;
  unsigned long long declared = 0, present = 0;
  if (std::sscanf(at, "data : %llu (should be %llu)", &declared, &present) != 2)
    return false;
  if (declared <= present || declared == 0xFFFFFFFFull || declared == 0)
    return false;
  *detail = "the data chunk declares " + std::to_string(declared) +
            " bytes, the file holds " + std::to_string(present);
  return true;
}

Status FileError(const std::string& path, const std::string& problem) {
  return InvalidArgument(path + ": " + problem);
}

std::string FormatName(int format) {
  SF_FORMAT_INFO major{}, sub{};
  major.format = format & SF_FORMAT_TYPEMASK;
  sub.format = format & SF_FORMAT_SUBMASK;
  std::string name;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof(major)) == 0)
    name = major.name;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &sub, sizeof(sub)) == 0) {
    name += std::string(name.empty() ? "" : ", ") + sub.name;
  }
  return name;
}

// What sf_open/sf_open_virtual gave for `name` (`zero_rate`: its header
// declares 0 Hz, for the message when libsndfile refused it).
Result<SfHandle> Checked(SfHandle f, const SF_INFO& info,
                         const std::string& name, bool zero_rate) {
  if (f == nullptr) {
    if (zero_rate) {
      return FileError(name, "the WAV header declares a sample rate of 0 Hz");
    }
    return FileError(name,
                     std::string("not a sound file libsndfile can read (") +
                         sf_strerror(nullptr) + ")");
  }
  if (info.samplerate <= 0) {
    return FileError(name, "the header declares a sample rate of " +
                               std::to_string(info.samplerate) + " Hz");
  }
  if (info.channels <= 0)
    return FileError(name, "the header declares 0 channels");
  return f;
}

Result<SfHandle> Open(const std::string& path, SF_INFO* info) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotFound(path + ": no such file");
  if (S_ISDIR(st.st_mode))
    return FileError(path, "is a directory, not a sound file");
  if (st.st_size == 0) return FileError(path, "empty file (0 bytes)");
  std::memset(info, 0, sizeof(*info));
  SfHandle f(sf_open(path.c_str(), SFM_READ, info));
  const bool zero_rate = f == nullptr && WavFileHasZeroRate(path);
  return Checked(std::move(f), *info, path, zero_rate);
}

// A read-only file in memory for sf_open_virtual.
struct MemoryFile {
  const uint8_t* data;
  sf_count_t size;
  sf_count_t pos;
};

MemoryFile* Mem(void* user) { return static_cast<MemoryFile*>(user); }

sf_count_t MemLength(void* user) { return Mem(user)->size; }

// Positions outside [0, size] are clamped (reads past the end give 0 bytes).
sf_count_t MemSeek(sf_count_t offset, int whence, void* user) {
  MemoryFile* m = Mem(user);
  sf_count_t base = whence == SEEK_CUR   ? m->pos
                    : whence == SEEK_END ? m->size
                                         : 0;
  if (offset < -base) {
    base = 0;
    offset = 0;
  }
  m->pos = offset > m->size - base ? m->size : base + offset;
  return m->pos;
}

sf_count_t MemRead(void* ptr, sf_count_t count, void* user) {
  MemoryFile* m = Mem(user);
  const sf_count_t n = count < m->size - m->pos ? count : m->size - m->pos;
  if (n <= 0) return 0;
  std::memcpy(ptr, m->data + m->pos, static_cast<size_t>(n));
  m->pos += n;
  return n;
}

sf_count_t MemWrite(const void*, sf_count_t, void*) { return 0; }

sf_count_t MemTell(void* user) { return Mem(user)->pos; }

// Takes mono chunks at the file's rate and appends them to `out` at the target
// rate: copied when the rates agree, else streamed through libsoxr, so a long
// file never sits in memory at its source rate.
class MonoSink {
 public:
  MonoSink(int in_rate, int out_rate, std::vector<float>* out)
      : ratio_(static_cast<double>(out_rate) / in_rate), out_(out) {
    if (in_rate == out_rate) return;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_ = soxr_create(in_rate, out_rate, 1, &error_, &io, &q, nullptr);
  }
  ~MonoSink() {
    if (soxr_ != nullptr) soxr_delete(soxr_);
  }
  MonoSink(const MonoSink&) = delete;
  MonoSink& operator=(const MonoSink&) = delete;

  soxr_error_t error() const { return error_; }

  soxr_error_t Put(const float* x, size_t n) {
    if (soxr_ == nullptr) {
      out_->insert(out_->end(), x, x + n);
      return nullptr;
    }
    tmp_.resize(static_cast<size_t>(n * ratio_) + 1024);
    while (n > 0) {
      size_t used = 0, made = 0;
      error_ =
          soxr_process(soxr_, x, n, &used, tmp_.data(), tmp_.size(), &made);
      if (error_ != nullptr) return error_;
      if (used == 0 && made == 0) return "no progress";
      out_->insert(out_->end(), tmp_.begin(), tmp_.begin() + made);
      x += used;
      n -= used;
    }
    return nullptr;
  }
  // End of the audio: drains the filter's delay line.
  soxr_error_t Flush() {
    tmp_.resize(4096);
    for (;;) {
      size_t made = 0;
      error_ = soxr_process(soxr_, nullptr, 0, nullptr, tmp_.data(),
                            tmp_.size(), &made);
      if (error_ != nullptr || made == 0) return error_;
      out_->insert(out_->end(), tmp_.begin(), tmp_.begin() + made);
    }
  }
  bool resampling() const { return soxr_ != nullptr; }

 private:
  double ratio_;
  std::vector<float>* out_;
  soxr_t soxr_ = nullptr;
  soxr_error_t error_ = nullptr;
  std::vector<float> tmp_;
};

// Decodes every frame, averages the channels and hands mono chunks to `sink`;
// *frames counts the frames decoded.
Status DecodeMono(const std::string& path, SNDFILE* f, const SF_INFO& info,
                  int64_t max_frames, MonoSink& sink, int64_t* frames) {
  const int ch = info.channels;
  std::vector<float> buf(static_cast<size_t>(kChunkFrames) * ch);
  std::vector<float> mono(kChunkFrames);
  *frames = 0;
  for (;;) {
    const sf_count_t k = sf_readf_float(f, buf.data(), kChunkFrames);
    if (k <= 0) break;
    if (k > max_frames - *frames) {
      char limit[64];
      std::snprintf(limit, sizeof(limit), "%g s",
                    static_cast<double>(max_frames) / info.samplerate);
      return FileError(path, std::string("longer than the limit of ") + limit);
    }
    for (sf_count_t i = 0; i < k; ++i) {
      const float* frame = buf.data() + i * ch;
      float sum = 0.f;
      for (int c = 0; c < ch; ++c) sum += frame[c];
      if (!std::isfinite(sum)) {
        const int64_t at = *frames + i;
        char when[80];
        std::snprintf(when, sizeof(when), "%.3f s (frame %lld)",
                      static_cast<double>(at) / info.samplerate,
                      static_cast<long long>(at));
        return FileError(path, std::string("sample at ") + when +
                                   " is not a finite number (NaN or infinity)");
      }
      mono[i] = ch == 1 ? sum : sum / ch;
    }
    if (soxr_error_t e = sink.Put(mono.data(), k)) {
      return Internal(path + ": libsoxr failed: " + e);
    }
    *frames += k;
  }
  if (sf_error(f) != SF_ERR_NO_ERROR) {
    return FileError(path,
                     "decoding failed after " + std::to_string(*frames) +
                         " frames (truncated or damaged): " + sf_strerror(f));
  }
  std::string detail;
  if (LogShowsTruncatedData(f, &detail))
    return FileError(path, "truncated: " + detail);
  if (info.frames > 0 && *frames < info.frames && info.frames != SF_COUNT_MAX) {
    return FileError(path, "truncated: the header declares " +
                               std::to_string(info.frames) + " frames, " +
                               std::to_string(*frames) + " were decoded");
  }
  if (*frames == 0) return FileError(path, "contains no audio frames");
  if (sink.resampling()) {
    if (soxr_error_t e = sink.Flush()) {
      return Internal(path + ": libsoxr failed: " + e);
    }
  }
  return Status::Ok();
}

// Finite input can resample to infinity: float samples near the float limit
// (legal in a float WAV) overshoot through the filter's ringing. Such output
// would turn every feature it touches into NaN, so it is an error naming
// where it happens.
Status CheckResampled(const std::string& name, const std::vector<float>& pcm,
                      int rate) {
  for (size_t i = 0; i < pcm.size(); ++i) {
    if (std::isfinite(pcm[i])) continue;
    char when[80];
    std::snprintf(when, sizeof(when), "%.3f s", static_cast<double>(i) / rate);
    return InvalidArgument(name + ": sample values too large: resampling to " +
                           std::to_string(rate) +
                           " Hz overflows the float range at " + when);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<float>> ResampleMono(const float* pcm, int64_t n,
                                        int in_rate, int out_rate,
                                        const std::string& what) {
  if (in_rate <= 0 || out_rate <= 0) {
    return InvalidArgument(what + ": resampling needs positive rates, got " +
                           std::to_string(in_rate) + " -> " +
                           std::to_string(out_rate));
  }
  if (in_rate == out_rate) return std::vector<float>(pcm, pcm + n);
  const double ratio = static_cast<double>(out_rate) / in_rate;
  // soxr's one-shot call flushes its filter: the output has round(n * ratio)
  // samples.
  std::vector<float> out(static_cast<size_t>(std::llround(n * ratio)) + 16);
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  size_t done = 0;
  const soxr_error_t err =
      soxr_oneshot(in_rate, out_rate, 1, pcm, n, nullptr, out.data(),
                   out.size(), &done, &io, &q, nullptr);
  if (err != nullptr) return Internal(what + ": libsoxr failed: " + err);
  out.resize(done);
  EM_RETURN_IF_ERROR(CheckResampled(what, out, out_rate));
  return out;
}

namespace {

// Decodes an opened file (both entry points): downmix, resample, checks.
Result<SoundData> DecodeOpened(const std::string& name, SNDFILE* f,
                               const SF_INFO& info, int target_rate,
                               double max_seconds) {
  const double limit = max_seconds * info.samplerate;
  const int64_t max_frames =
      limit < 9e18 ? static_cast<int64_t>(limit) : INT64_MAX;
  SoundData d;
  d.info.source_rate = info.samplerate;
  d.info.channels = info.channels;
  d.info.format = FormatName(info.format);
  MonoSink sink(info.samplerate, target_rate, &d.samples);
  if (sink.error() != nullptr) {
    return Internal(name + ": libsoxr failed: " + sink.error());
  }
  // Room for the result up front from the header's frame count, within the
  // limit and at most kMaxReserve samples: a header can declare any length.
  if (info.frames > 0) {
    const double want = static_cast<double>(std::min(info.frames, max_frames)) *
                            target_rate / info.samplerate +
                        64;
    d.samples.reserve(static_cast<size_t>(std::min(want, kMaxReserve)));
  }
  EM_RETURN_IF_ERROR(
      DecodeMono(name, f, info, max_frames, sink, &d.info.source_frames));
  if (sink.resampling()) {
    EM_RETURN_IF_ERROR(CheckResampled(name, d.samples, target_rate));
  }
  if (d.samples.empty()) {  // e.g. one frame at 1 GHz
    return FileError(
        name, "too short: " + std::to_string(d.info.source_frames) +
                  " frames at " + std::to_string(info.samplerate) +
                  " Hz give no sample at " + std::to_string(target_rate) +
                  " Hz");
  }
  return d;
}

Status CheckArgs(const std::string& name, int target_rate, double max_seconds) {
  if (target_rate <= 0) {
    return InvalidArgument(name +
                           ": the target sample rate must be positive, got " +
                           std::to_string(target_rate));
  }
  if (!(max_seconds > 0)) {
    return InvalidArgument(name + ": the length limit must be positive");
  }
  return Status::Ok();
}

}  // namespace

Result<SoundData> ReadSoundFile(const std::string& path, int target_rate,
                                double max_seconds) {
  EM_RETURN_IF_ERROR(CheckArgs(path, target_rate, max_seconds));
  SF_INFO info;
  EM_ASSIGN_OR_RETURN(SfHandle f, Open(path, &info));
  return DecodeOpened(path, f.get(), info, target_rate, max_seconds);
}

Result<SoundData> DecodeSoundFile(const uint8_t* data, size_t size,
                                  const std::string& name, int target_rate,
                                  double max_seconds) {
  EM_RETURN_IF_ERROR(CheckArgs(name, target_rate, max_seconds));
  if (size == 0) return FileError(name, "empty file (0 bytes)");
  MemoryFile mem{data, static_cast<sf_count_t>(size), 0};
  SF_VIRTUAL_IO io{MemLength, MemSeek, MemRead, MemWrite, MemTell};
  SF_INFO info;
  std::memset(&info, 0, sizeof(info));
  SfHandle f(sf_open_virtual(&io, SFM_READ, &info, &mem));
  const bool zero_rate = f == nullptr && WavHeaderHasZeroRate(data, size);
  EM_ASSIGN_OR_RETURN(f, Checked(std::move(f), info, name, zero_rate));
  return DecodeOpened(name, f.get(), info, target_rate, max_seconds);
}

Status WriteWavF32(const std::string& path, const float* pcm, int64_t n,
                   int rate) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SfHandle f(sf_open(path.c_str(), SFM_WRITE, &info));
  if (f == nullptr)
    return IoError(path + ": cannot create (" + sf_strerror(nullptr) + ")");
  if (sf_writef_float(f.get(), pcm, n) != n) {
    return IoError(path + ": write failed (" + sf_strerror(f.get()) + ")");
  }
  return Status::Ok();
}

}  // namespace edgemma::media
