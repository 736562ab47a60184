// `edgemma transcribe -m MODEL FILE... [--json | --srt | --vtt] [--translate-to
// LANG]`: sound files -> timestamped text. Long audio is split into blocks the
// model takes whole (at most 30 s, cut at the quietest point near each
// boundary: core/audio/audio_splitter.h); each block is transcribed on its own
// with the model card's ASR instruction and greedy decoding
// (examples/cli/transcriber.h). The segments tile the file exactly.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/audio/audio_splitter.h"
#include "examples/cli/cli_audio.h"
#include "examples/cli/command.h"
#include "examples/cli/flags.h"
#include "examples/cli/transcriber.h"

namespace edgemma::cli {
namespace {

constexpr char kCmd[] = "transcribe";
constexpr char kUsage[] =
    "usage: edgemma transcribe -m MODEL [options] FILE...\n"
    "  Speech -> text with a Gemma 4 model that has an audio tower (E2B/E4B). "
    "Any sound file\n"
    "  libsndfile reads (WAV, FLAC, OGG, MP3, any rate and channel count). "
    "Audio longer than\n"
    "  30 s is split at quiet points into blocks of at most 30 s, each "
    "transcribed alone.\n"
    "  MODEL: an HF checkpoint directory, or a GGUF with its mmproj-<name> "
    "beside it.\n"
    "options:\n"
    "  --mmproj PATH        the audio tower of a GGUF model (default: "
    "mmproj-<MODEL name>)\n"
    "  --tokenizer PATH     tokenizer.json (default: the model's own)\n"
    "  --language LANG      the spoken language, as the instruction names it "
    "(default English)\n"
    "  --translate-to LANG  translate into LANG (model card AST instruction); "
    "prints the\n"
    "                       translation\n"
    "  --json               one JSON line per segment: {\"start\", \"end\", "
    "\"text\"} (seconds;\n"
    "                       with several files also \"file\")\n"
    "  --srt | --vtt        SubRip / WebVTT subtitles (one FILE)\n"
    "  -n, --max-tokens N   generated tokens per block at most (default 256)\n"
    "  --threads N          threads (default: all cores)\n"
    "  Progress goes to stderr. Exit status 1 if any file fails (the others "
    "still run).\n";

enum class Format { kText, kJson, kSrt, kVtt };

struct Args {
  TranscriberOptions t;
  Format format = Format::kText;
  std::vector<std::string> files;
};

// Returns nullopt to go on, else the exit code (0 help, 2 usage).
std::optional<int> ParseArgs(int argc, char** argv, Args* f) {
  bool json = false, srt = false, vtt = false;
  Flags flags(kCmd, kUsage);
  flags.Switch("--json", &json)
      .Switch("--srt", &srt)
      .Switch("--vtt", &vtt)
      .String("-m,--model", &f->t.model)
      .String("--mmproj", &f->t.mmproj)
      .String("--tokenizer", &f->t.tokenizer)
      .String("--language", &f->t.language)
      .String("--translate-to", &f->t.translate_to)
      .Int("-n,--max-tokens", &f->t.max_tokens, 1, 1 << 20)
      .Int("-t,--threads", &f->t.threads, 1, 1024)
      .Positionals(&f->files, 0, 1 << 20);
  if (auto rc = flags.Parse(argc, argv)) return rc;
  if (int(json) + int(srt) + int(vtt) > 1)
    return flags.UsageError("give one of --json, --srt, --vtt");
  f->format = json  ? Format::kJson
              : srt ? Format::kSrt
              : vtt ? Format::kVtt
                    : Format::kText;
  if (f->t.model.empty()) return flags.UsageError("-m MODEL is required");
  if (f->files.empty()) return flags.UsageError("give at least one sound FILE");
  if ((srt || vtt) && f->files.size() > 1)
    return flags.UsageError("--srt/--vtt take one FILE");
  if (f->t.language.empty())
    return flags.UsageError("--language must not be empty");
  return std::nullopt;
}

// HH:MM:SS.mmm (sep '.') or HH:MM:SS,mmm (SubRip).
std::string Clock(double seconds, char sep) {
  const long long ms = static_cast<long long>(seconds * 1000.0 + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld%c%03lld", ms / 3600000,
                ms / 60000 % 60, ms / 1000 % 60, sep, ms % 1000);
  return buf;
}

struct Printer {
  Format format;
  bool many_files;
  int index = 0;  // SubRip cue number

