// Media blocks of a Gemma 4 prompt (vision spec 5, AUDIO_VISION.md 4): the
// chat template writes one placeholder per media item (`<|image|>`,
// `<|audio|>`, `<|video|>`, inline, no whitespace added); the processor then
// expands each at the TEXT level, before tokenization, as HF's
// processing_gemma4.py does:
//   image: <|image> + <|image|> x N + <image|>     (N from the image's size and
//                                                    budget, not the budget)
//   audio: <|audio> + <|audio|> x N + <audio|>
//   video: for each frame "MM:SS " + <|image> + <|video|> x N + <image|>, the
//          frames joined by one space (timestamp = frame time, integer
//          minutes and seconds, zero-padded).
// The token strings are the tokenizer's pieces of the config's ids (never
// hard-coded). After tokenization the runs of soft-token ids take the
// encoders' embeddings in order (SoftTokenRuns).
// Thread-safety: pure functions.
#ifndef EDGEMMA_CORE_TEXT_MEDIA_PROMPT_H_
#define EDGEMMA_CORE_TEXT_MEDIA_PROMPT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/config.h"
#include "core/text/tokenizer.h"
#include "platform/status.h"

namespace edgemma {

enum class MediaKind { kImage, kAudio, kVideo };
const char* MediaKindName(MediaKind kind);  // "image", "audio", "video"

// One media item of a prompt, in the order of the placeholders.
struct MediaItem {
  MediaKind kind = MediaKind::kImage;
  int n_tokens = 0;                   // soft tokens (per frame for video)
  std::vector<double> frame_seconds;  // video: the time of each frame
};

// The text of the media tokens, from the tokenizer and the config's ids.
struct MediaTokenText {
  std::string image, boi, eoi, video, audio, boa, eoa;
};
// Errors name the missing id ("config has no boi_token_id") or piece.
Result<MediaTokenText> MediaTokenTextFor(const Gemma4Config& cfg,
                                         const Tokenizer& tok);

// "MM:SS" of a time in seconds (minutes may exceed 59: "75:03").
std::string VideoTimestamp(double seconds);

// Expands every placeholder of `text` in order with items[i]. Errors (naming
// the placeholder index): fewer/more items than placeholders, a kind that
// does not match, n_tokens < 1, a video without frames.
Result<std::string> ExpandMediaPrompt(std::string_view text,
                                      const MediaTokenText& t,
                                      const std::vector<MediaItem>& items);

// A run of consecutive soft-token ids (image, video or audio) in token ids.
struct SoftTokenRun {
  MediaKind kind = MediaKind::kImage;
  int start = 0, length = 0;
};
// The runs of the config's soft-token ids in `ids`, in order (a video's
// frames are separate runs).
std::vector<SoftTokenRun> SoftTokenRuns(const Gemma4Config& cfg,
                                        const int32_t* ids, int n);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_TEXT_MEDIA_PROMPT_H_
