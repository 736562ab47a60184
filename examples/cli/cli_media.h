// Media files that fill the placeholder blocks of a token list (`edgemma
// logits --audio F.wav`, and `--image` the same way): a block is a maximal run
// of one placeholder id (<|audio|>, <|image|>); the files of each kind fill the
// blocks of that kind in the order the blocks appear in the ids. Any count
// mismatch (files vs blocks, soft tokens vs placeholders) is an error naming
// the file and the block.
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_MEDIA_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_MEDIA_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/io/config.h"
#include "platform/status.h"
#include "quant/ops.h"

namespace edgemma::cli {

struct MediaSource {
  std::string flag;                // "--audio" (for messages)
  int32_t placeholder_id;          // the id whose blocks this source fills
  std::vector<std::string> files;  // in block order
  // Soft tokens [n, d_model] of one file (already in the text space).
  std::function<Result<std::vector<float>>(const std::string& file)> encode;
};

// Encodes every file of every source and writes the soft tokens into
// emb [ids.size(), d_model] at their placeholder positions, use[i] = 1 there.
Status FillMediaBlocks(const std::vector<int32_t>& ids, int d_model,
                       const std::vector<MediaSource>& sources,
                       std::vector<float>* emb, std::vector<uint8_t>* use);

// The audio source of the model at `model_path` (its audio tower: the HF
// directory or the mmproj next to a GGUF): sound file -> 16 kHz PCM -> log-mel
// -> encoder -> soft tokens. A model without an audio tower is a clear error.
Result<MediaSource> AudioSource(const std::string& model_path,
                                const Gemma4Config& cfg, int threads,
                                ActType act, std::vector<std::string> files);

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_MEDIA_H_
