/* firmware: edgemma the way an appliance runs it. C99 over include/edgemma.h
 * only, linked statically, with ALL session memory in one static buffer
 * reserved at build time.
 *
 * Phases:
 * - start: load the model (weights memory-mapped; config, tokenizer tables and
 *   the model's bookkeeping are allocated here, once), tokenize the prompt,
 *   ask edgemma_session_required_bytes() and create the session inside
 *   g_arena. Everything that allocates happens in this phase.
 * - run: generate, rewind, generate again: no heap allocation (proved by the
 *   test build, which links alloc_probe.c with -Wl,--wrap=malloc,...).
 * - report: binary size, arena use, peak resident memory (ru_maxrss) as one
 *   JSON line.
 *
 * usage: edgemma-firmware MODEL [--tokenizer PATH] [--prompt TEXT]
 *          [--ctx N] [--tokens N] [--threads N] [--arena-limit BYTES]
 * Without a tokenizer the prompt is BOS and a few ids spread over the
 * vocabulary. --arena-limit pretends the static buffer is smaller (the
 * EDGEMMA_ERR_ARENA_FULL path). Exit status: 0 ok, 2 usage, else 10 + the
 * edgemma_status that stopped it. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "edgemma.h"

#ifdef FIRMWARE_ALLOC_PROBE
#include "alloc_probe.h"
#endif

#ifndef FIRMWARE_ARENA_BYTES
#define FIRMWARE_ARENA_BYTES (64u << 20)
#endif
#define FIRMWARE_MAX_PROMPT 256 /* prompt ids kept in a static array */
#define FIRMWARE_MAX_TEXT 4096  /* generated text kept in a static array */

/* The one buffer the session lives in (KV cache, activations, scratch, logits).
 * In .bss: it costs no file size, and only the pages the session touches become
 * resident. The session wants it 64-byte aligned: Arena() rounds up into the 63
 * spare bytes (plain C99). */
static unsigned char g_arena[FIRMWARE_ARENA_BYTES + 63];
#define ARENA_CAPACITY ((size_t)FIRMWARE_ARENA_BYTES)

static void* Arena(void) {
  return (void*)(((uintptr_t)g_arena + 63u) & ~(uintptr_t)63u);
}
static int32_t g_prompt[FIRMWARE_MAX_PROMPT];
static char g_text[2][FIRMWARE_MAX_TEXT];
static int32_t
    g_ids[2][FIRMWARE_MAX_PROMPT]; /* the first generated ids of each run */

typedef struct options {
  const char* model;
  const char* tokenizer;
  const char* prompt;
  int32_t ctx, tokens, threads;
  size_t arena_limit;
} options;

typedef struct output {
  char* text;
  size_t len;
  int32_t* ids;
  int32_t n_ids;
} output;

/* What the application does for each status: the message, and whether retrying
 * can help. The switch names every value and has no default, so a status added
 * to edgemma.h fails the build (-Wswitch-enum -Werror) until it is handled
 * here. */
static int Report(const char* what, edgemma_status st) {
  const char* advice = "";
  switch (st) {
    case EDGEMMA_OK:
      return 0;
    case EDGEMMA_ERR_INVALID_ARGUMENT:
      advice = "a parameter is out of range: check the options";
      break;
    case EDGEMMA_ERR_NOT_FOUND:
      advice = "check the model path and that the files are installed";
      break;
    case EDGEMMA_ERR_IO:
      advice = "storage error: check the medium, then retry";
      break;
    case EDGEMMA_ERR_CORRUPT:
      advice =
          "the model file is damaged or truncated: reinstall it (update by "
          "rename)";
      break;
    case EDGEMMA_ERR_UNSUPPORTED:
      advice = "this model or CPU is not supported by this build";
      break;
    case EDGEMMA_ERR_OUT_OF_MEMORY:
      advice =
          "the system is out of memory at start: free memory or use a smaller "
          "model";
      break;
    case EDGEMMA_ERR_ARENA_FULL:
      advice =
          "the static arena is too small: rebuild with a larger "
          "FIRMWARE_ARENA_BYTES "
          "or lower --ctx";
      break;
    case EDGEMMA_ERR_CONTEXT_FULL:
      advice = "the context is full: rewind the session or raise --ctx";
      break;
    case EDGEMMA_ERR_CANCELLED:
      advice = "stopped on request";
      break;
    case EDGEMMA_ERR_INTERNAL:
      advice = "a bug in edgemma: please report it with this message";
      break;
  }
  fprintf(stderr, "firmware: %s: %s: %s (%s)\n", what, edgemma_status_name(st),
          edgemma_last_error(), advice);
  return 10 + (int)st;
}

