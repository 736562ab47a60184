// Image files (media/image_file.h): files written at test time by
// make_images.py (PIL and hand-made PNGs) decode to exactly the RGB that PIL
// gives on the path HF uses (open -> exif_transpose -> convert("RGB")); hostile
// files give clear errors naming the file; the pixel limit refuses bombs from
// the header, in bounded memory (measured in a child process).
#include "media/image_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tools/npy.h"

namespace edgemma {
namespace {

struct ImageCase {
  std::string file;
  bool ok = false;
  std::string what;  // error substring
};

class ImageFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system(
            "/usr/bin/python3 -c 'import numpy, PIL' >/dev/null 2>&1")) {
      return;
    }
    char tmpl[] = "/tmp/edgemma-images-XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = new std::string(tmpl);
    const std::string cmd = "/usr/bin/python3 '" +
                            std::string(EDGEMMA_SOURCE_DIR) +
                            "/tests/media/make_images.py' '" + *dir_ + "' > '" +
                            *dir_ + "/log.txt' 2>&1";
    if (std::system(cmd.c_str()) != 0) return;
    std::ifstream m(*dir_ + "/manifest.txt");
    cases_ = new std::vector<ImageCase>;
    std::string line;
    while (std::getline(m, line)) {
      std::istringstream s(line);
      ImageCase c;
      std::string kind;
      s >> c.file >> kind;
      c.ok = kind == "ok";
      std::getline(s, c.what);
      if (!c.what.empty() && c.what[0] == ' ') c.what.erase(0, 1);
      cases_->push_back(c);
    }
  }
  static void TearDownTestSuite() {
    if (dir_) std::system(("rm -rf '" + *dir_ + "'").c_str());
    delete dir_;
    delete cases_;
    dir_ = nullptr;
    cases_ = nullptr;
  }
  void SetUp() override {
    if (!cases_) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL needed";
  }
  static std::string Path(const std::string& file) {
    return *dir_ + "/" + file;
  }

  static std::string* dir_;
  static std::vector<ImageCase>* cases_;
};

std::string* ImageFileTest::dir_ = nullptr;
std::vector<ImageCase>* ImageFileTest::cases_ = nullptr;

// DecodeImageFile on the file's bytes gives what ReadImageFile gave: the same
// pixels, or the same error with the source's name in place of the path.
void ExpectSameFromMemory(const std::string& path,
                          const Result<RgbImage>& from_file) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  Result<RgbImage> m = DecodeImageFile(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "<memory>");
  ASSERT_EQ(m.ok(), from_file.ok()) << path << " from memory";
  if (!m.ok()) {
    std::string want = from_file.status().message();
    for (size_t at; (at = want.find(path)) != std::string::npos;) {
      want.replace(at, path.size(), "<memory>");
    }
    EXPECT_EQ(m.status().message(), want);
    return;
  }
  EXPECT_EQ(m->height, from_file->height);
  EXPECT_EQ(m->width, from_file->width);
  EXPECT_TRUE(m->rgb == from_file->rgb) << path << " from memory";
}

TEST_F(ImageFileTest, DecodesLikePilAndRefusesHostileFiles) {
  int ok = 0, errors = 0;
  for (const ImageCase& c : *cases_) {
    SCOPED_TRACE(c.file);
    Result<RgbImage> img = ReadImageFile(Path(c.file));
    ExpectSameFromMemory(Path(c.file), img);
    if (!c.ok) {
      ++errors;
      ASSERT_FALSE(img.ok()) << "decoded a file that must be refused";
      const std::string& msg = img.status().message();
      EXPECT_NE(msg.find(Path(c.file)), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.what), std::string::npos) << msg;
      continue;
    }
    ++ok;
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    Result<NpyArray> want = ReadNpy(Path(c.file) + ".npy");
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_EQ(want->descr, "|u1");
    ASSERT_EQ(want->shape, (std::vector<int64_t>{img->height, img->width, 3}));
    size_t diff = 0;
    for (size_t i = 0; i < img->rgb.size(); ++i) {
      diff += img->rgb[i] != want->data[i];
    }
    EXPECT_EQ(diff, 0u) << "bytes differing from PIL";
  }
  EXPECT_GE(ok, 25);
  EXPECT_GE(errors, 12);
}

TEST_F(ImageFileTest, ExifOrientationCanBeIgnored) {
  ImageDecodeOptions keep;
  keep.exif_orientation = false;
  Result<RgbImage> raw = ReadImageFile(Path("exif6.jpg"), keep);
  Result<RgbImage> upright = ReadImageFile(Path("exif1.jpg"), keep);
  Result<RgbImage> rotated = ReadImageFile(Path("exif6.jpg"));
  ASSERT_TRUE(raw.ok() && upright.ok() && rotated.ok());
  EXPECT_EQ(raw->height, 21);
  EXPECT_EQ(raw->width, 34);
  EXPECT_EQ(raw->rgb, upright->rgb);  // same pixels, only the tag differs
  EXPECT_EQ(rotated->height, 34);
  EXPECT_EQ(rotated->width, 21);
}

