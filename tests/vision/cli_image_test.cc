// `edgemma image-preprocess` against the reference: generated PNG/JPEG files
// (one with an EXIF rotation) through the CLI and through
// gemma4ref.vision.preprocess_image after HF's PIL loading; bit-exact .npy
// outputs; processor parameters from a generated model with p = 8, k = 2.
// Bad arguments exit 2 and bad files 1, with a message.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/gemma4/model_test_util.h"
#include "tools/npy.h"

namespace edgemma::test {
namespace {

const std::string kBin = std::string(EDGEMMA_EMULATOR) + " " +
                         std::string(EDGEMMA_BIN_DIR) + "/edgemma";

std::string Py(const std::string& args) {
  return "/usr/bin/python3 '" + std::string(EDGEMMA_SOURCE_DIR) +
         "/tests/vision/ref_image_file.py' '" + SharedDir() + "' " + args;
}

// Exit status of `cmd`; its stderr goes to `*err` when given.
int Shell(const std::string& cmd, const std::string& dir,
          std::string* err = nullptr) {
  const std::string log = dir + "/stderr.txt";
  const int rc = std::system((cmd + " > /dev/null 2> '" + log + "'").c_str());
  if (err) {
    std::ifstream f(log);
    std::stringstream s;
    s << f.rdbuf();
    *err = s.str();
  }
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool SameFile(const std::string& a, const std::string& b) {
  Result<NpyArray> x = ReadNpy(a), y = ReadNpy(b);
  EXPECT_TRUE(x.ok() && y.ok());
  if (!x.ok() || !y.ok()) return false;
  EXPECT_EQ(x->descr, y->descr);
  EXPECT_EQ(x->shape, y->shape);
  return x->descr == y->descr && x->shape == y->shape && x->data == y->data;
}

class ImageCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("/usr/bin/python3 -c 'import numpy, PIL' >/dev/null 2>&1"))
      GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL needed";
    // One directory per test: ctest runs the tests of this binary in parallel.
    dir_ = BuildScratchDir(
        std::string("vision-cli-image-") +
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::string dir_;
};

TEST_F(ImageCliTest, PreprocessMatchesReference) {
  struct Case {
    const char* file;
    int h, w, exif, budget;
  } cases[] = {{"landscape.png", 263, 517, 0, 280},
               {"portrait.png", 701, 233, 0, 70},
               {"rotated.jpg", 120, 331, 6, 140}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string img = dir_ + "/" + c.file;
    ASSERT_EQ(Shell(Py("make '" + img + "' " + std::to_string(c.h) + " " +
                       std::to_string(c.w) +
                       (c.exif ? " " + std::to_string(c.exif) : "")),
                    dir_),
              0);
    const std::string b = std::to_string(c.budget);
    ASSERT_EQ(Shell(Py("preprocess '" + img + "' " + b + " '" + dir_ +
                       "/ref_pv.npy' '" + dir_ + "/ref_pos.npy'"),
                    dir_),
              0);
    std::string err;
    ASSERT_EQ(Shell(kBin + " image-preprocess --image '" + img + "' --budget " +
                        b + " --out '" + dir_ + "/pv.npy' --pos-out '" + dir_ +
                        "/pos.npy'",
                    dir_, &err),
              0)
        << err;
    EXPECT_TRUE(SameFile(dir_ + "/pv.npy", dir_ + "/ref_pv.npy"));
    EXPECT_TRUE(SameFile(dir_ + "/pos.npy", dir_ + "/ref_pos.npy"));
  }
}

// A model generated with p = 8, k = 2 (make_vision_model.py variant a): the
// CLI takes them from its vision_config and matches the reference's patches.
TEST_F(ImageCliTest, ParamsFromAGeneratedModel) {
  const std::string model = dir_ + "/variant-a";
  ASSERT_EQ(Shell("EDGEMMA_SHARED_DIR='" + SharedDir() +
                      "' /usr/bin/python3 '" + std::string(EDGEMMA_SOURCE_DIR) +
                      "/tests/vision/make_vision_model.py' '" + model +
                      "' --variant a",
                  dir_),
            0);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const std::string n = std::to_string(i);
    const std::string img = dir_ + "/variant-a-" + n + ".png";
    ASSERT_EQ(
        Shell(Py("png '" + model + "/rgb_" + n + ".npy' '" + img + "'"), dir_),
        0);
    Result<NpyArray> budget = ReadNpy(model + "/budget_" + n + ".npy");
    ASSERT_TRUE(budget.ok());
    Result<std::vector<int64_t>> b = budget->ToInt();
    ASSERT_TRUE(b.ok() && b->size() == 1);
    std::string err;
    ASSERT_EQ(Shell(kBin + " image-preprocess --image '" + img + "' --budget " +
                        std::to_string(b.value()[0]) + " --model '" + model +
                        "' --out '" + dir_ + "/pv.npy' --pos-out '" + dir_ +
                        "/pos.npy'",
                    dir_, &err),
              0)
        << err;
    EXPECT_TRUE(SameFile(dir_ + "/pv.npy", model + "/pixels_" + n + ".npy"));
    EXPECT_TRUE(SameFile(dir_ + "/pos.npy", model + "/pos_" + n + ".npy"));
  }
}

TEST_F(ImageCliTest, NoPadWritesOnlyRealRows) {
  const std::string img = dir_ + "/small.png";
  ASSERT_EQ(Shell(Py("make '" + img + "' 50 70"), dir_), 0);
  std::string err;
  ASSERT_EQ(Shell(kBin + " image-preprocess --image '" + img +
                      "' --budget 70 --no-pad --out '" + dir_ +
                      "/pv.npy' --pos-out '" + dir_ + "/pos.npy'",
                  dir_, &err),
            0)
      << err;
  Result<NpyArray> pos = ReadNpy(dir_ + "/pos.npy");
  ASSERT_TRUE(pos.ok());
  // 50 x 70 at budget 70 -> 336 x 432: 21 x 27 patches, no padding rows.
  EXPECT_EQ(pos->shape, (std::vector<int64_t>{21 * 27, 2}));
}

TEST_F(ImageCliTest, BadInputsExitWithAMessage) {
  const std::string img = dir_ + "/ok.png";
  ASSERT_EQ(Shell(Py("make '" + img + "' 20 30"), dir_), 0);
  const std::string outs =
      " --out '" + dir_ + "/pv.npy' --pos-out '" + dir_ + "/pos.npy'";
  {
    std::ofstream(dir_ + "/empty.png");
    std::ofstream(dir_ + "/text.jpg") << "hello";
  }
  struct Bad {
    std::string args, message;
    int code;  // 2: usage error, 1: bad file or data
  } bad[] = {
      {"--image '" + img + "' --budget 100" + outs, "budget 100", 2},
      {"--image '" + img + "' --budget x" + outs, "--budget", 2},
      {"--image '" + img + "'", "required", 2},
      {"--image '" + img + "' --max-pixels -4" + outs, "--max-pixels", 2},
      {"--image '" + dir_ + "/missing.png'" + outs, "missing.png", 1},
      {"--image '" + dir_ + "/empty.png'" + outs, "empty file", 1},
      {"--image '" + dir_ + "/text.jpg'" + outs, "not a JPEG, PNG", 1},
      {"--image '" + img + "' --max-pixels 599" + outs, "pixel limit of 599",
       1},
      {"--image '" + img + "' --model /nonexistent" + outs, "/nonexistent", 1},
      {"--image '" + img + "' --out /nonexistent/dir/pv.npy --pos-out x.npy",
       "/nonexistent/dir/pv.npy", 1},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.args);
    std::string err;
    EXPECT_EQ(Shell(kBin + " image-preprocess " + b.args, dir_, &err), b.code);
    EXPECT_NE(err.find(b.message), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace edgemma::test
