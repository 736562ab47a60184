// Speech -> text with a Gemma 4 model that has an audio tower, one block (<= 30
// s) at a time: log-mel -> Conformer encoder -> soft tokens in a user turn with
// the model card's ASR (or AST) instruction -> greedy decoding. Used by
// `edgemma transcribe` (and the demo).
//
// Prompt per block (rendered by the chat template, E-series, thinking off):
//   <bos><|turn>user\n<|audio>{soft
//   tokens}<audio|>INSTRUCTION<turn|>\n<|turn>model\n
// The template emits one <|audio|> marker for the audio part; it is replaced by
// <|audio>, the block's soft tokens (fed as embeddings) and <audio|>, as the HF
// processor expands it.
//
// Memory: everything (model mapping, tower, encoder arena, session arena,
// buffers for the longest block) is set up once in Create(); blocks reuse it.
#ifndef EDGEMMA_EXAMPLES_CLI_TRANSCRIBER_H_
#define EDGEMMA_EXAMPLES_CLI_TRANSCRIBER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/audio/audio_encoder.h"
#include "core/audio/audio_pcm.h"
#include "core/audio/log_mel.h"
#include "core/gemma4/model.h"
#include "core/gemma4/session.h"
#include "core/io/mmproj.h"
#include "core/text/generate.h"
#include "core/text/tokenizer.h"
#include "platform/status.h"

namespace edgemma::cli {

struct TranscriberOptions {
  std::string model;  // HF directory or GGUF
  std::string
      mmproj;  // tower file for a GGUF model ("" = mmproj-<name> beside it)
  std::string tokenizer;  // "" = the model's own
  std::string language = "English";
  std::string translate_to;  // "" = transcribe only
  int max_tokens = 256;      // generated tokens per block at most
  int threads = 0;           // 0 = all cores
};

// The model card's instruction text (spec gemma4-audio-spec.md 3.4): ASR when
// translate_to is empty, else AST.
std::string SpeechInstruction(const std::string& language,
                              const std::string& translate_to);

class Transcriber {
 public:
  static Result<std::unique_ptr<Transcriber>> Create(
      const TranscriberOptions& options);

  const LogMelParams& front_end() const { return front_end_; }
  // Transcribes one block of 16 kHz mono PCM (at most
  // MaxBlockSamples(front_end()) samples: longer blocks are an error, split
  // them first). A block too short for one soft token gives empty text. With
  // translate_to, `text` is the translation (the part after the model card's
  // "LANG: " marker; the whole answer when the marker is missing).
  Status Transcribe(const float* pcm, int64_t n, std::string* text);

 private:
  Transcriber() = default;
  Status Init(const TranscriberOptions& options);
  Status BuildPrompt();

  TranscriberOptions opt_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<TowerWeights> tower_;
  std::unique_ptr<AudioEncoder> encoder_;
  std::unique_ptr<AudioPcmStream> audio_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<Generator> generator_;
  LogMelParams front_end_;
  std::vector<int32_t>
      before_audio_;                  // prompt ids up to and including <|audio>
  std::vector<int32_t> after_audio_;  // <audio|> and the rest of the prompt
  std::vector<float> features_;       // [frames of the longest block, n_mels]
  std::vector<uint8_t> mask_;         // [frames of the longest block]
  std::vector<float> soft_;           // [tokens of the longest block, d_model]
  int64_t max_block_ = 0;
};

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_TRANSCRIBER_H_
