// The ALSA capture source without sound hardware: a `file` plugin PCM over
// the `null` PCM (defined in a test ~/.asoundrc) replays a raw file as the
// captured signal, unpaced. Checks the consumer-side conversion: S16 stereo
// at 48 kHz -> float -> mono -> soxr to 16 kHz; a bad device name is a clear
// error.
#include "media/alsa_capture.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "tests/support/test_dir.h"

namespace edgemma::media {
namespace {

TEST(AlsaCapture, FilePluginStereo48kArrivesAs16kMono) {
  test::TempDir dir;
  const std::string raw = dir.path() + "/in.raw";
  {
    std::ofstream f(raw, std::ios::binary);
    for (int i = 0; i < 48000 * 3; ++i) {
      const double s = 0.5 * std::sin(2 * M_PI * 440.0 * i / 48000.0);
      const int16_t l = static_cast<int16_t>(std::lround(s * 32767));
      const int16_t r = static_cast<int16_t>(std::lround(s * 0.5 * 32767));
      f.write(reinterpret_cast<const char*>(&l), 2);
      f.write(reinterpret_cast<const char*>(&r), 2);
    }
  }
  test::WriteText(dir.path() + "/.asoundrc",
                  "pcm.edgemma_cap {\n type file\n slave.pcm \"null\"\n file "
                  "\"/dev/null\"\n infile \"" +
                      raw + "\"\n format \"raw\"\n}\n");
  setenv("HOME", dir.path().c_str(), 1);
  AlsaCaptureOptions o;
  o.ring_seconds = 10;
  o.rate = 48000;  // the device's own rate and channels, as hw: gives them
  o.channels = 2;
  o.format = 16;
  auto src = OpenAlsaCapture("edgemma_cap", 16000, o);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  ASSERT_TRUE((*src)->Start().ok());
  std::vector<float> got, buf(16000);
  for (int i = 0; i < 2000 && got.size() < 32000; ++i) {
    auto c = (*src)->Read(buf.data(), buf.size(), 50);
    ASSERT_TRUE(c.ok());
    if (c->kind == CaptureChunk::kGap) break;  // only after the 10 s ring
    if (c->kind == CaptureChunk::kPcm)
      got.insert(got.end(), buf.begin(), buf.begin() + c->frames);
  }
  (*src)->Stop();
  ASSERT_GE(got.size(), 32000u);
  // Past soxr's start-up: a 440 Hz sine of amplitude (0.5 + 0.25) / 2.
  double e = 0;
  int crossings = 0;
  for (size_t i = 4000; i < 20000; ++i) {
    e += double(got[i]) * got[i];
    crossings += (got[i - 1] < 0) != (got[i] < 0);
  }
  const double rms = std::sqrt(e / 16000);
  EXPECT_NEAR(rms, 0.375 / std::sqrt(2.0), 0.01);
  EXPECT_NEAR(crossings, 880, 4);  // 1 s of 440 Hz
}

TEST(AlsaCapture, UnknownDeviceIsAClearError) {
  auto src = OpenAlsaCapture("no_such_edgemma_device", 16000, {});
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("no_such_edgemma_device"),
            std::string::npos);
}

}  // namespace
}  // namespace edgemma::media
