// Speech -> text, one block at a time (see transcriber.h).
#include "examples/cli/transcriber.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/audio/audio_splitter.h"
#include "core/text/chat_format.h"

namespace edgemma::cli {
namespace {

// With translate_to: the text after the model card's "<LANG>: " marker, else
// all of it.
std::string Translation(const std::string& answer, const std::string& lang) {
  const std::string marker = lang + ": ";
  const size_t at = answer.rfind(marker);
  return at == std::string::npos ? answer : answer.substr(at + marker.size());
}

bool AppendPiece(void* user, int32_t, std::string_view piece) {
  static_cast<std::string*>(user)->append(piece);
  return true;
}

}  // namespace

std::string SpeechInstruction(const std::string& language,
                              const std::string& translate_to) {
  if (translate_to.empty()) {
    return "Transcribe the following speech segment in " + language + " into " +
           language +
           " text.\n\nFollow these specific instructions for formatting the "
           "answer:\n* Only "
           "output the transcription, with no newlines.\n* When transcribing "
           "numbers, write the "
           "digits, i.e. write 1.7 and not one point seven, and write 3 "
           "instead of three.";
  }
  return "Transcribe the following speech segment in " + language +
         ", then translate it into " + translate_to +
         ".\nWhen formatting the answer, first output the transcription in " +
         language + ", then one newline, then output the string '" +
         translate_to + ": ', then the translation in " + translate_to + ".";
}

Result<std::unique_ptr<Transcriber>> Transcriber::Create(
    const TranscriberOptions& options) {
  std::unique_ptr<Transcriber> t(new Transcriber());
  EM_RETURN_IF_ERROR(t->Init(options));
  return t;
}

Status Transcriber::Init(const TranscriberOptions& o) {
  opt_ = o;
  EM_ASSIGN_OR_RETURN(model_, Model::Load(o.model));
  const Gemma4Config& cfg = model_->config();
  if (!cfg.audio.present) {
    return Unsupported(
        o.model +
        ": this model has no audio tower (audio_config is null): it " +
        "cannot take audio");
  }
  if (cfg.boa_token_id < 0 || cfg.eoa_token_id < 0 || cfg.audio_token_id < 0) {
    return Corrupt(o.model + ": the config lacks boa/eoa/audio token ids");
  }
  auto tok = Tokenizer::FromPath(o.tokenizer.empty() ? o.model : o.tokenizer);
  if (!tok.ok()) {
    return Status(
        tok.status().code(),
        "transcribe needs the model's tokenizer (give --tokenizer): " +
            tok.status().message());
  }
  tokenizer_ = std::move(tok).value();
  std::string tower_path = o.mmproj;
  if (tower_path.empty()) {
    EM_ASSIGN_OR_RETURN(tower_path, AudioTowerPathFor(o.model));
  }
  EM_ASSIGN_OR_RETURN(tower_, TowerWeights::Open(tower_path));
  EM_ASSIGN_OR_RETURN(encoder_, AudioEncoder::Create(*tower_));
  const int threads =
      o.threads > 0
          ? o.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Front end: the checkpoint's processor_config.json (HF directory), else the
  // defaults.
  EM_ASSIGN_OR_RETURN(front_end_, AudioFrontEndFor(o.model));
  AudioStreamOptions so;
  so.n_threads = threads;
  EM_ASSIGN_OR_RETURN(audio_,
                      AudioPcmStream::Create(*encoder_, front_end_, so));
  max_block_ = MaxBlockSamples(front_end_);
  const int64_t max_tokens = audio_->TokensForSamples(max_block_);
  soft_.resize(max_tokens * encoder_->text_d());

  EM_RETURN_IF_ERROR(BuildPrompt());
  SessionOptions sess;
  const int64_t need =
      static_cast<int64_t>(before_audio_.size() + after_audio_.size()) +
      max_tokens + o.max_tokens;
  sess.ctx = static_cast<int>(std::min<int64_t>(need + 8, cfg.text.max_ctx));
  sess.n_threads = threads;
  EM_ASSIGN_OR_RETURN(session_, Session::Create(*model_, sess));
  generator_ =
      std::make_unique<Generator>(*model_, *session_, tokenizer_.get());
  return Status::Ok();
}

// Renders the user turn [audio, instruction] with the chat template and splits
// its ids at the one <|audio|> marker: before = ids up to the marker +
// <|audio>, after = <audio|> + rest.
Status Transcriber::BuildPrompt() {
  nlohmann::json req;
  req["messages"] = nlohmann::json::array(
      {{{"role", "user"},
        {"content", nlohmann::json::array(
                        {{{"type", "audio"}},
                         {{"type", "text"},
                          {"text", SpeechInstruction(opt_.language,
                                                     opt_.translate_to)}}})}}});
  EM_ASSIGN_OR_RETURN(const std::string prompt, RenderGemma4Chat(req.dump()));
  std::vector<int32_t> ids;
  tokenizer_->Encode(prompt, /*parse_special=*/true, &ids);
  const Gemma4Config& cfg = model_->config();
  const auto marker = std::find(ids.begin(), ids.end(), cfg.audio_token_id);
  if (marker == ids.end() ||
      std::count(ids.begin(), ids.end(), cfg.audio_token_id) != 1) {
    return Corrupt(
        "the chat template did not render exactly one <|audio|> marker with "
        "id " +
        std::to_string(cfg.audio_token_id) +
        " (tokenizer and config disagree?)");
  }
  before_audio_.assign(ids.begin(), marker);
  before_audio_.push_back(cfg.boa_token_id);
  after_audio_.assign(1, cfg.eoa_token_id);
  after_audio_.insert(after_audio_.end(), marker + 1, ids.end());
  return Status::Ok();
}

Status Transcriber::Transcribe(const float* pcm, int64_t n, std::string* text) {
  text->clear();
  if (n > max_block_) {
    return InvalidArgument("transcribe: a block of " + std::to_string(n) +
                           " samples is longer than the model takes (" +
                           std::to_string(max_block_) + ")");
  }
  int64_t n_soft = 0;
  EM_RETURN_IF_ERROR(audio_->Encode(
      pcm, n, soft_.data(), audio_->TokensForSamples(max_block_), &n_soft));
  if (n_soft == 0)
    return Status::Ok();  // shorter than one soft token: nothing to hear
  generator_->Reset();
  EM_RETURN_IF_ERROR(generator_->Append(
      before_audio_.data(), static_cast<int>(before_audio_.size())));
  EM_RETURN_IF_ERROR(
      generator_->FeedEmbeddings(soft_.data(), static_cast<int>(n_soft)));
  EM_RETURN_IF_ERROR(generator_->Append(after_audio_.data(),
                                        static_cast<int>(after_audio_.size())));
  GenerateOptions g;
  g.max_tokens = opt_.max_tokens;
  g.sampling.temperature = 0.f;  // greedy
  g.on_token = AppendPiece;
  g.user = text;
  GenerateStats stats;
  EM_RETURN_IF_ERROR(generator_->Continue(g, &stats));
  if (!opt_.translate_to.empty()) *text = Translation(*text, opt_.translate_to);
  // One line per segment (the model was asked for no newlines), no edge blanks.
  std::replace(text->begin(), text->end(), '\n', ' ');
  const size_t first = text->find_first_not_of(" \t\r");
  text->erase(0, first == std::string::npos ? text->size() : first);
  text->erase(text->find_last_not_of(" \t\r") + 1);
  return Status::Ok();
}

}  // namespace edgemma::cli
