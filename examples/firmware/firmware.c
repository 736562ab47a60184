/* firmware: edgemma the way an appliance runs it. C99 over include/edgemma.h
 * only, linked statically, with ALL working memory (the session and the audio
 * encoder) in one static buffer reserved at build time.
 *
 * Phases:
 * - start: everything from main() to the last create call. Load the model
 *   (weights memory-mapped; its config, tensor tables and tokenizer tables are
 *   allocated here, once), ask edgemma_session_required_bytes() and
 *   edgemma_audio_encoder_required_bytes(), create the session and the audio
 *   encoder side by side inside g_arena (the encoder binds its tower: weights
 *   mapped, small constants allocated here), build the prompt ids with the
 *   audio block, and synthesise the clip (a chirp plus noise, no media
 *   library). Everything that allocates happens in this phase.
 * - run: twice (the second time after a rewind to 0): feed the prompt up to the
 *   audio placeholders, stream the clip in 20 ms pieces as a capture loop would
 *   (each soft token goes into the session through edgemma_eval_embeddings
 *   from the encoder's callback), then generate greedily from the whole
 *   expanded prompt (the soft tokens are reused, only the rest is prefilled).
 *   No heap allocation: proved by the test build, which links alloc_probe.c
 *   with -Wl,--wrap=malloc,... and fails when this phase allocates.
 * - report: binary size, arena use, peak resident memory (ru_maxrss) as one
 *   JSON line.
 *
 * usage: edgemma-firmware MODEL [--tokenizer PATH] [--prompt TEXT]
 *          [--ctx N] [--tokens N] [--threads N] [--arena-limit BYTES]
 *          [--audio-ms N] [--chunk-ms N]
 * --audio-ms 0 runs text only (a model without an audio tower). Without a
 * tokenizer the prompt is BOS and a few ids spread over the vocabulary around
 * the audio block. --arena-limit pretends the static buffer is smaller (the
 * EDGEMMA_ERR_ARENA_FULL path). Exit status: 0 ok, 1 the two runs differ, 2
 * usage, else 10 + the edgemma_status that stopped it. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "edgemma.h"

#ifdef FIRMWARE_ALLOC_PROBE
#include "alloc_probe.h"
#endif

#ifndef FIRMWARE_ARENA_BYTES
#define FIRMWARE_ARENA_BYTES (64u << 20)
#endif
#define FIRMWARE_MAX_PROMPT 1024 /* prompt ids kept in a static array */
#define FIRMWARE_MAX_TEXT 4096   /* generated text kept in a static array */
#define FIRMWARE_MAX_SAMPLES                       \
  480000 /* 30 s at 16 kHz: the encoder's clip cap \
          */

/* The one buffer the session and the audio encoder live in (KV cache,
 * activations, scratch, logits; log-mel tables and frames, the Conformer's
 * working memory and history). In .bss: it costs no file size, and only the
 * pages they touch become resident. Both want 64-byte alignment: Arena()
 * rounds up into the 63 spare bytes (plain C99). */
static unsigned char g_arena[FIRMWARE_ARENA_BYTES + 63];
#define ARENA_CAPACITY ((size_t)FIRMWARE_ARENA_BYTES)

static unsigned char* Arena(void) {
  return (unsigned char*)(((uintptr_t)g_arena + 63u) & ~(uintptr_t)63u);
}
static size_t Align64(size_t n) { return (n + 63u) & ~(size_t)63u; }

static int32_t g_prompt[FIRMWARE_MAX_PROMPT];
static float g_pcm[FIRMWARE_MAX_SAMPLES];
static char g_text[2][FIRMWARE_MAX_TEXT];
static char g_chat[2][FIRMWARE_MAX_TEXT]; /* request JSON, rendered prompt */
static char g_expanded[FIRMWARE_MAX_TEXT * 4];
static int32_t g_ids[2][FIRMWARE_MAX_PROMPT]; /* generated ids of each run */