static int ParseCount(const char* s, long lo, long hi, long* out) {
  char* end = NULL;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

static int Usage(const char* msg) {
  fprintf(stderr,
          "firmware: %s\nusage: edgemma-firmware MODEL [--tokenizer PATH] "
          "[--prompt TEXT] "
          "[--ctx N] [--tokens N] [--threads N] [--arena-limit BYTES]\n",
          msg);
  return 2;
}

static int ParseArgs(int argc, char** argv, options* o) {
  int i;
  memset(o, 0, sizeof *o);
  o->prompt = "Tell me about the sea.";
  o->ctx = 128;
  o->tokens = 16;
  o->threads = 1;
  o->arena_limit = ARENA_CAPACITY;
  for (i = 1; i < argc; ++i) {
    const char* a = argv[i];
    long v = 0;
    if (a[0] != '-') {
      if (o->model != NULL) return Usage("more than one MODEL given");
      o->model = a;
      continue;
    }
    if (i + 1 >= argc) return Usage("a flag lacks its value");
    ++i;
    if (strcmp(a, "--tokenizer") == 0) {
      o->tokenizer = argv[i];
    } else if (strcmp(a, "--prompt") == 0) {
      o->prompt = argv[i];
    } else if (strcmp(a, "--ctx") == 0 && ParseCount(argv[i], 8, 1 << 20, &v)) {
      o->ctx = (int32_t)v;
    } else if (strcmp(a, "--tokens") == 0 &&
               ParseCount(argv[i], 1, 1 << 20, &v)) {
      o->tokens = (int32_t)v;
    } else if (strcmp(a, "--threads") == 0 && ParseCount(argv[i], 1, 256, &v)) {
      o->threads = (int32_t)v;
    } else if (strcmp(a, "--arena-limit") == 0 &&
               ParseCount(argv[i], 0, (long)ARENA_CAPACITY, &v)) {
      o->arena_limit = (size_t)v;
    } else {
      return Usage("unknown flag or bad value");
    }
  }
  return o->model == NULL ? Usage("no MODEL given") : 0;
}

/* The prompt's ids: tokenized when there is a tokenizer, else BOS + ids spread
 * over the vocabulary (no tokenizer needed; nothing hard-coded). */
static edgemma_status PromptIds(const edgemma_model* m, const char* text,
                                int32_t* n) {
  int32_t i, vocab = edgemma_model_vocab_size(m);
  g_prompt[0] = edgemma_model_bos(m);
  if (edgemma_model_has_tokenizer(m)) {
    edgemma_status st =
        edgemma_tokenize(m, text, 0, g_prompt + 1, FIRMWARE_MAX_PROMPT - 1, n);
    if (st == EDGEMMA_OK) ++*n;
    return st;
  }
  for (i = 1; i < 8; ++i) g_prompt[i] = (int32_t)((i * 7919L) % vocab);
  *n = 8;
  return EDGEMMA_OK;
}

static int32_t OnToken(int32_t token, const char* piece, size_t len,
                       void* user) {
  output* out = (output*)user;
  if (out->n_ids < FIRMWARE_MAX_PROMPT) out->ids[out->n_ids++] = token;
  if (out->len + len >= FIRMWARE_MAX_TEXT)
    len = FIRMWARE_MAX_TEXT - 1 - out->len;
  memcpy(out->text + out->len, piece, len);
  out->len += len;
  out->text[out->len] = '\0';
  return 1;
}

/* One greedy generation of the prompt into g_text[slot]. */
static edgemma_status Generate(edgemma_session* s, const edgemma_model* m,
                               const options* o, int32_t n_prompt, int slot,
                               edgemma_generate_stats* stats) {
  output out;
  edgemma_generate_params gp = edgemma_generate_default_params(m);
  out.text = g_text[slot];
  out.len = 0;
  out.text[0] = '\0';
  out.ids = g_ids[slot];
  out.n_ids = 0;
  gp.max_tokens = o->tokens;
  gp.sampling.temperature = 0.0f;
  gp.on_token = OnToken;
  gp.user_data = &out;
  return edgemma_generate_tokens(s, g_prompt, n_prompt, &gp, stats);
}

/* Size of a file by opening it: under qemu-user only open() of /proc/self/exe
 * is redirected to the emulated program (stat() would see the emulator). */
static long FileBytes(const char* path) {
  long n = -1;
  FILE* f = fopen(path, "rb");
  if (f == NULL) return -1;
  if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  fclose(f);
  return n;
}

int main(int argc, char** argv) {
  options o;
  edgemma_model* model = NULL;
  edgemma_session* session = NULL;
  edgemma_model_params mp = edgemma_model_default_params();
  edgemma_session_params sp = edgemma_session_default_params();
  edgemma_generate_stats stats[2];
  edgemma_status st;
  size_t need = 0;
  int32_t n_prompt = 0;
  int rc = ParseArgs(argc, argv, &o);
  struct rusage ru;
  if (rc != 0) return rc;
  /* stdout's buffer is allocated on its first use: make that happen during
   * start. */
  printf("firmware: edgemma %s, static arena %lu bytes\n", edgemma_version(),
         (unsigned long)ARENA_CAPACITY);
  fflush(stdout);

  /* ---- start */
  mp.tokenizer_path = o.tokenizer;
  st = edgemma_model_load(o.model, &mp, &model);
  if (st != EDGEMMA_OK) return Report("loading the model", st);
  sp.n_ctx = o.ctx;
  sp.n_threads = o.threads;
  sp.kv_type = EDGEMMA_KV_F16;
  st = PromptIds(model, o.prompt, &n_prompt);
  if (st == EDGEMMA_OK) st = edgemma_session_required_bytes(model, &sp, &need);
  if (st == EDGEMMA_OK && need > o.arena_limit) {
    fprintf(stderr,
            "firmware: the session needs %lu bytes, the arena has %lu\n",
            (unsigned long)need, (unsigned long)o.arena_limit);
  }
  sp.buffer = Arena();
  sp.buffer_size = o.arena_limit;
  if (st == EDGEMMA_OK) st = edgemma_session_create(model, &sp, &session);
  if (st != EDGEMMA_OK) {
    rc = Report("starting", st);
    edgemma_model_free(model);
    return rc;
  }
#ifdef FIRMWARE_ALLOC_PROBE
  alloc_probe_arm();
#endif

  /* ---- run: the same prompt twice (the second after a rewind) must give the
   * same text. */
  st = Generate(session, model, &o, n_prompt, 0, &stats[0]);
  if (st == EDGEMMA_OK) st = edgemma_session_rewind(session, 0);
  if (st == EDGEMMA_OK)
    st = Generate(session, model, &o, n_prompt, 1, &stats[1]);
#ifdef FIRMWARE_ALLOC_PROBE
  rc = alloc_probe_disarm("run");
#endif
  if (st != EDGEMMA_OK) rc = Report("generating", st);
  if (rc == 0 && (stats[0].generated_tokens != stats[1].generated_tokens ||
                  strcmp(g_text[0], g_text[1]) != 0 ||
                  memcmp(g_ids[0], g_ids[1], sizeof g_ids[0]) != 0)) {
    fprintf(stderr, "firmware: the two greedy runs differ\n");
    rc = 1;
  }

  /* ---- report */
  if (rc == 0) {
    getrusage(RUSAGE_SELF, &ru);
    printf("firmware: generated %d tokens: %s\n",
           (int)stats[0].generated_tokens, g_text[0]);
    printf(
        "{\"binary_bytes\": %ld, \"arena_bytes\": %lu, \"session_bytes\": %lu, "
        "\"peak_rss_kib\": %ld, \"prompt_tokens\": %d, \"generated_tokens\": "
        "%d, "
        "\"prompt_ms\": %.1f, \"decode_ms\": %.1f, \"kernels\": \"%s\"}\n",
        FileBytes("/proc/self/exe"), (unsigned long)ARENA_CAPACITY,
        (unsigned long)need, (long)ru.ru_maxrss, (int)n_prompt,
        (int)stats[0].generated_tokens, stats[0].prompt_ms, stats[0].decode_ms,
        edgemma_model_kernel_name(model));
  }
  edgemma_session_free(session);
  edgemma_model_free(model);
  return rc;
}
