// The ALSA capture source without sound hardware: a `file` plugin PCM over
// the `null` PCM (defined in a test ~/.asoundrc) replays a raw file as the
// captured signal, unpaced. Checks the consumer-side conversion of every
// capture format (S16/S32/FLOAT) at other rates and channel counts -> float
// -> mono -> soxr to 16 kHz, the format fallback (a device that offers FLOAT
// only), ALSA's own conversion through a `plug` chain (as plughw: gives it),
// and that a bad device name is a clear error. Skipped where alsa-lib has no
// plugin configuration (e.g. a cross build under an emulator).
#include "media/alsa_capture.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/test_dir.h"

namespace edgemma::media {
namespace {

enum class Raw { kS16, kS32, kFloat };

// `seconds` of a 440 Hz sine at `rate`, interleaved over `channels`
// (channel k at amplitude 0.5 / (k + 1)), written as raw samples.
void WriteSine(const std::string& path, Raw fmt, int rate, int channels,
               double seconds) {
  std::ofstream f(path, std::ios::binary);
  for (int i = 0; i < static_cast<int>(rate * seconds); ++i) {
    const double s = std::sin(2 * M_PI * 440.0 * i / rate);
    for (int k = 0; k < channels; ++k) {
      const double v = 0.5 / (k + 1) * s;
      if (fmt == Raw::kS16) {
        const int16_t x = static_cast<int16_t>(std::lround(v * 32767));
        f.write(reinterpret_cast<const char*>(&x), 2);
      } else if (fmt == Raw::kS32) {
        const int32_t x = static_cast<int32_t>(std::llround(v * 2147483647.0));
        f.write(reinterpret_cast<const char*>(&x), 4);
      } else {
        const float x = static_cast<float>(v);
        f.write(reinterpret_cast<const char*>(&x), 4);
      }
    }
  }
}

// The mean over channels of WriteSine's amplitudes.
double MonoAmplitude(int channels) {
  double a = 0;
  for (int k = 0; k < channels; ++k) a += 0.5 / (k + 1);
  return a / channels;
}

// A file PCM replaying `raw`.
std::string FilePcm(const std::string& name, const std::string& raw) {
  return "pcm." + name +
         " {\n type file\n slave.pcm \"null\"\n file \"/dev/null\"\n "
         "infile \"" +
         raw + "\"\n format \"raw\"\n}\n";
}

class AlsaCapture : public ::testing::Test {
 protected:
  // alsa-lib reads ~/.asoundrc once per process (the first open), so one
  // HOME holds every test device.
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const std::string d = dir_->path();
    WriteSine(d + "/s16.raw", Raw::kS16, 48000, 2, 3);
    WriteSine(d + "/s32.raw", Raw::kS32, 44100, 2, 3);
    WriteSine(d + "/float.raw", Raw::kFloat, 22050, 4, 3);
    WriteSine(d + "/s32_32k.raw", Raw::kS32, 32000, 2, 3);
    test::WriteText(
        d + "/.asoundrc",
        FilePcm("file_s16", d + "/s16.raw") +
            FilePcm("file_s32", d + "/s32.raw") +
            FilePcm("file_float", d + "/float.raw") +
            FilePcm("file_s32_32k", d + "/s32_32k.raw") +
            // A device that offers FLOAT only.
            "pcm.float_only {\n type lfloat\n slave {\n pcm "
            "\"file_s32_32k\"\n format S32_LE\n }\n}\n"
            // plughw-style: ALSA converts for the client.
            "pcm.plug_dev {\n type plug\n slave {\n pcm \"file_s32\"\n "
            "format S32_LE\n rate 44100\n channels 2\n }\n}\n"
#ifdef EDGEMMA_FAKE_ALSA_PLUGIN
            // A paced fake microphone with faults on command (ctl files).
            "pcm_type.edgemma_fake {\n lib \"" EDGEMMA_FAKE_ALSA_PLUGIN
            "\"\n}\npcm.fake_mic {\n type edgemma_fake\n ctl \"" +
            d + "/ctl\"\n}\n"
#endif
    );
    ASSERT_EQ(std::system(("mkdir -p '" + d + "/ctl'").c_str()), 0);
    setenv("HOME", d.c_str(), 1);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    // alsa-lib's own configuration defines `null`; without it no plugin
    // PCM can be opened.
    auto probe = OpenAlsaCapture("null", 16000, {});
    if (!probe.ok())
      GTEST_SKIP() << "alsa-lib has no plugin configuration: "
                   << probe.status().message();
  }

