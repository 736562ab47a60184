// `edgemma assistant -m MODEL (--device NAME | --input FILE [--realtime])
// [--say CMD] [--stats]`: the voice assistant, over the C API (include/
// edgemma.h) and the media library. Capture -> endpointer -> while the user
// speaks, the turn's prompt up to <|audio> is prefilled and every finished
// soft token is fed into the session (edgemma_audio_feed ->
// edgemma_eval_embeddings); when speech ends only the encoder's last tokens,
// <audio|> and the turn's closing tokens remain before the first answer token.
// The answer channel goes to stdout (AnswerPrinter), one answer per utterance;
// the conversation goes on with KV reuse (earlier turns stay in the session).
#include <stdio.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "edgemma.h"
#include "examples/cli/answer_printer.h"
#include "examples/cli/cli_capture.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "assistant";
constexpr char kUsage[] =
    "usage: edgemma assistant -m MODEL (--device NAME | --input FILE "
    "[--realtime]) [options]\n"
    "  Voice assistant: each utterance is streamed into the model while it "
    "is spoken; the\n"
    "  answer (answer channel only) is printed on stdout, one per "
    "utterance; the conversation\n"
    "  goes on turn after turn (earlier turns stay in the KV cache). Ends at "
    "the end of --input\n"
    "  or on SIGINT/SIGTERM.\n"
    "options:\n"
    "  --device NAME        ALSA capture device; --list-devices lists them\n"
    "  --input FILE         a sound file instead of a device (--realtime: "
    "paced)\n"
    "  --say CMD            pipe the answer to CMD sentence by sentence "
    "(e.g. \"espeak-ng -v en\")\n"
    "  --stats              one JSON line per turn on stderr: "
    "end_of_speech_to_first_token_ms, ...\n"
    "  --no-barge-in        let every answer finish (live input: speech "
    "during an answer\n"
    "                       otherwise stops it and starts the next turn)\n"
    "  --system TEXT        a system prompt\n"
    "  -n, --max-tokens N   answer tokens at most (default 256)\n"
    "  --ctx N              context positions (default 4096)\n"
    "  --threads N          threads (default 2)\n"
    "  --tokenizer PATH     tokenizer.json (default: the model's "
    "own)\n" kVadUsage;

struct Args {
  std::string model, tokenizer, say, system;
  bool stats = false, no_barge_in = false;
  int max_tokens = 256, ctx = 4096, threads = 2;
  CaptureArgs capture;
};

std::optional<int> ParseArgs(int argc, char** argv, Args* a) {
  Flags flags(kCmd, kUsage);
  flags.String("-m,--model", &a->model)
      .String("--tokenizer", &a->tokenizer)
      .String("--say", &a->say)
      .String("--system", &a->system)
      .Switch("--stats", &a->stats)
      .Switch("--no-barge-in", &a->no_barge_in)
      .Int("-n,--max-tokens", &a->max_tokens, 1, 1 << 20)
      .Int("--ctx", &a->ctx, 64, 1 << 20)
      .Int("-t,--threads", &a->threads, 1, 1024);
  AddCaptureFlags(&flags, &a->capture);
  if (auto rc = flags.Parse(argc, argv)) return rc;
  if (a->capture.list_devices) return std::nullopt;
  if (a->model.empty()) return flags.UsageError("-m MODEL is required");
  return CheckCaptureFlags(flags, a->capture);
}