TEST_F(ImageFileTest, PixelLimitIsConfigurable) {
  ImageDecodeOptions o;
  o.max_pixels = 29 * 41 - 1;  // rgb.png is 41 x 29
  Result<RgbImage> img = ReadImageFile(Path("rgb.png"), o);
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find("exceeds the pixel limit of 1188"),
            std::string::npos)
      << img.status().message();
  o.max_pixels = 29 * 41;
  EXPECT_TRUE(ReadImageFile(Path("rgb.png"), o).ok());
  o.max_pixels = 0;
  EXPECT_FALSE(ReadImageFile(Path("rgb.png"), o).ok());
}

TEST_F(ImageFileTest, MissingFileAndDirectory) {
  Result<RgbImage> img = ReadImageFile(Path("nope.png"));
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.status().code(), StatusCode::kNotFound);
  EXPECT_NE(img.status().message().find("nope.png"), std::string::npos);
  img = ReadImageFile(*dir_);
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find("not a regular file"),
            std::string::npos);
}

// Peak RSS growth (KiB) of decoding `path` in a fresh child process, or -1.
long ChildDecodeGrowthKb(const std::string& path, bool* refused) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    const bool ok = ReadImageFile(path).ok();
    getrusage(RUSAGE_SELF, &after);
    long report[2] = {after.ru_maxrss - before.ru_maxrss, ok ? 0L : 1L};
    if (write(fds[1], report, sizeof(report)) != sizeof(report)) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  long report[2] = {-1, 0};
  const bool got = read(fds[0], report, sizeof(report)) == sizeof(report);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  *refused = report[1] == 1;
  return got ? report[0] : -1;
}

TEST_F(ImageFileTest, BombsAreRefusedInBoundedMemory) {
  // Each header claims 20000 x 20000 RGB: 1.2 GB if it were decoded.
  for (const char* bomb : {"bomb.png", "bomb.jpg", "huge.jpg"}) {
    SCOPED_TRACE(bomb);
    bool refused = false;
    const long kb = ChildDecodeGrowthKb(Path(bomb), &refused);
    ASSERT_GE(kb, 0);
    EXPECT_TRUE(refused);
    std::printf("[bomb] %s refused, peak RSS growth %ld KiB\n", bomb, kb);
    EXPECT_LT(kb, 16 * 1024);
  }
  // Control: the same measurement sees a real 2000 x 2000 decode (12 MB).
  bool refused = true;
  const long kb = ChildDecodeGrowthKb(Path("control.png"), &refused);
  EXPECT_FALSE(refused);
  std::printf("[bomb] control.png decoded, peak RSS growth %ld KiB\n", kb);
  EXPECT_GE(kb, 10 * 1024);
}

// Found by fuzz_image_file (corpus/image_file/regress-pnm-pixel-count-*):
// header sides whose product overflows int64 (UB in the error message), and
// sides past INT_MAX under a limit that would admit them.
TEST(ImageFromMemoryTest, HugePnmSidesAreRefused) {
  const std::string pgm = "P5 7522944445 2224444442 255\n";
  const auto* bytes = reinterpret_cast<const uint8_t*>(pgm.data());
  Result<RgbImage> img = DecodeImageFile(bytes, pgm.size(), "huge.pgm");
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find(
                "huge.pgm: 7522944445 x 2224444442 image (16734371958155024384 "
                "pixels) exceeds the pixel limit"),
            std::string::npos)
      << img.status().message();
  ImageDecodeOptions any;
  any.max_pixels = INT64_MAX;
  const std::string wide = "P5 4294967296 1 255\n";
  EXPECT_FALSE(DecodeImageFile(reinterpret_cast<const uint8_t*>(wide.data()),
                               wide.size(), "wide.pgm", any)
                   .ok());
  EXPECT_FALSE(DecodeImageFile(bytes, 0, "empty").ok());
}

TEST(ImageFormatTest, SniffsMagicBytes) {
  const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0};
  const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const uint8_t ppm[] = {'P', '6', '\n'};
  const uint8_t txt[] = {'P', '3', '\n'};
  EXPECT_EQ(SniffImageFormat(jpg, sizeof(jpg)), ImageFileFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat(png, sizeof(png)), ImageFileFormat::kPng);
  EXPECT_EQ(SniffImageFormat(png, 7), ImageFileFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(ppm, sizeof(ppm)), ImageFileFormat::kPnm);
  EXPECT_EQ(SniffImageFormat(txt, sizeof(txt)), ImageFileFormat::kUnknown);
  EXPECT_EQ(SniffImageFormat(jpg, 0), ImageFileFormat::kUnknown);
}

}  // namespace
}  // namespace edgemma
