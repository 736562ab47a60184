// `edgemma run -m MODEL -p TEXT`: one answer, streamed to stdout as it is
// generated, with load/prompt/generation speed and peak memory on stderr. Built
// on the public C API only.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgemma.h"
#include "examples/cli/answer_printer.h"
#include "examples/cli/cli_audio.h"
#include "examples/cli/cli_generate.h"
#include "examples/cli/cli_run_media.h"
#include "examples/cli/command.h"
#include "examples/cli/transcriber.h"

namespace edgemma::cli {
namespace {

constexpr char kUsage[] =
    "usage: edgemma run -m MODEL -p TEXT [options]\n"
    "  Generates one answer to TEXT (with the Gemma 4 chat template unless "
    "--raw) and\n"
    "  streams it to stdout; statistics go to stderr. Ctrl-C stops the "
    "answer.\n"
    "options:\n"
    "  -p, --prompt TEXT    the user message (required without --audio)\n"
    "      --audio FILE     a sound file put into the user turn before TEXT "
    "(repeatable;\n"
    "                       any rate/channels, at most 30 s each). Without -p "
    "the model is\n"
    "                       asked for a transcription (the model card's ASR "
    "prompt).\n"
    "      --image FILE     an image (JPEG/PNG/PPM) put into the user turn "
    "(repeatable);\n"
    "      --budget B       its soft-token budget: 70, 140, 280 (default), "
    "560 or 1120\n"
    "      --video DIR      a video as a directory of frames sampled at --fps "
    "(default 1;\n"
    "                       at most 32 frames are used); --frame-budget B "
    "per frame\n"
    "                       (default 70). Media go in before TEXT in the "
    "order of the flags.\n"
    "      --raw            feed TEXT as is (after BOS), no chat template, "
    "and\n"
    "                       print the output as is\n"
    "  The thought channel (--think) goes to stderr between [thinking] and\n"
    "  [/thinking]; the answer to stdout; tool calls as [tool call] lines.\n";

struct RunState {
  const edgemma_model* model;
  AnswerPrinter* printer;  // null with --raw: pieces are printed as they come
};

int32_t OnToken(int32_t token, const char* piece, size_t len, void* user) {
  const auto* st = static_cast<RunState*>(user);
  for (int32_t i = 0; i < edgemma_model_n_eos(st->model); ++i) {
    if (token == edgemma_model_eos(st->model, i))
      return 1;  // stop ids are not printed
  }
  if (st->printer != nullptr) {
    st->printer->Piece(piece, len);
  } else {
    std::fwrite(piece, 1, len, stdout);
    std::fflush(stdout);
  }
  return 1;
}

int32_t ShouldAbort(void*) { return InterruptRequested() ? 1 : 0; }

int Fail(const char* what, edgemma_status st) {
  std::fprintf(stderr, "edgemma run: %s: %s: %s\n", what,
               edgemma_status_name(st), edgemma_last_error());
  return 1;
}

// Chat prompt with the --audio files as audio content parts (before the text,
// as the model card recommends): one <|audio|> marker per file.
edgemma_status RenderAudioPrompt(const GenFlags& f, const edgemma_model* model,
                                 std::string* text) {
  nlohmann::json req;
  const nlohmann::json content = nlohmann::json::parse(MediaContentJson(
      f, f.prompt.empty() && !f.audio.empty() ? SpeechInstruction("English", "")
                                              : f.prompt));
  if (!f.system.empty())
    req["messages"].push_back({{"role", "system"}, {"content", f.system}});
  req["messages"].push_back({{"role", "user"}, {"content", content}});
  req["add_generation_prompt"] = true;
  req["enable_thinking"] = f.think;
  const std::string body = req.dump();
  size_t len = 0;
  edgemma_status st =
      edgemma_chat_prompt_json(model, body.c_str(), nullptr, 0, &len);
  if (st != EDGEMMA_OK) return st;
  text->resize(len + 1);
  st = edgemma_chat_prompt_json(model, body.c_str(), &(*text)[0], text->size(),
                                &len);
  text->resize(len);
  return st;
}

// Feeds the prompt up to each <|audio|> marker, then the file's audio block
// (<|audio>, soft tokens streamed from the encoder, <audio|>), and returns in
// *expanded the prompt as the session now holds it (n <|audio|> ids per
// block), which edgemma_generate_tokens then reuses up to its last id.
int FeedAudio(const GenFlags& f, const Loaded& l,
              const std::vector<int32_t>& ids, std::vector<int32_t>* expanded) {
  int32_t boa = -1, audio = -1, eoa = -1;
  edgemma_model_audio_ids(l.model, &boa, &audio, &eoa);
  edgemma_audio_params ap = edgemma_audio_default_params();
  ap.n_threads = f.threads;
  ap.act_type = f.act;
  edgemma_audio_encoder* enc = nullptr;
  edgemma_status st = edgemma_audio_encoder_create(l.model, &ap, &enc);
  if (st != EDGEMMA_OK) return Fail("audio encoder", st);
  size_t next = 0, k = 0;
  for (size_t i = 0; i < ids.size() && st == EDGEMMA_OK; ++i) {
    if (ids[i] != audio) continue;
    if (k >= f.audio.size()) break;
    if (i > next)
      st = edgemma_eval_tokens(l.session, ids.data() + next, int32_t(i - next),
                               nullptr);
    expanded->insert(expanded->end(), ids.begin() + next, ids.begin() + i);
    next = i + 1;
    Result<std::vector<float>> pcm =
        LoadAudioPcm(f.audio[k], edgemma_audio_sample_rate(enc));
    if (!pcm.ok()) {
      edgemma_audio_encoder_free(enc);
      std::fprintf(stderr, "edgemma run: %s\n", pcm.status().message().c_str());
      return 1;
    }
    const auto t0 = std::chrono::steady_clock::now();
    int32_t n = 0;
    if (st == EDGEMMA_OK)
      st = edgemma_eval_audio(l.session, enc, pcm->data(), int64_t(pcm->size()),
                              &n);
    if (st == EDGEMMA_OK && !f.quiet) {
      std::fprintf(stderr,
                   "[audio] %s: %.2f s -> %d soft tokens, encoded + prefilled "
                   "in %.0f ms\n",
                   f.audio[k].c_str(),
                   double(pcm->size()) / edgemma_audio_sample_rate(enc), n,
                   std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    }
    expanded->push_back(boa);
    expanded->insert(expanded->end(), size_t(n), audio);
    expanded->push_back(eoa);
    ++k;
  }
  edgemma_audio_encoder_free(enc);
  if (st != EDGEMMA_OK) return Fail("audio", st);
  if (k != f.audio.size()) {
    std::fprintf(
        stderr,
        "edgemma run: the chat template placed %zu of %zu audio parts\n", k,
        f.audio.size());
    return 1;
  }
  expanded->insert(expanded->end(), ids.begin() + next, ids.end());
  return 0;
}

// The rendered chat prompt, or for --raw "<bos>" + TEXT as ids.
edgemma_status BuildPrompt(const GenFlags& f, const edgemma_model* model,
                           std::vector<int32_t>* ids) {
  std::string text;
  if (f.raw) {
    ids->push_back(edgemma_model_bos(model));
    text = f.prompt;
  } else if (!f.media_order.empty()) {
    edgemma_status st = RenderAudioPrompt(f, model, &text);
    if (st != EDGEMMA_OK) return st;
  } else {
    std::vector<edgemma_message> msgs;
    if (!f.system.empty()) msgs.push_back({"system", f.system.c_str()});
    msgs.push_back({"user", f.prompt.c_str()});
    size_t len = 0;
    edgemma_status st = edgemma_chat_prompt(
        model, msgs.data(), static_cast<int32_t>(msgs.size()), 1,
        f.think ? 1 : 0, nullptr, 0, &len);
    if (st != EDGEMMA_OK) return st;
    text.resize(len + 1);
    st = edgemma_chat_prompt(model, msgs.data(),
                             static_cast<int32_t>(msgs.size()), 1,
                             f.think ? 1 : 0, &text[0], text.size(), &len);
    if (st != EDGEMMA_OK) return st;
    text.resize(len);
  }
  int32_t n = 0;
  edgemma_status st =
      edgemma_tokenize(model, text.c_str(), f.raw ? 0 : 1, nullptr, 0, &n);
  if (st != EDGEMMA_OK) return st;
  const size_t base = ids->size();
  ids->resize(base + static_cast<size_t>(n));
  return edgemma_tokenize(model, text.c_str(), f.raw ? 0 : 1,
                          ids->data() + base, n, &n);
}

int Run(int argc, char** argv) {
  std::string usage = std::string(kUsage) + kGenFlagsHelp;
  GenFlags f;
  const int parsed =
      ParseGenFlags(argc, argv, "run", usage.c_str(), /*is_chat=*/false, &f);
  if (parsed >= 0) return parsed;
  Loaded l;
  if (!LoadModel(f, "run", &l)) return 1;
  // With images or video every media item is encoded first and the expanded
  // prompt is generated with its soft tokens (edgemma_generate_multimodal);
  // audio alone streams into the session (FeedAudio).
  const bool visual = !f.images.empty() || !f.videos.empty();
  std::string expanded_text;
  std::vector<float> soft;
  if (visual) {
    std::string text;
    edgemma_status rs = RenderAudioPrompt(f, l.model, &text);
    if (rs != EDGEMMA_OK) return Fail("prompt", rs);
    if (int rc = PrepareMedia(f, l, text, &expanded_text, &soft)) return rc;
  }
  std::vector<int32_t> ids;
  edgemma_status st = EDGEMMA_OK;
  if (!visual) st = BuildPrompt(f, l.model, &ids);
  if (st != EDGEMMA_OK) return Fail("prompt", st);
  if (!visual && !f.audio.empty()) {
    std::vector<int32_t> expanded;
    if (int rc = FeedAudio(f, l, ids, &expanded)) return rc;
    ids.swap(expanded);
  }
  InstallInterruptHandler();
  AnswerPrinter printer;
  RunState state{l.model, f.raw ? nullptr : &printer};
  edgemma_generate_params gp = MakeGenerateParams(f, l.model);
  gp.stream_special = f.raw ? 0 : 1;  // the printer needs the channel markers
  gp.on_token = OnToken;
  gp.should_abort = ShouldAbort;
  gp.user_data = &state;
  edgemma_generate_stats stats;
  if (visual) {
    const int32_t n_soft =
        static_cast<int32_t>(soft.size() / edgemma_model_d_model(l.model));
    st = edgemma_generate_multimodal(l.session, expanded_text.c_str(),
                                     soft.data(), n_soft, &gp, &stats);
  } else {
    st = edgemma_generate_tokens(l.session, ids.data(),
                                 static_cast<int32_t>(ids.size()), &gp, &stats);
  }
  if (f.raw) {
    std::printf("\n");
    std::fflush(stdout);
  } else {
    printer.Finish();
  }
  // The context filling up during the answer ends it like max_tokens; a
  // prompt that does not fit at all is an error.
  const bool truncated =
      st == EDGEMMA_ERR_CONTEXT_FULL && stats.generated_tokens > 0;
  if (!f.quiet && (st == EDGEMMA_OK || truncated)) {
    PrintStats(l, stats, f.seed);
  }
  if (truncated) {
    std::fprintf(stderr, "edgemma run: %s\n", edgemma_last_error());
    return 0;
  }
  return st == EDGEMMA_OK ? 0 : Fail("generate", st);
}

}  // namespace

EDGEMMA_COMMAND("run",
                "generate one answer to a prompt (streams text, prints speed)",
                Run);

}  // namespace edgemma::cli
