#include "examples/cli/cli_generate.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace edgemma::cli {
namespace {

volatile sig_atomic_t g_interrupt = 0;

void OnSigint(int) { g_interrupt = 1; }

bool ParseInt(const char* s, long lo, long hi, long* out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool ParseFloat(const char* s, float lo, float hi, float* out) {
  char* end = nullptr;
  const float v = std::strtof(s, &end);
  if (end == s || *end != '\0' || !std::isfinite(v) || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

int Bad(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "edgemma %s: %s (see --help)\n", cmd, msg.c_str());
  return 2;
}

// One flag that takes a value; returns -1 if consumed OK, 2 on a bad value, 0
// if not ours.
int ParseValueFlag(const std::string& a, const char* v, const char* cmd,
                   GenFlags* f) {
  long n = 0;
  auto bad = [&](const char* what) {
    return Bad(cmd, a + " needs " + what + ", got '" + v + "'");
  };
  if (a == "-m" || a == "--model") {
    f->model = v;
  } else if (a == "-p" || a == "--prompt") {
    f->prompt = v;
  } else if (a == "--system") {
    f->system = v;
  } else if (a == "--save") {
    f->save = v;
  } else if (a == "--tokenizer") {
    f->tokenizer = v;
  } else if (a == "-n" || a == "--max-tokens") {
    if (!ParseInt(v, 0, 1 << 24, &n)) return bad("an integer >= 0");
    f->max_tokens = static_cast<int>(n);
  } else if (a == "--ctx") {
    if (!ParseInt(v, 1, 1 << 24, &n)) return bad("an integer >= 1");
    f->ctx = static_cast<int>(n);
  } else if (a == "--threads" || a == "-t") {
    if (!ParseInt(v, 1, 1024, &n)) return bad("an integer in [1, 1024]");
    f->threads = static_cast<int>(n);
  } else if (a == "--temp") {
    if (!ParseFloat(v, 0.f, 100.f, &f->temp))
      return bad("a number in [0, 100]");
    f->has_temp = true;
  } else if (a == "--top-k") {
    if (!ParseInt(v, 0, 1 << 24, &n)) return bad("an integer >= 0");
    f->top_k = static_cast<int>(n);
    f->has_top_k = true;
  } else if (a == "--top-p") {
    if (!ParseFloat(v, 0.f, 1.f, &f->top_p) || f->top_p <= 0.f)
      return bad("a number in (0, 1]");
    f->has_top_p = true;
  } else if (a == "--min-p") {
    if (!ParseFloat(v, 0.f, 1.f, &f->min_p)) return bad("a number in [0, 1]");
    f->has_min_p = true;
  } else if (a == "--act") {
    if (std::strcmp(v, "q8") == 0) {
      f->act = EDGEMMA_ACT_Q8;
    } else if (std::strcmp(v, "f32") == 0) {
      f->act = EDGEMMA_ACT_F32;
    } else {
      return bad("q8 or f32");
    }
  } else if (a == "--seed") {
    char* end = nullptr;
    errno = 0;
    f->seed = std::strtoull(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0 || v[0] == '-')
      return bad("a non-negative integer");
    f->has_seed = true;
  } else {
    return 0;
  }
  return -1;
}

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
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("%s", usage);
      return 0;
    } else if (a == "--think") {
      f->think = true;
    } else if (a == "--quiet" || a == "-q") {
      f->quiet = true;
    } else if (a == "--raw" && !is_chat) {
      f->raw = true;
    } else if ((a == "-p" || a == "--prompt") && is_chat) {
      return Bad(cmd,
                 "unknown flag '" + a + "' (chat reads prompts from stdin)");
    } else if (a == "--save" && !is_chat) {
      return Bad(cmd, "unknown flag '" + a + "'");
    } else if (a == "--audio" && !is_chat) {
      if (i + 1 >= argc) return Bad(cmd, "--audio needs a sound file");
      f->audio.push_back(argv[++i]);
      f->media_order.push_back('a');
    } else if (a == "--image" && !is_chat) {
      if (i + 1 >= argc) return Bad(cmd, "--image needs an image file");
      f->images.push_back(argv[++i]);
      f->media_order.push_back('i');
    } else if (a == "--video" && !is_chat) {
      if (i + 1 >= argc) return Bad(cmd, "--video needs a directory of frames");
      f->videos.push_back(argv[++i]);
      f->media_order.push_back('v');
    } else if ((a == "--budget" || a == "--frame-budget" || a == "--fps") &&
               !is_chat) {
      if (i + 1 >= argc) return Bad(cmd, a + " needs a number");
      const std::string v = argv[++i];
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 100000)
        return Bad(cmd, a + ": expected a positive number, got '" + v + "'");
      (a == "--budget" ? f->budget
       : a == "--fps"  ? f->fps
                       : f->frame_budget) = static_cast<int>(n);
    } else if (!a.empty() && a[0] == '-') {
      if (i + 1 >= argc) {
        const int r = ParseValueFlag(a, "", cmd, f);
        return Bad(cmd,
                   r == 0 ? "unknown flag '" + a + "'" : a + " needs a value");
      }
      const int r = ParseValueFlag(a, argv[i + 1], cmd, f);
      if (r == 0) return Bad(cmd, "unknown flag '" + a + "'");
      if (r != -1) return r;
      ++i;
    } else {
      return Bad(cmd, "unexpected argument '" + a + "'");
    }
  }
  if (f->model.empty()) return Bad(cmd, "-m MODEL is required");
  if (!is_chat && f->prompt.empty() && f->audio.empty())
    return Bad(cmd, "-p TEXT is required");
  if (f->raw && !f->media_order.empty())
    return Bad(cmd, "--raw cannot be combined with --audio/--image/--video");
  if (f->raw && (!f->system.empty() || f->think)) {
    return Bad(cmd, "--raw cannot be combined with --system or --think");
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
