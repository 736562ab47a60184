// Log-mel front end (see log_mel.h for the contract). Numerics follow the
// reference: the windowed frame is a float32 product, the FFT, magnitude, mel
// projection and log are float64 (the golden is float64 numpy; a float32 FFT is
// off by up to 7e-3 in near-floor bins of pure tones), the result is rounded to
// float32.
#include "core/audio/log_mel.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace edgemma {
namespace {

constexpr size_t kAlign = 64;

size_t AlignUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// Filter bank bounds: bin k lies strictly inside at most two consecutive
// triangles, so the contiguous nonzero ranges sum to at most 2 * n_bins (+ 2
// per filter for the range ends).
size_t MelWeightsBound(const LogMelParams& p) {
  return 2 * static_cast<size_t>(p.fft_length / 2 + 1) +
         2 * static_cast<size_t>(p.n_mels);
}

// Byte offsets of every table inside the one buffer (Init and RequiredBytes
// agree on them).
struct Layout {
  size_t window, twiddle, bitrev, mel_weights, mel_first, mel_n, mel_off, frame,
      fft, mag, pad, total;
};

Layout MakeLayout(const LogMelParams& p) {
  const size_t half = p.fft_length / 2, bins = half + 1, mels = p.n_mels;
  Layout l{};
  size_t at = 0;
  auto take = [&at](size_t bytes) {
    const size_t off = at;
    at += AlignUp(bytes);
    return off;
  };
  l.window = take(sizeof(float) * p.frame_length);
  l.twiddle = take(sizeof(double) * 2 * half);
  l.bitrev = take(sizeof(int32_t) * half);
  l.mel_weights = take(sizeof(double) * MelWeightsBound(p));
  l.mel_first = take(sizeof(int32_t) * mels);
  l.mel_n = take(sizeof(int32_t) * mels);
  l.mel_off = take(sizeof(int32_t) * mels);
  l.frame = take(sizeof(float) * p.fft_length);
  l.fft = take(sizeof(double) * 2 * (half + 1));
  l.mag = take(sizeof(double) * bins);
  l.pad = take(sizeof(float) * (p.frame_length + 1));
  l.total = at;
  return l;
}

double HzToMel(double f) { return 2595.0 * std::log10(1.0 + f / 700.0); }
double MelToHz(double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); }

// In-place radix-2 complex FFT of size m on interleaved (re, im) doubles; `tw`
// holds exp(-2 pi i k / (2 m)) for k < m, so stage `len` uses every (2m /
// len)-th entry.
void ComplexFft(double* z, int m, const double* tw, const int32_t* bitrev) {
  for (int i = 0; i < m; ++i) {
    const int j = bitrev[i];
    if (j > i) {
      std::swap(z[2 * i], z[2 * j]);
      std::swap(z[2 * i + 1], z[2 * j + 1]);
    }
  }
  for (int len = 2; len <= m; len <<= 1) {
    const int half = len / 2, stride = 2 * m / len;
    for (int base = 0; base < m; base += len) {
      double* a = z + 2 * base;
      double* b = a + 2 * half;
      for (int j = 0; j < half; ++j) {
        const double wr = tw[2 * j * stride], wi = tw[2 * j * stride + 1];
        const double br = b[2 * j] * wr - b[2 * j + 1] * wi;
        const double bi = b[2 * j] * wi + b[2 * j + 1] * wr;
        b[2 * j] = a[2 * j] - br;
        b[2 * j + 1] = a[2 * j + 1] - bi;
        a[2 * j] += br;
        a[2 * j + 1] += bi;
      }
    }
  }
}

}  // namespace

LogMel::~LogMel() { std::free(owned_); }

size_t LogMel::RequiredBytes(const LogMelParams& p) {
  return MakeLayout(p).total;
}

