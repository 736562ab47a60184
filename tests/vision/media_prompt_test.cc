// Media placeholder expansion (core/text/media_prompt.h) with the real Gemma 4
// tokenizer and the real multimodal ids: image blocks of N tokens, a video of
// timestamped frames, audio, the runs of soft tokens after tokenization, and
// mismatches that must fail clearly.
#include "core/text/media_prompt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tests/gemma4/model_test_util.h"

namespace edgemma {
namespace {

// The release's ids (vision spec 5.1), as config.json gives them.
Gemma4Config RealIds() {
  Gemma4Config c;
  c.image_token_id = 258880;
  c.boi_token_id = 255999;
  c.eoi_token_id = 258882;
  c.video_token_id = 258884;
  c.audio_token_id = 258881;
  c.boa_token_id = 256000;
  c.eoa_token_id = 258883;
  return c;
}

class MediaPrompt : public ::testing::Test {
 protected:
  // The tokenizer takes ~0.6 s to build: once for the suite.
  static void SetUpTestSuite() {
    auto tok = Tokenizer::FromPath(test::TestdataDir("tokenizer/gemma4") +
                                   "/tokenizer.json");
    ASSERT_TRUE(tok.ok()) << tok.status().ToString();
    tok_ = std::move(tok).value().release();
  }
  static void TearDownTestSuite() {
    delete tok_;
    tok_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(tok_, nullptr);
    auto t = MediaTokenTextFor(cfg_, *tok_);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    text_ = t.value();
  }
  Gemma4Config cfg_ = RealIds();
  static Tokenizer* tok_;
  MediaTokenText text_;
};

Tokenizer* MediaPrompt::tok_ = nullptr;

TEST_F(MediaPrompt, ImageBlockOfNTokens) {
  EXPECT_EQ(text_.image, "<|image|>");
  EXPECT_EQ(text_.boi, "<|image>");
  EXPECT_EQ(text_.eoi, "<image|>");
  auto out = ExpandMediaPrompt("Describe this image:<|image|>in detail.", text_,
                               {{MediaKind::kImage, 3, {}}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out.value(),
            "Describe this image:<|image><|image|><|image|><|image|><image|>in "
            "detail.");
  const std::vector<int32_t> ids = tok_->Encode(out.value(), true);
  // The chat golden's ids around the placeholder: ":" 236787, "in" 495.
  const std::vector<int32_t> want_block = {236787, 255999, 258880, 258880,
                                           258880, 258882, 495};
  auto it =
      std::search(ids.begin(), ids.end(), want_block.begin(), want_block.end());
  EXPECT_NE(it, ids.end());
  auto runs = SoftTokenRuns(cfg_, ids.data(), static_cast<int>(ids.size()));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].kind, MediaKind::kImage);
  EXPECT_EQ(runs[0].length, 3);
  EXPECT_EQ(ids[runs[0].start - 1], cfg_.boi_token_id);
}

TEST_F(MediaPrompt, VideoFramesWithTimestampsThenAudio) {
  std::vector<MediaItem> items = {{MediaKind::kVideo, 2, {0.0, 1.0, 75.5}},
                                  {MediaKind::kAudio, 2, {}}};
  auto out = ExpandMediaPrompt("Watch<|video|>and<|audio|>", text_, items);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::string frame = "<|image><|video|><|video|><image|>";
  EXPECT_EQ(out.value(), "Watch00:00 " + frame + " 00:01 " + frame + " 01:15 " +
                             frame + "and<|audio><|audio|><|audio|><audio|>");
  const std::vector<int32_t> ids = tok_->Encode(out.value(), true);
  auto runs = SoftTokenRuns(cfg_, ids.data(), static_cast<int>(ids.size()));
  ASSERT_EQ(runs.size(), 4u);
  for (int f = 0; f < 3; ++f) {
    EXPECT_EQ(runs[f].kind, MediaKind::kVideo);
    EXPECT_EQ(runs[f].length, 2);
  }
  EXPECT_EQ(runs[3].kind, MediaKind::kAudio);
  auto text = tok_->Decode(ids, false);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text.value(), out.value());
}

TEST_F(MediaPrompt, MismatchesFailClearly) {
  auto few = ExpandMediaPrompt("<|image|><|image|>", text_,
                               {{MediaKind::kImage, 1, {}}});
  ASSERT_FALSE(few.ok());
  EXPECT_NE(few.status().message().find("placeholder 1"), std::string::npos)
      << few.status().ToString();
  auto many = ExpandMediaPrompt(
      "<|image|>", text_,
      {{MediaKind::kImage, 1, {}}, {MediaKind::kImage, 1, {}}});
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.status().message().find("1 media placeholders but 2"),
            std::string::npos)
      << many.status().ToString();
  auto kind =
      ExpandMediaPrompt("<|audio|>", text_, {{MediaKind::kImage, 1, {}}});
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.status().message().find("was given a image item"),
            std::string::npos)
      << kind.status().ToString();
  EXPECT_FALSE(
      ExpandMediaPrompt("<|video|>", text_, {{MediaKind::kVideo, 1, {}}}).ok());
  EXPECT_FALSE(
      ExpandMediaPrompt("<|image|>", text_, {{MediaKind::kImage, 0, {}}}).ok());
  Gemma4Config none;
  EXPECT_FALSE(MediaTokenTextFor(none, *tok_).ok());
  EXPECT_EQ(VideoTimestamp(3599.9), "59:59");
  EXPECT_EQ(VideoTimestamp(3600), "60:00");
}

}  // namespace
}  // namespace edgemma