  void Header(const std::string& file) {
    if (format == Format::kVtt) std::printf("WEBVTT\n\n");
    if (format == Format::kText && many_files)
      std::printf("# %s\n", file.c_str());
  }
  void Segment(const std::string& file, double start, double end,
               const std::string& text) {
    switch (format) {
      case Format::kJson: {
        nlohmann::ordered_json j = {
            {"start", start}, {"end", end}, {"text", text}};
        if (many_files) j["file"] = file;
        std::printf("%s\n", j.dump(-1, ' ', false,
                                   nlohmann::json::error_handler_t::replace)
                                .c_str());
        break;
      }
      case Format::kSrt:
        std::printf("%d\n%s --> %s\n%s\n\n", ++index, Clock(start, ',').c_str(),
                    Clock(end, ',').c_str(), text.c_str());
        break;
      case Format::kVtt:
        std::printf("%s --> %s\n%s\n\n", Clock(start, '.').c_str(),
                    Clock(end, '.').c_str(), text.c_str());
        break;
      case Format::kText:
        std::printf("[%s --> %s]  %s\n", Clock(start, '.').c_str(),
                    Clock(end, '.').c_str(), text.c_str());
        break;
    }
    std::fflush(stdout);
  }
};

// Transcribes one file block by block; errors name the file.
Status TranscribeFile(Transcriber& tr, const std::string& file, Printer& out) {
  const LogMelParams& p = tr.front_end();
  EM_ASSIGN_OR_RETURN(std::vector<float> pcm,
                      LoadAudioPcm(file, p.sample_rate));
  std::vector<AudioBlock> blocks;
  EM_RETURN_IF_ERROR(
      SplitAudio(pcm.data(), pcm.size(), DefaultSplitOptions(p), &blocks));
  out.Header(file);
  const double rate = p.sample_rate;
  std::string text;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const AudioBlock& b = blocks[i];
    const auto t0 = std::chrono::steady_clock::now();
    Status s = tr.Transcribe(pcm.data() + b.begin, b.end - b.begin, &text);
    if (!s.ok()) return Status(s.code(), file + ": " + s.message());
    out.Segment(file, b.begin / rate, b.end / rate, text);
    if (blocks.size() > 1) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      std::fprintf(stderr,
                   "transcribe: %s: block %zu/%zu [%s - %s] in %.1f s\n",
                   file.c_str(), i + 1, blocks.size(),
                   Clock(b.begin / rate, '.').c_str(),
                   Clock(b.end / rate, '.').c_str(), secs);
    }
  }
  return Status::Ok();
}

int Transcribe(int argc, char** argv) {
  Args f;
  if (auto rc = ParseArgs(argc, argv, &f)) return *rc;
  auto tr = Transcriber::Create(f.t);
  if (!tr.ok()) {
    std::fprintf(stderr, "edgemma %s: %s\n", kCmd,
                 tr.status().message().c_str());
    return 1;
  }
  Printer out{f.format, f.files.size() > 1};
  int failed = 0;
  for (const std::string& file : f.files) {
    Status s = TranscribeFile(**tr, file, out);
    if (!s.ok()) {
      std::fprintf(stderr, "edgemma %s: %s\n", kCmd, s.message().c_str());
      ++failed;
    }
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace

EDGEMMA_COMMAND(
    "transcribe",
    "speech in sound files -> timestamped text (audio tower models)",
    Transcribe);

}  // namespace edgemma::cli