Status LogMel::Init(const LogMelParams& p, void* buffer, size_t bytes) {
  EM_RETURN_IF_ERROR(ValidateLogMelParams(p));
  const Layout l = MakeLayout(p);
  uint8_t* base = static_cast<uint8_t*>(buffer);
  if (base != nullptr) {
    if (bytes < l.total) {
      return ArenaFull("log-mel: buffer of " + std::to_string(bytes) +
                       " bytes, need " + std::to_string(l.total));
    }
    if (reinterpret_cast<uintptr_t>(base) % kAlign != 0) {
      return InvalidArgument("log-mel: buffer must be 64-byte aligned");
    }
  } else {
    std::free(owned_);
    owned_ = std::aligned_alloc(kAlign, l.total);
    if (owned_ == nullptr)
      return OutOfMemory("log-mel: tables of " + std::to_string(l.total));
    base = static_cast<uint8_t*>(owned_);
  }
  p_ = p;
  window_ = reinterpret_cast<float*>(base + l.window);
  twiddle_ = reinterpret_cast<double*>(base + l.twiddle);
  bitrev_ = reinterpret_cast<int32_t*>(base + l.bitrev);
  mel_weights_ = reinterpret_cast<double*>(base + l.mel_weights);
  mel_first_bin_ = reinterpret_cast<int32_t*>(base + l.mel_first);
  mel_n_bins_ = reinterpret_cast<int32_t*>(base + l.mel_n);
  mel_offset_ = reinterpret_cast<int32_t*>(base + l.mel_off);
  frame_ = reinterpret_cast<float*>(base + l.frame);
  fft_ = reinterpret_cast<double*>(base + l.fft);
  mag_ = reinterpret_cast<double*>(base + l.mag);
  pad_ = reinterpret_cast<float*>(base + l.pad);
  n_bins_ = p.fft_length / 2 + 1;
  const double gain = std::fabs(p.input_scale) * (1 + std::fabs(p.preemphasis));
  max_abs_ = gain > 0 ? FLT_MAX / gain / (1 + 0x1p-20) : HUGE_VAL;

  // Periodic Hann, float32 (reference _periodic_hann).
  const int L = p.frame_length;
  for (int n = 0; n < L; ++n) {
    if (p.window_float32_cos) {
      const float x =
          2.0f * static_cast<float>(M_PI) * static_cast<float>(n) / L;
      window_[n] = 0.5f * (1.0f - std::cos(x));
    } else {
      // numpy.hanning(L + 1)[:L] evaluates 0.5 + 0.5 cos(pi (2n - L) / L) in
      // float64.
      window_[n] =
          static_cast<float>(0.5 + 0.5 * std::cos(M_PI * (2 * n - L) / L));
    }
  }
  // FFT tables: the complex FFT has m = fft_length / 2 points (real FFT by
  // packing).
  const int N = p.fft_length, m = N / 2;
  for (int k = 0; k < m; ++k) {
    twiddle_[2 * k] = std::cos(2.0 * M_PI * k / N);
    twiddle_[2 * k + 1] = -std::sin(2.0 * M_PI * k / N);
  }
  int bits = 0;
  while ((1 << bits) < m) ++bits;
  for (int i = 0; i < m; ++i) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitrev_[i] = r;
  }
  BuildMelFilters();
  return Status::Ok();
}

// HTK triangles without normalisation (reference mel_filter_bank), stored per
// filter as its contiguous nonzero bin range.
void LogMel::BuildMelFilters() {
  const int mels = p_.n_mels;
  const double lo = HzToMel(p_.min_frequency), hi = HzToMel(p_.max_frequency);
  const double nyquist = static_cast<double>(p_.sample_rate / 2);
  int32_t used = 0;
  for (int m = 0; m < mels; ++m) {
    // numpy.linspace: start + i * step, the last point exactly `hi`.
    auto edge = [&](int i) {
      const double mel = i == mels + 1 ? hi : lo + i * ((hi - lo) / (mels + 1));
      return MelToHz(mel);
    };
    const double e0 = edge(m), e1 = edge(m + 1), e2 = edge(m + 2);
    mel_first_bin_[m] = 0;
    mel_n_bins_[m] = 0;
    mel_offset_[m] = used;
    for (int64_t k = 0; k < n_bins_; ++k) {
      const double f =
          k == n_bins_ - 1 ? nyquist : k * (nyquist / (n_bins_ - 1));
      const double w =
          std::max(0.0, std::min((f - e0) / (e1 - e0), (e2 - f) / (e2 - e1)));
      if (w <= 0.0) continue;
      if (mel_n_bins_[m] == 0) mel_first_bin_[m] = static_cast<int32_t>(k);
      const int32_t idx = static_cast<int32_t>(k) - mel_first_bin_[m];
      for (int32_t z = mel_n_bins_[m]; z < idx; ++z)
        mel_weights_[used + z] = 0.0;
      mel_weights_[used + idx] = w;
      mel_n_bins_[m] = idx + 1;
    }
    used += mel_n_bins_[m];
  }
}

