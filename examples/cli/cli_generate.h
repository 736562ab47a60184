// Shared pieces of `edgemma run` and `edgemma chat`: flag parsing,
// model/session setup through the public C API, Ctrl-C handling and the
// statistics printout.
#ifndef EDGEMMA_EXAMPLES_CLI_CLI_GENERATE_H_
#define EDGEMMA_EXAMPLES_CLI_CLI_GENERATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "edgemma.h"

namespace edgemma::cli {

struct GenFlags {
  std::string model, prompt, system, save, tokenizer;
  std::vector<std::string> audio;  // run --audio FILE (repeatable), in order
  // run --image FILE (repeatable) / --video DIR (frames): with --audio, the
  // media go into the user turn in the order of the flags.
  std::vector<std::string> images, videos;
  std::vector<char> media_order;  // 'a', 'i', 'v' per media flag, in order
  int budget = 280;               // --budget: soft-token budget per image
  int frame_budget = 70;          // --frame-budget: per video frame
  int fps = 1;                    // --fps: frames per second of a --video DIR
  bool think = false, raw = false, quiet = false;
  int max_tokens = 512;
  int ctx = 0;      // 0: the model's maximum, capped at 4096
  int threads = 0;  // 0: all cores
  int rewind = 0;   // edgemma_session_params.n_rewind (chat: room to re-prefill
                    // an answer)
  bool has_temp = false, has_top_k = false, has_top_p = false,
       has_min_p = false;
  float temp = 0, top_p = 0, min_p = 0;
  int top_k = 0;
  bool has_seed = false;
  uint64_t seed = 0;
  // --act: MatMul activations for quantized weights (q8 default, f32 exact).
  edgemma_act_type act = EDGEMMA_ACT_Q8;
};

// Flags common to run and chat (see kGenFlagsHelp). Returns -1 to go on, else
// the exit code: 0 after --help, 2 for unknown flags or bad values (message
// printed as "edgemma <cmd>: ...").
int ParseGenFlags(int argc, char** argv, const char* cmd, const char* usage,
                  bool is_chat, GenFlags* f);
extern const char kGenFlagsHelp[];

// A loaded model and one session over it; frees both on destruction.
struct Loaded {
  edgemma_model* model = nullptr;
  edgemma_session* session = nullptr;
  double load_ms = 0;
  ~Loaded();
};
// Loads and creates; prints "edgemma <cmd>: ..." and returns false on error.
bool LoadModel(const GenFlags& f, const char* cmd, Loaded* out);
edgemma_generate_params MakeGenerateParams(const GenFlags& f,
                                           const edgemma_model* model);

// SIGINT sets a flag instead of killing the process (no SA_RESTART, so a
// blocking read at the prompt returns with EINTR). InterruptRequested() reads
// it, ClearInterrupt() resets it.
void InstallInterruptHandler();
bool InterruptRequested();
void ClearInterrupt();

// "prompt: N tokens ..., generate: ..., peak memory" on stderr.
void PrintStats(const Loaded& l, const edgemma_generate_stats& s,
                uint64_t seed);
// VmHWM from /proc/self/status in KiB, or -1.
long PeakRssKib();

}  // namespace edgemma::cli

#endif  // EDGEMMA_EXAMPLES_CLI_CLI_GENERATE_H_