typedef struct options {
  const char* model;
  const char* tokenizer;
  const char* prompt;
  int32_t ctx, tokens, threads, audio_ms, chunk_ms;
  size_t arena_limit;
} options;

typedef struct output {
  char* text;
  size_t len;
  int32_t* ids;
  int32_t n_ids;
} output;

/* What the program starts with: the model, the session and the encoder in
 * g_arena, the prompt ids and where its audio placeholders begin. */
typedef struct app {
  edgemma_model* model;
  edgemma_session* session;
  edgemma_audio_encoder* encoder; /* NULL with --audio-ms 0 */
  size_t session_bytes, audio_bytes;
  int32_t n_prompt, n_prefix, n_audio, rate;
  int64_t n_samples;
} app;

/* What the application does for each status: the message, and whether retrying
 * can help. The switch names every value and has no default, so a status added
 * to edgemma.h fails the build (-Wswitch-enum -Werror) until it is handled
 * here. */
static int ReportWith(const char* what, edgemma_status st, const char* msg) {
  const char* advice = "";
  switch (st) {
    case EDGEMMA_OK:
      return 0;
    case EDGEMMA_ERR_INVALID_ARGUMENT:
      advice = "a parameter is out of range: check the options";
      break;
    case EDGEMMA_ERR_NOT_FOUND:
      advice =
          "check the model path and that the files are installed (a model "
          "without an audio tower runs with --audio-ms 0)";
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
          "FIRMWARE_ARENA_BYTES or lower --ctx";
      break;
    case EDGEMMA_ERR_CONTEXT_FULL:
      advice =
          "the context is full: rewind the session, raise --ctx or shorten "
          "--audio-ms";
      break;
    case EDGEMMA_ERR_CANCELLED:
      advice = "stopped on request";
      break;
    case EDGEMMA_ERR_INTERNAL:
      advice = "a bug in edgemma: please report it with this message";
      break;
  }
  fprintf(stderr, "firmware: %s: %s: %s (%s)\n", what, edgemma_status_name(st),
          msg, advice);
  return 10 + (int)st;
}

static int Report(const char* what, edgemma_status st) {
  return ReportWith(what, st, edgemma_last_error());
}

/* A failure of the run phase, reported after the allocation count (so the
 * probe's line comes first and the message's own allocation is not hidden). */
static const char* g_failed_what = NULL;
static edgemma_status g_failed_status = EDGEMMA_OK;
static char g_failed_message[512];

/* Records the first failure and its message (a later call's failure, e.g. the
 * encoder's CANCELLED after its callback stopped it, overwrites the latter). */
static int Fail(const char* what, edgemma_status st) {
  if (g_failed_what == NULL) {
    g_failed_what = what;
    g_failed_status = st;
    strncpy(g_failed_message, edgemma_last_error(),
            sizeof g_failed_message - 1);
  }
  return 10 + (int)g_failed_status;
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
          "[--prompt TEXT] [--ctx N] [--tokens N] [--threads N] "
          "[--arena-limit BYTES] [--audio-ms N] [--chunk-ms N]\n",
          msg);
  return 2;
}

/* Sets one numeric option; 0 if the flag is unknown or the value bad. */
static int SetCount(options* o, const char* flag, const char* value) {
  long v = 0;
  if (strcmp(flag, "--ctx") == 0 && ParseCount(value, 8, 1 << 20, &v)) {
    o->ctx = (int32_t)v;
  } else if (strcmp(flag, "--tokens") == 0 &&
             ParseCount(value, 1, 1 << 20, &v)) {
    o->tokens = (int32_t)v;
  } else if (strcmp(flag, "--threads") == 0 && ParseCount(value, 1, 256, &v)) {
    o->threads = (int32_t)v;
  } else if (strcmp(flag, "--audio-ms") == 0 &&
             ParseCount(value, 0, 30000, &v)) {
    o->audio_ms = (int32_t)v;
  } else if (strcmp(flag, "--chunk-ms") == 0 &&
             ParseCount(value, 1, 30000, &v)) {
    o->chunk_ms = (int32_t)v;
  } else if (strcmp(flag, "--arena-limit") == 0 &&
             ParseCount(value, 0, (long)ARENA_CAPACITY, &v)) {
    o->arena_limit = (size_t)v;
  } else {
    return 0;
  }
  return 1;
}