void LogMel::ComputeFrame(const float* window, float* out) {
  const int L = p_.frame_length, N = p_.fft_length, m = N / 2;
  const float scale = static_cast<float>(p_.input_scale);
  const float a = static_cast<float>(p_.preemphasis);
  float* fr = frame_;  // [fft_length]: float32 windowed samples, zero tail
  if (a == 0.0f) {
    for (int j = 0; j < L; ++j) fr[j] = (window[j] * scale) * window_[j];
  } else if (p_.preemphasis_htk) {
    fr[0] = (window[0] * scale) * (1.0f - a) * window_[0];
    for (int j = 1; j < L; ++j) {
      fr[j] = ((window[j] * scale) - a * (window[j - 1] * scale)) * window_[j];
    }
  } else {
    for (int j = 0; j < L; ++j) {
      fr[j] = ((window[j + 1] * scale) - a * (window[j] * scale)) * window_[j];
    }
  }
  std::memset(fr + L, 0, sizeof(float) * (N - L));
  // Real FFT of N points as a complex FFT of m = N/2 points: z[n] = x[2n] + i
  // x[2n+1].
  double* z = fft_;
  for (int n = 0; n < m; ++n) {
    z[2 * n] = fr[2 * n];
    z[2 * n + 1] = fr[2 * n + 1];
  }
  ComplexFft(z, m, twiddle_, bitrev_);
  // Split: X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] -
  // conj Z[m-k]) / 2i.
  mag_[0] = std::fabs(z[0] + z[1]);
  mag_[m] = std::fabs(z[0] - z[1]);
  for (int k = 1; k < m; ++k) {
    const double zr = z[2 * k], zi = z[2 * k + 1];
    const double cr = z[2 * (m - k)], ci = -z[2 * (m - k) + 1];
    const double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
    const double dr = 0.5 * (zr - cr), di = 0.5 * (zi - ci);
    const double or_ = di, oi = -dr;  // (d) / i
    const double wr = twiddle_[2 * k], wi = twiddle_[2 * k + 1];
    const double xr = er + (or_ * wr - oi * wi), xi = ei + (or_ * wi + oi * wr);
    mag_[k] = std::sqrt(xr * xr + xi * xi);
  }
  const bool mean = !p_.per_bin_mean.empty(),
             stddev = !p_.per_bin_stddev.empty();
  for (int mel = 0; mel < p_.n_mels; ++mel) {
    const double* w = mel_weights_ + mel_offset_[mel];
    const double* s = mag_ + mel_first_bin_[mel];
    double e = 0.0;
    for (int32_t k = 0; k < mel_n_bins_[mel]; ++k) e += s[k] * w[k];
    double v = std::log(e + p_.mel_floor);
    if (mean) v -= p_.per_bin_mean[mel];
    if (stddev) v /= p_.per_bin_stddev[mel];
    out[mel] = static_cast<float>(v);
  }
}

namespace {

// Non-finite samples, and finite ones so large that the float32 input scale
// and preemphasis would overflow (LogMel::max_abs_sample), are errors: they
// would make NaN features.
Status CheckSamples(const float* pcm, int64_t n, int64_t first_index,
                    double max_abs) {
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(pcm[i])) {
      return InvalidArgument("audio: sample " +
                             std::to_string(first_index + i) +
                             " is not a finite number (NaN or infinity)");
    }
    if (std::fabs(pcm[i]) > max_abs) {
      char what[160];
      std::snprintf(what, sizeof(what),
                    " is %g, beyond the %g the front end's input_scale_factor "
                    "and preemphasis allow",
                    pcm[i], max_abs);
      return InvalidArgument("audio: sample " +
                             std::to_string(first_index + i) + what);
    }
  }
  return Status::Ok();
}

}  // namespace

Status LogMel::Compute(const float* pcm, int64_t n, float* features,
                       uint8_t* mask) {
  if (n < 0) return InvalidArgument("log-mel: negative sample count");
  const int64_t n_real = LogMelKeptSamples(p_, n);
  EM_RETURN_IF_ERROR(CheckSamples(pcm, n_real, 0, max_abs_));
  const int64_t frames = LogMelFrames(p_, n);
  const int64_t valid = LogMelMaskFrames(p_, n);
  const int64_t lead = p_.frame_length / 2, span = p_.frame_length + 1;
  const int mels = p_.n_mels;
  for (int64_t t = 0; t < valid; ++t) {
    const int64_t start =
        t * p_.hop_length - lead;  // original index of window[0]
    const float* w = pcm + start;
    if (start < 0) {  // the window reaches into the semicausal zeros
      std::memset(pad_, 0, sizeof(float) * (-start));
      std::memcpy(pad_ - start, pcm, sizeof(float) * (span + start));
      w = pad_;
    }
    ComputeFrame(w, features + t * mels);
  }
  // An empty clip has no frames and may come with null buffers: no memset
  // of zero bytes through a null pointer (undefined behaviour).
  if (frames > valid) {
    std::memset(features + valid * mels, 0,
                sizeof(float) * (frames - valid) * mels);
  }
  if (mask != nullptr && frames > 0) {
    std::memset(mask, 1, valid);
    std::memset(mask + valid, 0, frames - valid);
  }
  return Status::Ok();
}

