// Sound files: unusual but valid files (8 channels, 24-bit, 8 kHz, 192 kHz,
// float, double, FLAC, Ogg Vorbis, MP3 where libsndfile can write it) decode to
// the expected 16 kHz mono signal; broken ones (missing, empty, 0 Hz, 0
// channels, truncated WAV/FLAC, text, header only, NaN/Inf samples) give an
// error naming the file and the problem. Every file is generated here with
// libsndfile itself.
#include "media/sound_file.h"

#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/test_dir.h"

namespace edgemma::media {
namespace {

constexpr double kTone = 440.0;

double Tone(double t) { return 0.5 * std::sin(2 * M_PI * kTone * t); }

// Writes `seconds` of the tone: channel c carries tone * 2(c+1)/(ch+1), so the
// channel mean is the tone itself (a downmix that is not the mean shows up as a
// wrong amplitude).
bool WriteTone(const std::string& path, int format, int rate, int channels,
               double seconds) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) return false;
  const int64_t n = static_cast<int64_t>(seconds * rate);
  std::vector<double> buf(n * channels);
  for (int64_t i = 0; i < n; ++i) {
    for (int c = 0; c < channels; ++c) {
      buf[i * channels + c] =
          Tone(static_cast<double>(i) / rate) * 2.0 * (c + 1) / (channels + 1);
    }
  }
  const bool ok = sf_writef_double(f, buf.data(), n) == n;
  sf_close(f);
  return ok;
}

// Decodes `path` and checks length and content against the 16 kHz tone (edges
// skipped: the resampler's filter starts and ends on silence).
void ExpectTone(const std::string& path, int rate, double seconds, double tol) {
  auto d = ReadSoundFile(path, 16000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->info.source_rate, rate);
  const int64_t want =
      std::llround(static_cast<int64_t>(seconds * rate) * 16000.0 / rate);
  EXPECT_NEAR(static_cast<double>(d->samples.size()), want, 1.0) << path;
  double worst = 0;
  for (size_t i = 800; i + 800 < d->samples.size(); ++i) {
    worst = std::max(worst, std::fabs(d->samples[i] - Tone(i / 16000.0)));
  }
  EXPECT_LT(worst, tol) << path << " (" << d->info.format << ")";
  // The same bytes decoded from memory give the same samples.
  const std::string bytes = test::ReadText(path);
  auto m = DecodeSoundFile(reinterpret_cast<const uint8_t*>(bytes.data()),
                           bytes.size(), "in-memory", 16000);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->info.format, d->info.format);
  EXPECT_EQ(m->samples, d->samples) << path << " from memory";
}

class SoundFileTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const {
    return dir_.path() + "/" + name;
  }
  test::TempDir dir_;
};