static int ParseArgs(int argc, char** argv, options* o) {
  int i;
  memset(o, 0, sizeof *o);
  o->prompt = "What do you hear?";
  o->ctx = 128;
  o->tokens = 16;
  o->threads = 1;
  o->audio_ms = 1000;
  o->chunk_ms = 20;
  o->arena_limit = ARENA_CAPACITY;
  for (i = 1; i < argc; ++i) {
    const char* a = argv[i];
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
    } else if (!SetCount(o, a, argv[i])) {
      return Usage("unknown flag or bad value");
    }
  }
  return o->model == NULL ? Usage("no MODEL given") : 0;
}

/* The test clip: a chirp from 200 Hz to 2 kHz with a 4 Hz tremolo, plus
 * deterministic noise (an LCG), at 16 kHz. */
static void SynthesiseClip(float* pcm, int64_t n, int32_t rate) {
  const double pi = 3.14159265358979323846;
  const double seconds = (double)n / rate;
  uint32_t lcg = 12345u;
  int64_t i;
  for (i = 0; i < n; ++i) {
    const double t = (double)i / rate;
    const double f = 200.0 + 1800.0 * t / (seconds > 0 ? seconds : 1.0) / 2.0;
    const double env = 0.5 + 0.5 * sin(2.0 * pi * 4.0 * t);
    lcg = lcg * 1664525u + 1013904223u;
    pcm[i] = (float)(0.4 * env * sin(2.0 * pi * f * t) +
                     0.05 * ((double)(lcg >> 8) / 8388608.0 - 1.0));
  }
}

