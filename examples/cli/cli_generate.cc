#include "examples/cli/cli_generate.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "examples/cli/flags.h"

namespace edgemma::cli {
namespace {

volatile sig_atomic_t g_interrupt = 0;

void OnSigint(int) { g_interrupt = 1; }

}  // namespace

const char kGenFlagsHelp[] =
    "  -m, --model PATH     GGUF file or HF checkpoint directory (required)\n"
    "      --system TEXT    system prompt\n"
    "      --think          enable the model's thinking mode\n"
    "  -n, --max-tokens N   tokens to generate at most per answer (default "
    "512)\n"
    "      --temp T         temperature (0 = greedy; default from "
    "generation_config)\n"
    "      --top-k K        keep the K most likely tokens (0 = off)\n"
    "      --top-p P        nucleus sampling mass in (0, 1] (1 = off)\n"
    "      --min-p P        drop tokens below P * p(max) (0 = off)\n"
    "      --seed S         sampling seed (default: random, printed with the "
    "stats)\n"
    "      --ctx N          context length in tokens (default: model max, at "
    "most 4096)\n"
    "  -t, --threads N      threads (default: all cores)\n"
    "      --act q8|f32     activations of Q4_0/Q8_0 weight products: q8 "
    "(default, fastest)\n"
    "                       or f32 (exact, slower)\n"
    "      --tokenizer PATH tokenizer.json to use instead of the model's\n"
    "      --quiet          do not print load/speed/memory statistics\n";

int ParseGenFlags(int argc, char** argv, const char* cmd, const char* usage,
                  bool is_chat, GenFlags* f) {
  Flags flags(cmd, usage);
  flags.String("-m,--model", &f->model)
      .String("--system", &f->system)
      .String("--tokenizer", &f->tokenizer)
      .Switch("--think", &f->think)
      .Switch("-q,--quiet", &f->quiet)
      .Int("-n,--max-tokens", &f->max_tokens, 0, 1 << 24)
      .Int("--ctx", &f->ctx, 1, 1 << 24)
      .Int("-t,--threads", &f->threads, 1, 1024)
      .Float("--temp", &f->temp, 0, 100)
      .Given(&f->has_temp)
      .Int("--top-k", &f->top_k, 0, 1 << 24)
      .Given(&f->has_top_k)
      .Custom("--top-p",
              [f](const char* v) {
                double p = 0;
                if (ParseFloat(v, 0, 1, &p) && p > 0) {
                  f->top_p = static_cast<float>(p);
                  return std::string();
                }
                return std::string("--top-p needs a number in (0, 1], got '") +
                       v + "'";
              })
      .Given(&f->has_top_p)
      .Float("--min-p", &f->min_p, 0, 1)
      .Given(&f->has_min_p)
      .Custom("--act",
              [f](const char* v) {
                if (std::strcmp(v, "q8") == 0) {
                  f->act = EDGEMMA_ACT_Q8;
                } else if (std::strcmp(v, "f32") == 0) {
                  f->act = EDGEMMA_ACT_F32;
                } else {
                  return "--act must be q8 or f32";
                }
                return "";
              })
      .Uint64("--seed", &f->seed)
      .Given(&f->has_seed);
  if (is_chat) {
    flags.String("--save", &f->save);
  } else {
    // Media flags keep their order across kinds (the user turn's parts).
    auto media = [f](std::vector<std::string>* files, char kind) {
      return [f, files, kind](const char* v) {
        files->push_back(v);
        f->media_order.push_back(kind);
        return std::string();
      };
    };
    flags.String("-p,--prompt", &f->prompt)
        .Switch("--raw", &f->raw)
        .Custom("--audio", media(&f->audio, 'a'))
        .Custom("--image", media(&f->images, 'i'))
        .Custom("--video", media(&f->videos, 'v'))
        .Int("--budget", &f->budget, 1, 1 << 20)
        .Int("--frame-budget", &f->frame_budget, 1, 1 << 20)
        .Int("--fps", &f->fps, 1, 1000);
  }
  if (auto rc = flags.Parse(argc, argv)) return *rc;
  if (f->model.empty()) return flags.UsageError("-m MODEL is required");
  if (!is_chat && f->prompt.empty() && f->audio.empty())
    return flags.UsageError("-p TEXT is required");
  if (f->raw && !f->media_order.empty()) {
    return flags.UsageError(
        "--raw cannot be combined with --audio/--image/--video");
  }
  if (f->raw && (!f->system.empty() || f->think)) {
    return flags.UsageError(
        "--raw cannot be combined with --system or --think");
  }
  if (!f->has_seed) {
    f->seed = static_cast<uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
  }
  if (f->threads == 0) {
    f->threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  return -1;
}

Loaded::~Loaded() {
  edgemma_session_free(session);
  edgemma_model_free(model);
}

bool LoadModel(const GenFlags& f, const char* cmd, Loaded* out) {
  const auto t0 = std::chrono::steady_clock::now();
  edgemma_model_params mp = edgemma_model_default_params();
  if (!f.tokenizer.empty()) mp.tokenizer_path = f.tokenizer.c_str();
  edgemma_status st = edgemma_model_load(f.model.c_str(), &mp, &out->model);
  if (st == EDGEMMA_OK && !edgemma_model_has_tokenizer(out->model)) {
    std::fprintf(
        stderr,
        "edgemma %s: %s has no tokenizer (give --tokenizer tokenizer.json)\n",
        cmd, f.model.c_str());
    return false;
  }
  if (st == EDGEMMA_OK) {
    edgemma_session_params sp = edgemma_session_default_params();
    sp.n_ctx = f.ctx;
    sp.n_threads = f.threads;
    sp.n_rewind = f.rewind;
    sp.act_type = f.act;
    st = edgemma_session_create(out->model, &sp, &out->session);
  }
  if (st != EDGEMMA_OK) {
    std::fprintf(stderr, "edgemma %s: %s: %s\n", cmd, edgemma_status_name(st),
                 edgemma_last_error());
    return false;
  }
  out->load_ms = std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
  return true;
}

edgemma_generate_params MakeGenerateParams(const GenFlags& f,
                                           const edgemma_model* model) {
  edgemma_generate_params p = edgemma_generate_default_params(model);
  p.max_tokens = f.max_tokens;
  if (f.has_temp) p.sampling.temperature = f.temp;
  if (f.has_top_k) p.sampling.top_k = f.top_k;
  if (f.has_top_p) p.sampling.top_p = f.top_p;
  if (f.has_min_p) p.sampling.min_p = f.min_p;
  p.sampling.seed = f.seed;
  return p;
}

void InstallInterruptHandler() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: fgets at the prompt returns on Ctrl-C
  sigaction(SIGINT, &sa, nullptr);
}

bool InterruptRequested() { return g_interrupt != 0; }
void ClearInterrupt() { g_interrupt = 0; }

long PeakRssKib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "VmHWM:", 6) == 0)
      kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