  // Captures 2 s of 16 kHz output from `device` and checks it is the sine:
  // 880 zero crossings per second, RMS amplitude / sqrt(2).
  // `format`: what the device must have given ("S32_LE, 44100 Hz, 2
  // channels").
  void ExpectSine(const std::string& device, const AlsaCaptureOptions& o,
                  const std::string& format, double amplitude) {
    auto src = OpenAlsaCapture(device, 16000, o);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    EXPECT_NE((*src)->Describe().find("'" + device + "': " + format),
              std::string::npos)
        << (*src)->Describe();
    ASSERT_TRUE((*src)->Start().ok());
    std::vector<float> got, buf(16000);
    for (int i = 0; i < 2000 && got.size() < 32000; ++i) {
      auto c = (*src)->Read(buf.data(), buf.size(), 50);
      ASSERT_TRUE(c.ok());
      if (c->kind == CaptureChunk::kGap) break;  // only after the 10 s ring
      if (c->kind == CaptureChunk::kPcm) {
        EXPECT_NE(c->wall_ns, 0);  // the capture clock
        got.insert(got.end(), buf.begin(), buf.begin() + c->frames);
      }
    }
    (*src)->Stop();
    ASSERT_GE(got.size(), 32000u);
    double e = 0;
    int crossings = 0;
    for (size_t i = 4000; i < 20000; ++i) {  // past soxr's start-up
      e += double(got[i]) * got[i];
      crossings += (got[i - 1] < 0) != (got[i] < 0);
    }
    EXPECT_NEAR(std::sqrt(e / 16000), amplitude / std::sqrt(2.0), 0.01);
    EXPECT_NEAR(crossings, 880, 4);  // 1 s of 440 Hz
  }