/* JSON string body of s (quotes, backslashes and control bytes escaped). */
static int JsonEscape(const char* s, char* out, size_t cap) {
  size_t n = 0;
  for (; *s != '\0'; ++s) {
    unsigned char c = (unsigned char)*s;
    if (n + 7 >= cap) return 0;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)sprintf(out + n, "\\u%04x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  out[n] = '\0';
  return 1;
}

/* Prompt ids with a tokenizer: the chat template with an audio part, its
 * <|audio|> marker expanded to n_audio placeholders, tokenized. */
static edgemma_status ChatPromptIds(app* a, const char* text) {
  char body[FIRMWARE_MAX_TEXT / 2];
  edgemma_media_item item;
  size_t len = 0;
  edgemma_status st;
  if (!JsonEscape(text, body, sizeof body)) return EDGEMMA_ERR_INVALID_ARGUMENT;
  if (a->encoder != NULL) {
    sprintf(g_chat[0],
            "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": "
            "\"audio\"}, {\"type\": \"text\", \"text\": \"%s\"}]}]}",
            body);
  } else {
    sprintf(g_chat[0],
            "{\"messages\": [{\"role\": \"user\", \"content\": \"%s\"}]}",
            body);
  }
  st = edgemma_chat_prompt_json(a->model, g_chat[0], g_chat[1],
                                sizeof g_chat[1], &len);
  item.kind = EDGEMMA_MEDIA_AUDIO;
  item.n_tokens = a->n_audio;
  item.n_frames = 0;
  item.fps = 0.0f;
  if (st == EDGEMMA_OK)
    st = edgemma_expand_media_prompt(a->model, g_chat[1], &item,
                                     a->encoder != NULL ? 1 : 0, g_expanded,
                                     sizeof g_expanded, &len);
  if (st != EDGEMMA_OK) return st;
  return edgemma_tokenize(a->model, g_expanded, 1, g_prompt,
                          FIRMWARE_MAX_PROMPT, &a->n_prompt);
}

/* The prompt's ids and the length of the part before the first audio
 * placeholder. Without a tokenizer: BOS + ids spread over the vocabulary
 * around <|audio>, n_audio x <|audio|>, <audio|> (nothing hard-coded). */
static edgemma_status PromptIds(app* a, const char* text) {
  int32_t i, n = 0, vocab = edgemma_model_vocab_size(a->model);
  int32_t boa = -1, ph = -1, eoa = -1;
  edgemma_status st = edgemma_model_audio_ids(a->model, &boa, &ph, &eoa);
  if (st != EDGEMMA_OK) return st;
  if (a->encoder != NULL && (boa < 0 || ph < 0 || eoa < 0)) {
    fprintf(stderr, "firmware: the model has no audio block ids\n");
    return EDGEMMA_ERR_UNSUPPORTED;
  }
  if (a->n_audio + 16 > FIRMWARE_MAX_PROMPT) {
    fprintf(stderr, "firmware: %d soft tokens do not fit the prompt array\n",
            (int)a->n_audio);
    return EDGEMMA_ERR_INVALID_ARGUMENT;
  }
  if (edgemma_model_has_tokenizer(a->model)) {
    st = ChatPromptIds(a, text);
    if (st != EDGEMMA_OK) return st;
  } else {
    g_prompt[n++] = edgemma_model_bos(a->model);
    for (i = 1; i < 4; ++i) g_prompt[n++] = (int32_t)((i * 7919L) % vocab);
    if (a->encoder != NULL) {
      g_prompt[n++] = boa;
      for (i = 0; i < a->n_audio; ++i) g_prompt[n++] = ph;
      g_prompt[n++] = eoa;
    }
    for (i = 4; i < 8; ++i) g_prompt[n++] = (int32_t)((i * 7919L) % vocab);
    a->n_prompt = n;
  }
  a->n_prefix = a->n_prompt;
  for (i = 0; a->encoder != NULL && i < a->n_prompt; ++i) {
    if (g_prompt[i] == ph) {
      a->n_prefix = i;
      break;
    }
  }
  return EDGEMMA_OK;
}

/* Carves g_arena: the session first, the audio encoder after it. */
static edgemma_status Start(app* a, const options* o) {
  edgemma_model_params mp = edgemma_model_default_params();
  edgemma_session_params sp = edgemma_session_default_params();
  edgemma_audio_params ap = edgemma_audio_default_params();
  size_t session_room;
  edgemma_status st;
  mp.tokenizer_path = o->tokenizer;
  st = edgemma_model_load(o->model, &mp, &a->model);
  if (st != EDGEMMA_OK) return st;
  sp.n_ctx = o->ctx;
  sp.n_threads = o->threads;
  sp.kv_type = EDGEMMA_KV_F16;
  ap.n_threads = o->threads;
  st = edgemma_session_required_bytes(a->model, &sp, &a->session_bytes);
  if (st == EDGEMMA_OK && o->audio_ms > 0)
    st = edgemma_audio_encoder_required_bytes(a->model, &ap, &a->audio_bytes);
  if (st != EDGEMMA_OK) return st;
  if (Align64(a->session_bytes) + a->audio_bytes > o->arena_limit) {
    fprintf(stderr,
            "firmware: the session needs %lu bytes and the audio encoder %lu, "
            "the arena has %lu\n",
            (unsigned long)a->session_bytes, (unsigned long)a->audio_bytes,
            (unsigned long)o->arena_limit);
  }
  session_room = Align64(a->session_bytes) < o->arena_limit
                     ? Align64(a->session_bytes)
                     : o->arena_limit;
  sp.buffer = Arena();
  sp.buffer_size = session_room;
  st = edgemma_session_create(a->model, &sp, &a->session);
  if (st != EDGEMMA_OK || o->audio_ms == 0) return st;
  ap.buffer = Arena() + session_room;
  ap.buffer_size = o->arena_limit - session_room;
  st = edgemma_audio_encoder_create(a->model, &ap, &a->encoder);
  if (st != EDGEMMA_OK) return st;
  a->rate = edgemma_audio_sample_rate(a->encoder);
  a->n_samples = (int64_t)o->audio_ms * a->rate / 1000;
  if (a->n_samples > FIRMWARE_MAX_SAMPLES) a->n_samples = FIRMWARE_MAX_SAMPLES;
  a->n_audio = edgemma_audio_n_tokens(a->encoder, a->n_samples);
  SynthesiseClip(g_pcm, a->n_samples, a->rate);
  return EDGEMMA_OK;
}

/* Soft tokens from the encoder callback go straight into the session; an
 * error is kept and stops the encoder (which then returns CANCELLED). */
typedef struct soft_sink {
  edgemma_session* session;
  edgemma_status status;
  int32_t n_fed;
} soft_sink;

static int32_t OnSoftTokens(const float* tokens, int32_t n, int32_t d_model,
                            int32_t first, void* user) {
  soft_sink* s = (soft_sink*)user;
  (void)first;
  s->status = edgemma_eval_embeddings(s->session, tokens, n, d_model, NULL);
  if (s->status != EDGEMMA_OK) {
    (void)Fail("feeding soft tokens", s->status);
    return 0;
  }
  s->n_fed += n;
  return 1;
}

/* The prompt up to the placeholders, then the clip in chunk_ms pieces. */
static int Listen(const app* a, const options* o, double* ms) {
  soft_sink sink;
  int64_t off, piece = (int64_t)o->chunk_ms * a->rate / 1000;
  struct timespec t0, t1;
  edgemma_status st;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  st = edgemma_eval_tokens(a->session, g_prompt, a->n_prefix, NULL);
  if (st != EDGEMMA_OK) return Fail("feeding the prompt", st);
  sink.session = a->session;
  sink.status = EDGEMMA_OK;
  sink.n_fed = 0;
  st = edgemma_audio_reset(a->encoder);
  for (off = 0; st == EDGEMMA_OK && off < a->n_samples; off += piece) {
    const int64_t k = a->n_samples - off < piece ? a->n_samples - off : piece;
    st = edgemma_audio_feed(a->encoder, g_pcm + off, k, OnSoftTokens, &sink);
  }
  if (st == EDGEMMA_OK)
    st = edgemma_audio_finish(a->encoder, OnSoftTokens, &sink);
  if (sink.status != EDGEMMA_OK)
    return Fail("feeding soft tokens", sink.status);
  if (st != EDGEMMA_OK) return Fail("encoding audio", st);
  if (sink.n_fed != a->n_audio) {
    fprintf(stderr, "firmware: %d soft tokens, expected %d\n", (int)sink.n_fed,
            (int)a->n_audio);
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  *ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  return 0;
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

/* One run into g_text[slot]: the audio block (if any), then greedy
 * generation from the whole prompt. */
static int Run(const app* a, const options* o, int slot,
               edgemma_generate_stats* stats, double* listen_ms) {
  output out;
  edgemma_generate_params gp = edgemma_generate_default_params(a->model);
  edgemma_status st;
  int rc = 0;
  *listen_ms = 0.0;
  if (a->encoder != NULL) rc = Listen(a, o, listen_ms);
  if (rc != 0) return rc;
  out.text = g_text[slot];
  out.len = 0;
  out.text[0] = '\0';
  out.ids = g_ids[slot];
  out.n_ids = 0;
  gp.max_tokens = o->tokens;
  gp.sampling.temperature = 0.0f;
  gp.on_token = OnToken;
  gp.user_data = &out;
  st = edgemma_generate_tokens(a->session, g_prompt, a->n_prompt, &gp, stats);
  if (st != EDGEMMA_OK) return Fail("generating", st);
  /* The session held the prefix and the soft tokens: none is prefilled again.
   */
  if (a->encoder != NULL && stats->reused_tokens != a->n_prefix + a->n_audio) {
    fprintf(stderr, "firmware: %d prompt tokens reused, expected %d\n",
            (int)stats->reused_tokens, (int)(a->n_prefix + a->n_audio));
    return 1;
  }
  return 0;
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

static void PrintReport(const app* a, const edgemma_generate_stats* stats,
                        double listen_ms) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("firmware: generated %d tokens: %s\n", (int)stats->generated_tokens,
         g_text[0]);
  printf(
      "{\"binary_bytes\": %ld, \"arena_bytes\": %lu, \"session_bytes\": %lu, "
      "\"audio_encoder_bytes\": %lu, \"peak_rss_kib\": %ld, "
      "\"prompt_tokens\": %d, \"audio_tokens\": %d, \"audio_samples\": %ld, "
      "\"listen_ms\": %.1f, \"generated_tokens\": %d, \"prompt_ms\": %.1f, "
      "\"decode_ms\": %.1f, \"kernels\": \"%s\"}\n",
      FileBytes("/proc/self/exe"), (unsigned long)ARENA_CAPACITY,
      (unsigned long)a->session_bytes, (unsigned long)a->audio_bytes,
      (long)ru.ru_maxrss, (int)a->n_prompt, (int)a->n_audio, (long)a->n_samples,
      listen_ms, (int)stats->generated_tokens, stats->prompt_ms,
      stats->decode_ms, edgemma_model_kernel_name(a->model));
}

int main(int argc, char** argv) {
  options o;
  app a;
  edgemma_generate_stats stats[2];
  double listen_ms[2];
  edgemma_status st;
  int rc = ParseArgs(argc, argv, &o);
  if (rc != 0) return rc;
  memset(&a, 0, sizeof a);
  /* stdout's buffer is allocated on its first use: make that happen during
   * start. */
  printf("firmware: edgemma %s, static arena %lu bytes\n", edgemma_version(),
         (unsigned long)ARENA_CAPACITY);
  fflush(stdout);
#ifdef FIRMWARE_ALLOC_PROBE
  alloc_probe_arm();
#endif

  /* ---- start */
  st = Start(&a, &o);
  if (st == EDGEMMA_OK) st = PromptIds(&a, o.prompt);
#ifdef FIRMWARE_ALLOC_PROBE
  (void)alloc_probe_disarm("start"); /* allowed: reported, not checked */
#endif
  if (st != EDGEMMA_OK) {
    rc = Report(a.model == NULL ? "loading the model" : "starting", st);
    edgemma_audio_encoder_free(a.encoder);
    edgemma_session_free(a.session);
    edgemma_model_free(a.model);
    return rc;
  }
#ifdef FIRMWARE_ALLOC_PROBE
  alloc_probe_arm();
#endif

  /* ---- run: the same prompt and clip twice (the second after a rewind) must
   * give the same text. */
  rc = Run(&a, &o, 0, &stats[0], &listen_ms[0]);
  if (rc == 0) {
    st = edgemma_session_rewind(a.session, 0);
    rc = st == EDGEMMA_OK ? Run(&a, &o, 1, &stats[1], &listen_ms[1])
                          : Fail("rewinding", st);
  }
#ifdef FIRMWARE_ALLOC_PROBE
  if (alloc_probe_disarm("run") != 0 && rc == 0) rc = 1;
#endif
  if (g_failed_what != NULL)
    (void)ReportWith(g_failed_what, g_failed_status, g_failed_message);
  if (rc == 0 && (stats[0].generated_tokens != stats[1].generated_tokens ||
                  strcmp(g_text[0], g_text[1]) != 0 ||
                  memcmp(g_ids[0], g_ids[1], sizeof g_ids[0]) != 0)) {
    fprintf(stderr, "firmware: the two greedy runs differ\n");
    rc = 1;
  }

  /* ---- report */
  if (rc == 0) PrintReport(&a, &stats[0], listen_ms[0]);
  edgemma_audio_encoder_free(a.encoder);
  edgemma_session_free(a.session);
  edgemma_model_free(a.model);
  return rc;
}