void PrintStats(const Loaded& l, const edgemma_generate_stats& s,
                uint64_t seed) {
  static const char* kStop[] = {"none",    "eos",         "max tokens",
                                "stopped", "interrupted", "context full"};
  auto rate = [](int n, double ms) { return ms > 0 ? 1000.0 * n / ms : 0.0; };
  const int prefilled = s.prompt_tokens - s.reused_tokens;
  std::fprintf(stderr, "\n[load] %.1f ms (kernels: %s)\n", l.load_ms,
               edgemma_model_kernel_name(l.model));
  std::fprintf(stderr,
               "[prompt] %d tokens (%d reused, %d prefilled) in %.1f ms, %.1f "
               "tokens/s\n",
               s.prompt_tokens, s.reused_tokens, prefilled, s.prompt_ms,
               rate(prefilled, s.prompt_ms));
  std::fprintf(
      stderr,
      "[generate] %d tokens in %.1f ms, %.1f tokens/s (stop: %s, seed %llu)\n",
      s.generated_tokens, s.decode_ms, rate(s.generated_tokens, s.decode_ms),
      kStop[s.stop_reason >= 0 && s.stop_reason <= 5 ? s.stop_reason : 0],
      static_cast<unsigned long long>(seed));
  const long kib = PeakRssKib();
  if (kib >= 0)
    std::fprintf(stderr, "[memory] peak %.1f MiB (VmHWM)\n", kib / 1024.0);
}

}  // namespace edgemma::cli