  static test::TempDir* dir_;
};
test::TempDir* AlsaCapture::dir_ = nullptr;

AlsaCaptureOptions DeviceOwn(unsigned rate, unsigned channels, int format) {
  AlsaCaptureOptions o;
  o.ring_seconds = 10;
  o.rate = rate;  // the device's own rate and channels, as hw: gives them
  o.channels = channels;
  o.format = format;
  return o;
}

TEST_F(AlsaCapture, FilePluginS16Stereo48kArrivesAs16kMono) {
  ExpectSine("file_s16", DeviceOwn(48000, 2, 16), "S16_LE, 48000 Hz, 2 ch",
             MonoAmplitude(2));
}

TEST_F(AlsaCapture, FilePluginS32Stereo44k1ArrivesAs16kMono) {
  ExpectSine("file_s32", DeviceOwn(44100, 2, 32), "S32_LE, 44100 Hz, 2 ch",
             MonoAmplitude(2));
}

TEST_F(AlsaCapture, FilePluginFloat22k05FourChannelsArrivesAs16kMono) {
  ExpectSine("file_float", DeviceOwn(22050, 4, -32), "FLOAT_LE, 22050 Hz, 4 ch",
             MonoAmplitude(4));
}

// A device that offers FLOAT only (an `lfloat` plugin in front of an S32
// device): the default request (format 0) falls back from S16 and S32 to
// FLOAT.
TEST_F(AlsaCapture, FloatOnlyDeviceIsTakenByTheFormatFallback) {
  ExpectSine("float_only", DeviceOwn(32000, 2, 0), "FLOAT_LE, 32000 Hz, 2 ch",
             MonoAmplitude(2));
}

// plughw-style: ALSA converts S32 stereo at 44.1 kHz to the 16 kHz mono S16
// the default request asks for.
TEST_F(AlsaCapture, PlugChainConvertsToTheRequestedFormat) {
  AlsaCaptureOptions o;
  o.ring_seconds = 10;
  ExpectSine("plug_dev", o, "S16_LE, 16000 Hz, 1 ch", MonoAmplitude(2));
}

#ifdef EDGEMMA_FAKE_ALSA_PLUGIN
// The fake microphone's sample -> its frame index modulo 65536.
int64_t RampIndex(float x) { return std::lround(x * 32768.0) + 32768; }

// The difference a - b of two indexes modulo 65536, in [-32768, 32768).
int64_t RampDiff(int64_t a, int64_t b) {
  return ((a - b) % 65536 + 65536 + 32768) % 65536 - 32768;
}

// The whole fault path of the real source, paced like a microphone: an
// overrun (-EPIPE, snd_pcm_recover), a suspend (-ESTRPIPE, resume) and an
// unplugged device (-ENODEV: closed, reopened with backoff while open fails,
// until it returns). The ramp signal tells which frames arrived: within the
// PCM every frame is there in order (nothing dropped silently) and each gap
// record's size matches the frames really missing to within the clock
// estimate's error.
// Open file descriptors of this process.
int OpenFds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

TEST_F(AlsaCapture, FakeMicrophoneFaultsAreGapsOfTheRightSize) {
  const std::string ctl = dir_->path() + "/ctl/";
  const int fds = OpenFds();
  AlsaCaptureOptions o;
  o.ring_seconds = 10;
  o.backoff.first_ms = 50;
  o.backoff.max_ms = 200;
  auto src = OpenAlsaCapture("fake_mic", 16000, o);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_NE((*src)->Describe().find("S16_LE, 16000 Hz, 1 ch"),
            std::string::npos);
  ASSERT_TRUE((*src)->Start().ok());
  struct Step {
    int at_ms;
    const char* file;
    bool create;
  };
  const Step steps[] = {{300, "xrun", true},
                        {600, "suspend", true},
                        {900, "gone", true},
                        {1500, "gone", false}};
  size_t next = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<float> buf(1600);
  int64_t pos = 0, pcm = 0;
  int64_t offset = 0;  // ramp index - stream position (mod 65536)
  bool have_offset = false, after_gap = false;
  int64_t gap_frames = 0;
  std::vector<std::pair<std::string, int64_t>> gaps;  // cause, frames
  std::vector<int64_t> errors;  // reported - missing, per gap
  for (;;) {
    const int ms =
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - t0)
                             .count());
    if (ms > 2000) break;
    if (next < std::size(steps) && ms >= steps[next].at_ms) {
      const std::string path = ctl + steps[next].file;
      if (steps[next].create)
        test::WriteText(path, "");
      else
        std::remove(path.c_str());
      ++next;
    }
    auto c = (*src)->Read(buf.data(), buf.size(), 20);
    ASSERT_TRUE(c.ok());
    if (c->kind == CaptureChunk::kGap) {
      gaps.push_back({GapCauseName(c->cause), c->frames});
      pos += c->frames;
      gap_frames += c->frames;
      after_gap = true;
      continue;
    }
    if (c->kind != CaptureChunk::kPcm) continue;
    for (int64_t i = 0; i < c->frames; ++i, ++pos) {
      const int64_t off = RampDiff(RampIndex(buf[i]), pos);
      if (!have_offset) {
        offset = off;
        have_offset = true;
      } else if (after_gap) {
        errors.push_back(RampDiff(offset, off));  // reported - missing
        offset = off;
      }
      after_gap = false;
      ASSERT_EQ(off, offset) << "frame " << pos << " out of order or lost";
    }
    pcm += c->frames;
  }
  (*src)->Stop();
  std::string seen;
  std::vector<std::string> causes;
  for (const auto& g : gaps) {
    seen += g.first + ":" + std::to_string(g.second) + " ";
    // A capture thread starved for a whole buffer on a loaded machine gets
    // real overruns besides the injected one: they must be reported too.
    if (g.first != "overrun" || causes.empty() || causes.back() != "overrun")
      causes.push_back(g.first);
  }
  ASSERT_EQ(causes,
            (std::vector<std::string>{"overrun", "suspend", "device_lost"}))
      << seen;
  const auto lost = std::find_if(gaps.begin(), gaps.end(), [](const auto& g) {
    return g.first == "device_lost";
  });
  EXPECT_NEAR(lost->second / 16000.0, 0.7, 0.4) << seen;  // away 0.6 s
  EXPECT_EQ((*src)->stats().reopens, 1);
  EXPECT_EQ((*src)->stats().gap_frames, gap_frames);
  EXPECT_EQ((*src)->stats().pcm_frames, pcm);
  EXPECT_GT(pcm, 16000);  // paced: ~2 s less the faults
  ASSERT_EQ(errors.size(), gaps.size());
  // The sizes are clock estimates (ALSA counts no lost frames). The fake
  // restarts its ramp at the monotonic clock, so here they come out within a
  // frame or two; the bound allows a period plus scheduling delays, what a
  // real device's timing adds.
  std::string errs;
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_LT(std::abs(errors[i]), 1600)
        << gaps[i].first << " gap of " << gaps[i].second << " frames is "
        << errors[i] << " frames off";
    errs += " " + std::to_string(errors[i]);
  }
  src->reset();  // the reopened device closed, the capture thread joined
  EXPECT_EQ(OpenFds(), fds) << "file descriptors leaked";
  std::printf("gap size errors (frames):%s\n", errs.c_str());
}
#endif

TEST_F(AlsaCapture, UnknownDeviceIsAClearError) {
  auto src = OpenAlsaCapture("no_such_edgemma_device", 16000, {});
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("no_such_edgemma_device"),
            std::string::npos);
}

}  // namespace
}  // namespace edgemma::media