LogMelStream::~LogMelStream() { std::free(owned_); }

size_t LogMelStream::HistoryBytes(const LogMelParams& p) {
  return sizeof(float) * static_cast<size_t>(p.frame_length + 1);
}

Status LogMelStream::Init(LogMel* mel, float* history) {
  if (mel == nullptr || mel->window_ == nullptr) {
    return InvalidArgument("log-mel stream: the LogMel is not initialised");
  }
  mel_ = mel;
  std::free(owned_);
  owned_ = nullptr;
  hist_ = history;
  if (hist_ == nullptr) {
    owned_ = static_cast<float*>(std::malloc(HistoryBytes(mel->p_)));
    if (owned_ == nullptr) return OutOfMemory("log-mel stream: sample history");
    hist_ = owned_;
  }
  Reset();
  return Status::Ok();
}

void LogMelStream::Reset() {
  const int64_t lead = mel_->p_.frame_length / 2;
  std::memset(hist_, 0,
              sizeof(float) * lead);  // semicausal zeros before sample 0
  hist_len_ = lead;
  n_real_ = next_frame_ = dropped_ = 0;
  finished_ = false;
}

int64_t LogMelStream::MaxFramesForPush(int64_t n) const {
  return std::max<int64_t>(n, 0) / mel_->p_.hop_length + 1;
}

int64_t LogMelStream::MaxFramesForFinish() const {
  return std::max<int64_t>(LogMelFrames(mel_->p_, n_real_) - next_frame_, 0);
}

Result<int64_t> LogMelStream::Push(const float* pcm, int64_t n, float* features,
                                   uint8_t* mask, int64_t max_frames) {
  const LogMelParams& p = mel_->p_;
  if (finished_)
    return InvalidArgument("log-mel stream: Push after Finish (call Reset)");
  if (n < 0) return InvalidArgument("log-mel stream: negative sample count");
  const int64_t accept = LogMelKeptSamples(p, n_real_ + n) - n_real_;
  const int64_t span = p.frame_length + 1, hop = p.hop_length;
  const int64_t ready =
      hist_len_ + accept >= span ? (hist_len_ + accept - span) / hop + 1 : 0;
  if (ready > max_frames) {
    return InvalidArgument("log-mel stream: room for " +
                           std::to_string(max_frames) +
                           " frames, this push makes " + std::to_string(ready));
  }
  EM_RETURN_IF_ERROR(CheckSamples(pcm, accept, n_real_, mel_->max_abs_));
  int64_t done = 0, used = 0;
  while (used < accept) {
    const int64_t c = std::min(accept - used, span - hist_len_);
    std::memcpy(hist_ + hist_len_, pcm + used, sizeof(float) * c);
    hist_len_ += c;
    used += c;
    if (hist_len_ < span) break;
    mel_->ComputeFrame(hist_, features + done * p.n_mels);
    if (mask != nullptr) mask[done] = 1;
    ++done;
    ++next_frame_;
    std::memmove(hist_, hist_ + hop, sizeof(float) * (span - hop));
    hist_len_ -= hop;
  }
  n_real_ += accept;
  dropped_ += n - accept;
  return done;
}

Result<int64_t> LogMelStream::Finish(float* features, uint8_t* mask,
                                     int64_t max_frames) {
  if (finished_)
    return InvalidArgument("log-mel stream: Finish called twice (call Reset)");
  const int64_t rest = MaxFramesForFinish();
  if (rest > max_frames) {
    return InvalidArgument("log-mel stream: room for " +
                           std::to_string(max_frames) +
                           " frames, Finish makes " + std::to_string(rest));
  }
  std::memset(features, 0, sizeof(float) * rest * mel_->p_.n_mels);
  if (mask != nullptr) std::memset(mask, 0, rest);
  next_frame_ += rest;
  finished_ = true;
  return rest;
}

}  // namespace edgemma