Status ApiError(const char* what) {
  return Internal(std::string(what) + ": " + edgemma_last_error());
}
#define API(call)                                     \
  do {                                                \
    if ((call) != EDGEMMA_OK) return ApiError(#call); \
  } while (0)

using Clock = std::chrono::steady_clock;

// Barge-in listens during generation: what it reads from the source is
// handed back, in order, to the capture loop afterwards (nothing is skipped).
class ReplaySource : public media::CaptureSource {
 public:
  explicit ReplaySource(std::unique_ptr<media::CaptureSource> inner)
      : inner_(std::move(inner)) {}
  int rate() const override { return inner_->rate(); }
  Status Start() override { return inner_->Start(); }
  void Stop() override { inner_->Stop(); }
  media::CaptureStats stats() const override { return inner_->stats(); }
  Result<media::CaptureChunk> Read(float* out, int64_t capacity,
                                   int timeout_ms) override {
    if (queue_.empty()) return inner_->Read(out, capacity, timeout_ms);
    Held& h = queue_.front();
    media::CaptureChunk c = h.chunk;
    if (c.kind == media::CaptureChunk::kPcm) {
      c.frames = std::min<int64_t>(capacity, h.pcm.size() - h.at);
      std::copy(h.pcm.begin() + h.at, h.pcm.begin() + h.at + c.frames, out);
      h.at += c.frames;
      if (h.at < static_cast<int64_t>(h.pcm.size())) return c;
    }
    queue_.pop_front();
    return c;
  }
  // Reads the inner source without waiting; keeps what it got for Read().
  Result<media::CaptureChunk> Peek(std::vector<float>* buf) {
    EM_ASSIGN_OR_RETURN(media::CaptureChunk c,
                        inner_->Read(buf->data(), buf->size(), 0));
    if (c.kind == media::CaptureChunk::kNone) return c;
    Held h{c, {}, 0};
    if (c.kind == media::CaptureChunk::kPcm)
      h.pcm.assign(buf->begin(), buf->begin() + c.frames);
    queue_.push_back(std::move(h));
    return c;
  }

 private:
  struct Held {
    media::CaptureChunk chunk;
    std::vector<float> pcm;
    int64_t at;
  };
  std::unique_ptr<media::CaptureSource> inner_;
  std::deque<Held> queue_;
};

class Assistant {
 public:
  ~Assistant() {
    edgemma_audio_encoder_free(enc_);
    edgemma_session_free(session_);
    edgemma_model_free(model_);
  }

  Status Init(const Args& a) {
    args_ = a;
    edgemma_model_params mp = edgemma_model_default_params();
    if (!a.tokenizer.empty()) mp.tokenizer_path = a.tokenizer.c_str();
    API(edgemma_model_load(a.model.c_str(), &mp, &model_));
    edgemma_session_params sp = edgemma_session_default_params();
    sp.n_ctx = a.ctx;
    sp.n_threads = a.threads;
    // Each turn rewinds over the previous answer (the template re-renders it
    // without the thinking): keep that much sliding-window KV.
    sp.n_rewind = a.max_tokens + 64;
    API(edgemma_session_create(model_, &sp, &session_));
    edgemma_audio_params ap = edgemma_audio_default_params();
    ap.n_threads = a.threads;
    API(edgemma_audio_encoder_create(model_, &ap, &enc_));
    API(edgemma_model_audio_ids(model_, &begin_, &placeholder_, &end_));
    if (begin_ < 0 || placeholder_ < 0 || end_ < 0)
      return Unsupported(a.model + ": no audio marker tokens");
    return Status::Ok();
  }
  int rate() const { return edgemma_audio_sample_rate(enc_); }

  // Barge-in: while answering, `source` is read (live sources only) and a
  // second endpointer watches it; speech stops the answer, and the audio read
  // goes back to the capture loop, so the next turn starts with it.
  Status EnableBargeIn(ReplaySource* source, const CaptureArgs& capture,
                       const Endpointer* main) {
    source_ = source;
    main_ = main;
    peek_.resize(rate() / 5);
    EM_RETURN_IF_ERROR(InitEndpointer(capture, rate(), 0, &barge_));
    barge_.SetLive(
        [](void* user, const float*, int64_t, bool start) {
          if (start) static_cast<Assistant*>(user)->barged_ = true;
          return Status::Ok();
        },
        this);
    return Status::Ok();
  }

  // Speech started: prefill the turn up to <|audio> and reset the encoder.
  Status Begin() {
    t_begin_ = Clock::now();
    std::vector<int32_t> ids;
    EM_RETURN_IF_ERROR(TurnIds(&ids));
    size_t at = 0;  // the current turn's marker: the last placeholder
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == placeholder_) at = i;
    prefix_.assign(ids.begin(), ids.begin() + at);
    suffix_.assign(ids.begin() + at + 1, ids.end());
    prefix_.push_back(begin_);
    // Reuse what the session holds (earlier turns).
    size_t c = 0;
    while (c < held_.size() && c < prefix_.size() && held_[c] == prefix_[c])
      ++c;
    if (edgemma_session_rewind(session_, static_cast<int32_t>(c)) !=
        EDGEMMA_OK) {
      c = 0;
      API(edgemma_session_rewind(session_, 0));
    }
    reused_ = static_cast<int32_t>(c);
    API(edgemma_eval_tokens(session_, prefix_.data() + c,
                            static_cast<int32_t>(prefix_.size() - c), nullptr));
    n_soft_ = 0;
    API(edgemma_audio_reset(enc_));
    in_turn_ = true;
    return Status::Ok();
  }

  Status Feed(const float* pcm, int64_t n) {
    if (!in_turn_) return Status::Ok();
    API(edgemma_audio_feed(enc_, pcm, n, OnSoft, this));
    return Status::Ok();
  }

  // Speech ended: last tokens, <audio|>, the turn's end, then the answer.
  Status End() {
    if (!in_turn_) return Status::Ok();
    in_turn_ = false;
    const auto t_end = Clock::now();
    API(edgemma_audio_finish(enc_, OnSoft, this));
    std::vector<int32_t> full = prefix_;
    full.insert(full.end(), n_soft_, placeholder_);
    full.push_back(end_);
    full.insert(full.end(), suffix_.begin(), suffix_.end());
    edgemma_generate_params gp = edgemma_generate_default_params(model_);
    gp.max_tokens = args_.max_tokens;
    gp.stream_special = 1;
    gp.on_token = OnToken;
    gp.user_data = this;
    gp.should_abort = ShouldAbort;
    barged_ = false;
    if (source_) barge_.Restore(0, main_->noise_floor_db());
    printer_ = std::make_unique<AnswerPrinter>();
    API(edgemma_response_stream_create(&parts_));
    answer_.clear();
    sentence_.clear();
    first_sentence_ms_ = -1;
    raw_.clear();
    generated_.clear();
    first_token_ms_ = -1;
    t_end_ = t_end;
    edgemma_generate_stats st{};
    API(edgemma_generate_tokens(session_, full.data(),
                                static_cast<int32_t>(full.size()), &gp, &st));
    printer_->Finish();
    printer_.reset();
    edgemma_response_stream_finish(parts_, OnPart, this);
    edgemma_response_stream_free(parts_);
    parts_ = nullptr;
    SaySentence(sentence_);
    sentence_.clear();
    if (say_) {
      pclose(say_);  // the answer is spoken before listening goes on
      say_ = nullptr;
    }
    std::fflush(stdout);
    // What the session holds now: the prompt and the fed generated tokens.
    held_ = full;
    if (!generated_.empty())
      held_.insert(held_.end(), generated_.begin(), generated_.end() - 1);
    turns_.push_back({n_soft_, answer_});
    if (args_.stats) {
      nlohmann::ordered_json j = {
          {"turn", turns_.size()},
          {"end_of_speech_to_first_token_ms", first_token_ms_},
          {"end_of_speech_to_first_sentence_ms", first_sentence_ms_},
          {"speech_ms",
           std::chrono::duration<double, std::milli>(t_end - t_begin_).count()},
          {"audio_tokens", n_soft_},
          {"barged_in", barged_},
          {"reused_tokens", reused_},
          {"prompt_tokens", st.prompt_tokens},
          {"generated_tokens", st.generated_tokens},
          {"decode_ms", st.decode_ms}};
      std::fprintf(stderr, "%s\n", j.dump().c_str());
    }
    return Status::Ok();
  }

 private:
  struct Turn {
    int32_t n_soft;
    std::string answer;
  };

  // The conversation with this turn's user audio, rendered, tokenized and
  // with every earlier audio marker expanded to its soft-token run.
  Status TurnIds(std::vector<int32_t>* ids) {
    nlohmann::json msgs = nlohmann::json::array();
    if (!args_.system.empty())
      msgs.push_back({{"role", "system"}, {"content", args_.system}});
    const nlohmann::json audio = {{{"type", "audio"}}};
    for (const Turn& t : turns_) {
      msgs.push_back({{"role", "user"}, {"content", audio}});
      msgs.push_back({{"role", "assistant"}, {"content", t.answer}});
    }
    msgs.push_back({{"role", "user"}, {"content", audio}});
    const nlohmann::json req = {{"messages", msgs},
                                {"add_generation_prompt", true}};
    const std::string r = req.dump();
    size_t len = 0;
    API(edgemma_chat_prompt_json(model_, r.c_str(), nullptr, 0, &len));
    std::string prompt(len + 1, '\0');
    API(edgemma_chat_prompt_json(model_, r.c_str(), prompt.data(),
                                 prompt.size(), &len));
    prompt.resize(len);
    int32_t n = 0;
    API(edgemma_tokenize(model_, prompt.c_str(), 1, nullptr, 0, &n));
    std::vector<int32_t> raw(n);
    API(edgemma_tokenize(model_, prompt.c_str(), 1, raw.data(), n, &n));
    ids->clear();
    size_t k = 0;
    for (int32_t id : raw) {
      if (id == placeholder_ && k < turns_.size()) {
        ids->push_back(begin_);
        ids->insert(ids->end(), turns_[k++].n_soft, placeholder_);
        ids->push_back(end_);
      } else {
        ids->push_back(id);
      }
    }
    // The template writes the bare marker; the current one stays bare.
    return Status::Ok();
  }

  // Answer-channel text as it becomes final: sentences go to --say as soon
  // as they end.
  static void OnPart(edgemma_part_kind kind, const char* text, size_t len,
                     void* user) {
    if (kind != EDGEMMA_PART_CONTENT) return;
    auto* a = static_cast<Assistant*>(user);
    a->answer_.append(text, len);
    for (size_t i = 0; i < len; ++i) {
      a->sentence_ += text[i];
      const char c = text[i];
      if (c == '.' || c == '!' || c == '?' || c == '\n') {
        a->SaySentence(a->sentence_);
        a->sentence_.clear();
      }
    }
  }

  void SaySentence(const std::string& text) {
    if (text.find_first_not_of(" \n\t") == std::string::npos) return;
    if (first_sentence_ms_ < 0) {
      first_sentence_ms_ =
          std::chrono::duration<double, std::milli>(Clock::now() - t_end_)
              .count();
    }
    if (args_.say.empty()) return;
    if (!say_) say_ = popen(args_.say.c_str(), "w");
    if (!say_) return;
    std::fwrite(text.data(), 1, text.size(), say_);
    std::fputc('\n', say_);
    std::fflush(say_);
  }

  static Status NoUtterance(void*, const Utterance&) { return Status::Ok(); }

  static int32_t ShouldAbort(void* user) {
    auto* a = static_cast<Assistant*>(user);
    if (CaptureStopRequested()) return 1;
    if (!a->source_ || a->barged_) return a->barged_ ? 1 : 0;
    for (int i = 0; i < 64; ++i) {  // what arrived since the last token
      auto c = a->source_->Peek(&a->peek_);
      if (!c.ok() || c->kind == media::CaptureChunk::kNone ||
          c->kind == media::CaptureChunk::kEnd)
        break;
      if (c->kind == media::CaptureChunk::kPcm &&
          !a->barge_.Feed(a->peek_.data(), c->frames, NoUtterance, a).ok())
        break;
    }
    if (a->barged_) std::fprintf(stderr, "assistant: [barge-in]\n");
    return a->barged_ ? 1 : 0;
  }

  static int32_t OnSoft(const float* tokens, int32_t n, int32_t d_model,
                        int32_t, void* user) {
    auto* a = static_cast<Assistant*>(user);
    if (edgemma_eval_embeddings(a->session_, tokens, n, d_model, nullptr) !=
        EDGEMMA_OK)
      return 0;
    a->n_soft_ += n;
    return 1;
  }

  static int32_t OnToken(int32_t token, const char* piece, size_t len,
                         void* user) {
    auto* a = static_cast<Assistant*>(user);
    if (a->first_token_ms_ < 0) {
      a->first_token_ms_ =
          std::chrono::duration<double, std::milli>(Clock::now() - a->t_end_)
              .count();
    }
    if (token >= 0) a->generated_.push_back(token);
    a->raw_.append(piece, len);
    a->printer_->Piece(piece, len);
    edgemma_response_stream_feed(a->parts_, piece, len, OnPart, a);
    return CaptureStopRequested() ? 0 : 1;
  }

  Args args_;
  edgemma_model* model_ = nullptr;
  edgemma_session* session_ = nullptr;
  edgemma_audio_encoder* enc_ = nullptr;
  int32_t begin_ = -1, placeholder_ = -1, end_ = -1;
  std::vector<int32_t> held_, prefix_, suffix_, generated_;
  std::vector<Turn> turns_;
  std::unique_ptr<AnswerPrinter> printer_;
  std::string raw_, answer_, sentence_;
  edgemma_response_stream* parts_ = nullptr;
  FILE* say_ = nullptr;
  double first_sentence_ms_ = -1;
  int32_t n_soft_ = 0, reused_ = 0;
  bool in_turn_ = false;
  double first_token_ms_ = -1;
  ReplaySource* source_ = nullptr;
  const Endpointer* main_ = nullptr;
  Endpointer barge_;
  std::vector<float> peek_;
  bool barged_ = false;
  Clock::time_point t_begin_, t_end_;
};