TEST_F(SoundFileTest, UnusualButValidFiles) {
  struct Case {
    const char* name;
    int format, rate, channels;
    double tol;
  } cases[] = {
      {"mono16k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, 1e-4},
      {"eight_ch_24bit.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 8, 2e-3},
      {"narrow_8k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 2e-3},
      {"wide_192k_float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 192000, 2, 2e-3},
      {"double_44k.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 44100, 3, 2e-3},
      {"unsigned8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 22050, 1, 2e-2},
      {"stereo.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 2, 2e-3},
      {"vorbis.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050, 1, 5e-2},
      {"big.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_32, 11025, 1, 2e-3},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(WriteTone(Path(c.name), c.format, c.rate, c.channels, 0.7))
        << c.name;
    ExpectTone(Path(c.name), c.rate, 0.7, c.tol);
  }
}

// ReadSoundFile resamples chunk by chunk (the file never sits in memory at its
// own rate): the result equals the one-shot resampling of the whole signal.
TEST_F(SoundFileTest, ChunkedResamplingEqualsOneShot) {
  ASSERT_TRUE(WriteTone(Path("long.wav"), SF_FORMAT_WAV | SF_FORMAT_FLOAT,
                        44100, 2, 3.3));  // ~4.4 decode chunks
  auto native = ReadSoundFile(Path("long.wav"), 44100);
  ASSERT_TRUE(native.ok()) << native.status().ToString();
  auto chunked = ReadSoundFile(Path("long.wav"), 16000);
  ASSERT_TRUE(chunked.ok()) << chunked.status().ToString();
  auto whole = ResampleMono(native->samples.data(), native->samples.size(),
                            44100, 16000, "x");
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(chunked->samples.size(), whole->size());
  double worst = 0;
  for (size_t i = 0; i < whole->size(); ++i) {
    worst =
        std::max(worst, double{std::fabs(chunked->samples[i] - (*whole)[i])});
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_EQ(chunked->info.source_frames, static_cast<int64_t>(3.3 * 44100));
}

TEST_F(SoundFileTest, Mp3WhereLibsndfileSupportsIt) {
  const int mp3 = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  if (!WriteTone(Path("x.mp3"), mp3, 44100, 1, 1.0)) {
    GTEST_SKIP() << "this libsndfile cannot write MP3 (no LAME)";
  }
  auto d = ReadSoundFile(Path("x.mp3"), 16000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  // MP3 adds encoder delay/padding: check the length roughly and the level.
  EXPECT_NEAR(d->samples.size(), 16000.0, 2000.0);
  double energy = 0;
  for (float v : d->samples) energy += v * v;
  EXPECT_NEAR(std::sqrt(energy / d->samples.size()), 0.5 / std::sqrt(2.0),
              0.05);
}

TEST_F(SoundFileTest, ClippedAndSilentAreFine) {
  std::vector<float> pcm(4000);
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = (i % 50 < 25) ? 1.5f : -1.5f;
  ASSERT_TRUE(
      WriteWavF32(Path("clipped.wav"), pcm.data(), pcm.size(), 16000).ok());
  auto d = ReadSoundFile(Path("clipped.wav"), 16000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->samples,
            pcm);  // float files are not clamped (the reference does not clamp)
  std::vector<float> zeros(1600, 0.f);
  ASSERT_TRUE(
      WriteWavF32(Path("silent.wav"), zeros.data(), zeros.size(), 16000).ok());
  d = ReadSoundFile(Path("silent.wav"), 16000);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->samples, zeros);
}

// Writers that stream (a pipe, a recorder) cannot know the length and put
// 0xFFFFFFFF in the RIFF and data sizes: that is not truncation.
TEST_F(SoundFileTest, StreamingWavHeaderIsNotTruncation) {
  ASSERT_TRUE(WriteTone(Path("ok.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000,
                        1, 0.5));
  std::string wav = test::ReadText(Path("ok.wav"));
  ASSERT_EQ(wav.substr(36, 4), "data");
  wav.replace(4, 4, std::string(4, '\xff'));
  wav.replace(40, 4, std::string(4, '\xff'));
  test::WriteText(Path("streamed.wav"), wav);
  auto d = ReadSoundFile(Path("streamed.wav"), 16000);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->samples.size(), 8000u);
}

// The error must name the file and contain `problem`.
void ExpectError(const std::string& path, const std::string& problem) {
  auto d = ReadSoundFile(path, 16000);
  ASSERT_FALSE(d.ok()) << path;
  EXPECT_NE(d.status().message().find(path), std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find(problem), std::string::npos)
      << d.status().message();
  // A file's bytes decoded from memory fail the same way, naming the source.
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return;
  const std::string bytes = test::ReadText(path);
  auto m = DecodeSoundFile(reinterpret_cast<const uint8_t*>(bytes.data()),
                           bytes.size(), "<stdin>", 16000);
  ASSERT_FALSE(m.ok()) << path << " from memory";
  EXPECT_EQ(m.status().message().rfind("<stdin>: ", 0), 0u)
      << m.status().message();
  EXPECT_NE(m.status().message().find(problem), std::string::npos)
      << m.status().message();
}

TEST_F(SoundFileTest, BrokenFilesGiveClearErrors) {
  ExpectError(Path("missing.wav"), "no such file");
  ExpectError(dir_.path(), "directory");
  test::WriteText(Path("empty.wav"), "");
  ExpectError(Path("empty.wav"), "empty file");
  test::WriteText(Path("text.wav"), "hello, this is not audio at all\n");
  ExpectError(Path("text.wav"), "not a sound file");
  ASSERT_TRUE(WriteTone(Path("ok.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000,
                        1, 1.0));
  const std::string wav = test::ReadText(Path("ok.wav"));
  std::string zero_hz = wav;
  zero_hz.replace(24, 4, std::string(4, '\0'));
  test::WriteText(Path("zero_hz.wav"), zero_hz);
  ExpectError(Path("zero_hz.wav"), "0 Hz");
  std::string zero_ch = wav;
  zero_ch.replace(22, 2, std::string(2, '\0'));
  test::WriteText(Path("zero_ch.wav"), zero_ch);
  ExpectError(Path("zero_ch.wav"), "");
  test::WriteText(Path("cut.wav"), wav.substr(0, wav.size() / 2));
  ExpectError(Path("cut.wav"), "truncated");
  test::WriteText(Path("header_only.wav"), wav.substr(0, 44));
  ExpectError(Path("header_only.wav"), "truncated");
  ASSERT_TRUE(WriteTone(Path("ok.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
                        16000, 1, 2.0));
  const std::string flac = test::ReadText(Path("ok.flac"));
  test::WriteText(Path("cut.flac"), flac.substr(0, flac.size() / 2));
  ExpectError(Path("cut.flac"), "truncated");
  std::vector<float> none;
  ASSERT_TRUE(WriteWavF32(Path("no_frames.wav"), none.data(), 0, 16000).ok());
  ExpectError(Path("no_frames.wav"), "no audio frames");
}

TEST_F(SoundFileTest, NonFiniteSamplesAreRejected) {
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    std::vector<float> pcm(8000, 0.1f);
    pcm[4000] = bad;
    ASSERT_TRUE(
        WriteWavF32(Path("bad.wav"), pcm.data(), pcm.size(), 8000).ok());
    ExpectError(Path("bad.wav"), "0.500 s");
  }
}

// Found by fuzz_sound_file (tests/fuzz/corpus/sound_file/regress-*): finite
// float samples near the float limit overflow to infinity in the resampler;
// a header's frame count is not trusted for memory; a clip shorter than one
// output sample is not a success with no samples; a length limit bounds what
// a small compressed file may decode to.
TEST_F(SoundFileTest, HostileButFiniteFilesGiveClearErrors) {
  std::vector<float> huge(2205);
  for (size_t i = 0; i < huge.size(); ++i) huge[i] = i % 2 ? 3e38f : -3e38f;
  ASSERT_TRUE(
      WriteWavF32(Path("huge.wav"), huge.data(), huge.size(), 22050).ok());
  ExpectError(Path("huge.wav"), "sample values too large");
  std::vector<float> huge_copy(huge);
  EXPECT_FALSE(
      ResampleMono(huge_copy.data(), huge_copy.size(), 22050, 16000, "huge")
          .ok());
  // Kept as they are when no resampling is needed (the reference does not
  // clamp either).
  EXPECT_TRUE(ReadSoundFile(Path("huge.wav"), 22050).ok());

  const float one = 0.5f;
  ASSERT_TRUE(WriteWavF32(Path("one.wav"), &one, 1, 192000).ok());
  ExpectError(Path("one.wav"), "too short");

  ASSERT_TRUE(WriteTone(Path("two_s.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16,
                        8000, 1, 2.0));
  auto limited = ReadSoundFile(Path("two_s.flac"), 16000, 1.5);
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.status().message().find("longer than the limit of 1.5 s"),
            std::string::npos)
      << limited.status().message();
  EXPECT_TRUE(ReadSoundFile(Path("two_s.flac"), 16000, 2.0).ok());
  EXPECT_FALSE(ReadSoundFile(Path("two_s.flac"), 16000, 0).ok());
  EXPECT_FALSE(ReadSoundFile(Path("two_s.flac"), 0).ok());
}

TEST(Resample, LengthAndRates) {
  std::vector<float> pcm(44100, 0.25f);
  auto r = ResampleMono(pcm.data(), pcm.size(), 44100, 16000, "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 16000u);
  EXPECT_FALSE(ResampleMono(pcm.data(), pcm.size(), 0, 16000, "x").ok());
  auto same = ResampleMono(pcm.data(), 10, 16000, 16000, "x");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->size(), 10u);
}

}  // namespace
}  // namespace edgemma::media