Status OnLive(void* user, const float* pcm, int64_t n, bool start) {
  auto* a = static_cast<Assistant*>(user);
  if (start) EM_RETURN_IF_ERROR(a->Begin());
  return a->Feed(pcm, n);
}

Status OnUtterance(void* user, const Utterance& u) {
  if (u.cut) return Status::Ok();  // > 30 s: the encoder keeps the first 30 s
  return static_cast<Assistant*>(user)->End();
}

Status Run(const Args& a) {
  Assistant as;
  EM_RETURN_IF_ERROR(as.Init(a));
  const int rate = as.rate();
  EM_ASSIGN_OR_RETURN(auto inner, OpenCaptureSource(a.capture, rate, 0));
  ReplaySource source(std::move(inner));
  Endpointer ep;
  EM_RETURN_IF_ERROR(InitEndpointer(a.capture, rate, 0, &ep));
  ep.SetLive(OnLive, &as);
  // Live input only: a file read as fast as possible would be read whole.
  if ((!a.capture.device.empty() || a.capture.realtime) && !a.no_barge_in)
    EM_RETURN_IF_ERROR(as.EnableBargeIn(&source, a.capture, &ep));
  return RunCapture(source, ep, OnUtterance, nullptr, &as, kCmd);
}

int AssistantMain(int argc, char** argv) {
  return CaptureCommandMain<Args>(kCmd, argc, argv, ParseArgs, Run);
}

}  // namespace

EDGEMMA_COMMAND("assistant",
                "voice assistant: speech streamed into the model, answers on "
                "stdout (audio tower models)",
                AssistantMain);

}  // namespace edgemma::cli
