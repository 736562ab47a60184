/*
 * edgemma: Gemma 4 (E2B/E4B) inference in fixed memory. Public C API (C99).
 *
 * Objects
 *   edgemma_model: an immutable loaded model (weights mapped from an HF
 *     checkpoint directory or a GGUF file, config, tokenizer if the files
 *     carry one). Thread-safe: one model may serve any number of sessions on
 *     any threads. It must outlive its sessions.
 *   edgemma_session: one conversation: KV cache, working memory (planned once
 *     at creation, optionally in a caller-provided buffer) and the token
 *     history used for KV-prefix reuse. A session is NOT thread-safe: call it
 *     from one thread at a time. After creation nothing is allocated per token.
 *
 * Errors
 *   Every function that can fail returns an edgemma_status. On failure a
 *   message naming the problem is available from edgemma_last_error()
 *   (thread-local, valid until the next failing call on the same thread).
 *   NULL where a pointer is required gives EDGEMMA_ERR_INVALID_ARGUMENT. No
 *   C++ exception ever crosses this API; a bug is reported as
 *   EDGEMMA_ERR_INTERNAL.
 *
 * Buffers
 *   Functions that write variable-size output take (buffer, capacity,
 *   &needed). They always store the needed size (elements, or bytes without
 *   the terminating NUL) in *needed. With buffer == NULL and capacity == 0
 *   they only report the size (EDGEMMA_OK); with a buffer that is too small
 *   they return EDGEMMA_ERR_INVALID_ARGUMENT and write nothing.
 *
 * Ownership
 *   Objects returned through `**out` are owned by the caller and released with
 *   the matching _free function (NULL is accepted there). Strings returned as
 *   `const char*` are static or owned by the object they come from.
 */
#ifndef EDGEMMA_H_
#define EDGEMMA_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values match edgemma::StatusCode (platform/status.h). */
typedef enum edgemma_status {
  EDGEMMA_OK = 0,
  EDGEMMA_ERR_INVALID_ARGUMENT = 1, /* bad parameter or value from the caller */
  EDGEMMA_ERR_NOT_FOUND = 2,        /* missing file, tensor, key */
  EDGEMMA_ERR_IO = 3,               /* read/write/mmap failure */
  EDGEMMA_ERR_CORRUPT = 4,          /* malformed or truncated file */
  EDGEMMA_ERR_UNSUPPORTED =
      5, /* valid but not supported (dtype, architecture, CPU) */
  EDGEMMA_ERR_OUT_OF_MEMORY = 6, /* allocation failed */
  EDGEMMA_ERR_ARENA_FULL =
      7, /* a fixed buffer is too small (e.g. the caller's) */
  EDGEMMA_ERR_CONTEXT_FULL = 8, /* the session's context length is exhausted */
  EDGEMMA_ERR_CANCELLED = 9,    /* stopped by the caller */
  EDGEMMA_ERR_INTERNAL = 10     /* a bug: please report */
} edgemma_status;

/* Message of the last failed call on this thread ("" if none). */
const char* edgemma_last_error(void);
/* "OK", "invalid argument", ... ("unknown" for values outside the enum). */
const char* edgemma_status_name(edgemma_status status);
/* Library version, e.g. "0.1.0". */
const char* edgemma_version(void);

/* ---------------------------------------------------------------- model */

typedef struct edgemma_model edgemma_model;

typedef enum edgemma_weight_type {
  EDGEMMA_WEIGHTS_AS_STORED = 0, /* use the file's types (mapped, no copy) */
  EDGEMMA_WEIGHTS_Q8_0 =
      1, /* quantize linear weights to Q8_0 in memory at load */
  EDGEMMA_WEIGHTS_Q4_0 =
      2 /* quantize linear weights to Q4_0 in memory at load */
} edgemma_weight_type;

typedef struct edgemma_model_params {
  edgemma_weight_type weights;
  /* Optional tokenizer.json (or GGUF) overriding the one found with the model;
   * NULL: the model directory's tokenizer.json or the GGUF's own tokenizer, if
   * any. */
  const char* tokenizer_path;
} edgemma_model_params;

edgemma_model_params edgemma_model_default_params(void);
/* path: an HF checkpoint directory (config.json + *.safetensors) or a .gguf
 * file. */
edgemma_status edgemma_model_load(const char* path,
                                  const edgemma_model_params* params,
                                  edgemma_model** out);
void edgemma_model_free(edgemma_model* model);

/* Getters: -1 / NULL for a NULL model. */
int32_t edgemma_model_vocab_size(const edgemma_model* model);
int32_t edgemma_model_context_max(
    const edgemma_model* model); /* max_position_embeddings */
int32_t edgemma_model_d_model(
    const edgemma_model* model); /* width of soft tokens */
const char* edgemma_model_kernel_name(
    const edgemma_model* model); /* e.g. "avx2" */
int32_t edgemma_model_bos(const edgemma_model* model);
/* End-of-generation ids (e.g. <eos>, <turn|>, <|tool_response>): count, then
 * i-th (-1 if out of range). */
int32_t edgemma_model_n_eos(const edgemma_model* model);
int32_t edgemma_model_eos(const edgemma_model* model, int32_t i);
/* 1 if the model came with a tokenizer (text calls need one), else 0. */
int32_t edgemma_model_has_tokenizer(const edgemma_model* model);

/* ---------------------------------------------------------------- session */

typedef struct edgemma_session edgemma_session;

typedef enum edgemma_kv_type {
  EDGEMMA_KV_F32 = 0,
  EDGEMMA_KV_F16 = 1
} edgemma_kv_type;

/* Activations of the matrix products with Q4_0/Q8_0 weights (float weights
 * ignore it). EDGEMMA_ACT_Q8: quantized to Q8_0 blocks per row, int8 kernels
 * (fastest; ~0.4% error per product, as llama.cpp). EDGEMMA_ACT_F32: weights
 * dequantized in registers, f32 products and sums ("exact": the f32 result on
 * the dequantized weights up to summation order; slower: about 0.3-0.6x the
 * decode and 0.2-0.5x the prefill speed of EDGEMMA_ACT_Q8 on x86). */
typedef enum edgemma_act_type {
  EDGEMMA_ACT_Q8 = 0,
  EDGEMMA_ACT_F32 = 1
} edgemma_act_type;

typedef struct edgemma_session_params {
  int32_t
      n_ctx; /* positions the session holds (<= edgemma_model_context_max) */
  int32_t n_batch;   /* tokens per forward chunk during prefill; 0 (the
                        default): what the selected kernels run best at */
  int32_t n_threads; /* worker threads of this session (>= 1) */
  int32_t
      n_rewind; /* extra sliding-window KV slots: edgemma_session_rewind can go
                   back this many positions beyond the window (costs memory) */
  edgemma_kv_type kv_type;
  /* Optional caller-owned memory for everything the session needs, 64-byte
   * aligned, of at least edgemma_session_required_bytes(); it must outlive the
   * session. NULL: allocated. */
  void* buffer;
  size_t buffer_size;
  edgemma_act_type act_type; /* default EDGEMMA_ACT_Q8 */
} edgemma_session_params;

edgemma_session_params edgemma_session_default_params(void);
/* Bytes edgemma_session_create() will use for these params (buffer fields
 * ignored). */
edgemma_status edgemma_session_required_bytes(
    const edgemma_model* model, const edgemma_session_params* params,
    size_t* bytes);
/* A too small caller buffer gives EDGEMMA_ERR_ARENA_FULL. */
edgemma_status edgemma_session_create(const edgemma_model* model,
                                      const edgemma_session_params* params,
                                      edgemma_session** out);
void edgemma_session_free(edgemma_session* session);
/* Positions the session holds (-1 for NULL). */
int32_t edgemma_session_pos(const edgemma_session* session);
/* Forgets positions >= pos (pos <= edgemma_session_pos). Fails, session
 * unchanged, if the sliding-window cache no longer holds what precedes pos (see
 * n_rewind); pos 0 always works. */
edgemma_status edgemma_session_rewind(edgemma_session* session, int32_t pos);

/* ---------------------------------------------------------------- text */

/* Token ids of `text` (no BOS added). parse_special: control-token strings such
 * as "<bos>" or
 * "<|turn>" become their ids (use it for rendered chat prompts); else they are
 * plain text. Needs a tokenizer (EDGEMMA_ERR_UNSUPPORTED otherwise). */
edgemma_status edgemma_tokenize(const edgemma_model* model, const char* text,
                                int32_t parse_special, int32_t* ids,
                                int32_t capacity, int32_t* n_ids);
/* UTF-8 text of ids, NUL-terminated; skip_special drops control tokens. */
edgemma_status edgemma_detokenize(const edgemma_model* model,
                                  const int32_t* ids, int32_t n_ids,
                                  int32_t skip_special, char* text,
                                  size_t capacity, size_t* length);

typedef struct edgemma_message {
  const char* role; /* "system", "user", "assistant" (or "model") */
  const char* content;
} edgemma_message;

/* Renders messages with the Gemma 4 chat template (starting with "<bos>").
 * Assistant messages have their thoughts stripped, as the template requires.
 * add_generation_prompt appends the model turn header; enable_thinking turns
 * the model's reasoning on. */
edgemma_status edgemma_chat_prompt(const edgemma_model* model,
                                   const edgemma_message* messages,
                                   int32_t n_messages,
                                   int32_t add_generation_prompt,
                                   int32_t enable_thinking, char* prompt,
                                   size_t capacity, size_t* length);
/* Same from a JSON request (OpenAI/HF style): {"messages": [...], "tools":
 * [...], "enable_thinking": bool, "add_generation_prompt": bool,
 * "preserve_thinking": bool}; supports tool declarations, tool calls and tool
 * results. */
edgemma_status edgemma_chat_prompt_json(const edgemma_model* model,
                                        const char* request_json, char* prompt,
                                        size_t capacity, size_t* length);

/* ------------------------------------------------------- parsing the answer */

/* Raw output (decoded with control tokens, i.e. stream_special = 1, starting
 * after the prompt)
 * -> one JSON object {"thinking": null|"...", "content": "...", "tool_calls":
 * [{"type": "function", "function": {"name": ..., "arguments": {...}}}]} (Gemma
 * 4 thought channel and tool-call syntax; never fails on odd text). Needs no
 * model. */
edgemma_status edgemma_parse_response(const char* raw, char* json,
                                      size_t capacity, size_t* length);

/* Streaming form for a front-end that shows (or speaks) the answer while it is
 * generated: feed each on_token piece; `on_part` receives what became final, in
 * order. The concatenation of the parts of each kind equals
 * edgemma_parse_response() of the whole text. A stream is not thread-safe; free
 * it with edgemma_response_stream_free. */
typedef enum edgemma_part_kind {
  EDGEMMA_PART_THINKING = 0, /* text of the thought channel */
  EDGEMMA_PART_CONTENT = 1,  /* text of the answer */
  EDGEMMA_PART_TOOL_CALL =
      2 /* one complete call: {"name": ..., "arguments": {...}} */
} edgemma_part_kind;
typedef void (*edgemma_part_callback)(edgemma_part_kind kind, const char* text,
                                      size_t len, void* user_data);
typedef struct edgemma_response_stream edgemma_response_stream;

edgemma_status edgemma_response_stream_create(edgemma_response_stream** out);
void edgemma_response_stream_free(edgemma_response_stream* stream);
edgemma_status edgemma_response_stream_feed(edgemma_response_stream* stream,
                                            const char* piece, size_t len,
                                            edgemma_part_callback on_part,
                                            void* user_data);
/* End of output: delivers what was held back (an unfinished marker or tool
 * call). */
edgemma_status edgemma_response_stream_finish(edgemma_response_stream* stream,
                                              edgemma_part_callback on_part,
                                              void* user_data);

/* ---------------------------------------------------------------- generation
 */

typedef struct edgemma_sampling_params {
  float temperature; /* <= 0: greedy */
  int32_t top_k;     /* 0: off */
  float top_p;       /* 1: off; in (0, 1] */
  float min_p;       /* 0: off; in [0, 1] */
  uint64_t seed;     /* same seed + same session state -> same tokens */
} edgemma_sampling_params;

/* The model's generation_config.json defaults (Gemma 4: temperature 1, top_k
 * 64, top_p 0.95); neutral sampling (temperature 1, no filters) for what the
 * file does not give or a NULL model. */
edgemma_sampling_params edgemma_sampling_default_params(
    const edgemma_model* model);

/* Called for each generated token with its text (piece is NUL-terminated, may
 * be empty, and is only valid during the call; token -1 carries held-back bytes
 * at the very end). Return 0 to stop generating, non-zero to continue. Runs on
 * the calling thread. */
typedef int32_t (*edgemma_token_callback)(int32_t token, const char* piece,
                                          size_t piece_len, void* user_data);
/* Polled between prefill chunks and before each token; non-zero aborts (e.g.
 * from a SIGINT flag). */
typedef int32_t (*edgemma_abort_callback)(void* user_data);

typedef enum edgemma_stop_reason {
  EDGEMMA_STOP_NONE = 0,
  EDGEMMA_STOP_EOS = 1, /* an end-of-generation id was sampled */
  EDGEMMA_STOP_MAX_TOKENS = 2,
  EDGEMMA_STOP_CALLBACK = 3, /* on_token returned 0 */
  EDGEMMA_STOP_ABORTED = 4,  /* should_abort returned non-zero */
  EDGEMMA_STOP_CONTEXT_FULL = 5
} edgemma_stop_reason;

typedef struct edgemma_generate_params {
  int32_t max_tokens; /* tokens to generate at most (stop id included) */
  edgemma_sampling_params sampling;
  int32_t stream_special; /* pass control tokens' text (e.g. "<|channel>") to
                             on_token */
  edgemma_token_callback on_token;     /* optional */
  edgemma_abort_callback should_abort; /* optional */
  void* user_data;
} edgemma_generate_params;

typedef struct edgemma_generate_stats {
  int32_t prompt_tokens;    /* ids of the prompt */
  int32_t reused_tokens;    /* of those, already in the session's KV cache */
  double prompt_ms;         /* prefill time */
  int32_t generated_tokens; /* stop id included */
  double decode_ms;
  edgemma_stop_reason stop_reason;
  int32_t stop_token; /* the end-of-generation id, or -1 */
} edgemma_generate_stats;

edgemma_generate_params edgemma_generate_default_params(
    const edgemma_model* model);

/* Tokenizes `prompt` (control tokens parsed, no BOS added: rendered chat
 * prompts carry
 * "<bos>"), makes the session hold it (re-prefilling only from the first id
 * that differs from what the session holds), then samples until an
 * end-of-generation id, max_tokens, on_token returning 0 or should_abort. Those
 * stops return EDGEMMA_OK (see stats->stop_reason); running out of context
 * returns EDGEMMA_ERR_CONTEXT_FULL with stats filled. The stop id and the last
 * sampled token are not fed to the session (the next prompt that contains them
 * feeds them). stats may be NULL. */
edgemma_status edgemma_generate(edgemma_session* session, const char* prompt,
                                const edgemma_generate_params* params,
                                edgemma_generate_stats* stats);
/* The same from prompt ids (no tokenizer needed). */
edgemma_status edgemma_generate_tokens(edgemma_session* session,
                                       const int32_t* prompt_ids, int32_t n_ids,
                                       const edgemma_generate_params* params,
                                       edgemma_generate_stats* stats);

/* Low level: feeds n ids at the current position; if logits is not NULL, copies
 * the logits of the last id there ([vocab] floats). */
edgemma_status edgemma_eval_tokens(edgemma_session* session, const int32_t* ids,
                                   int32_t n, float* logits);
/* Path for audio/vision encoders: feeds n soft tokens, `embeddings` [n,
 * d_model] row major, already projected into the text embedding space (not
 * scaled by sqrt(d_model)), at the current position. d_model must equal
 * edgemma_model_d_model(). logits as above. In a later edgemma_generate* prompt
 * these positions match the placeholder ids (<|audio|>, <|image|>) and nothing
 * else (see the audio section). Allocates nothing (its id and flag buffers are
 * planned at session creation). EDGEMMA_ERR_CONTEXT_FULL (session unchanged)
 * if n positions do not fit. */
edgemma_status edgemma_eval_embeddings(edgemma_session* session,
                                       const float* embeddings, int32_t n,
                                       int32_t d_model, float* logits);

/* ---------------------------------------------------------------- images and
 * video */

/* The vision tower of a model (Gemma 4's SigLIP-style encoder + its projection
 * into the text space). The library takes pixels, not files: decode images in
 * the application (the edgemma CLI uses libjpeg-turbo / libpng). Working memory
 * is planned once at load for max_budget; encoding allocates nothing. Not
 * thread-safe: one thread at a time per edgemma_vision. It keeps a pointer to
 * its model, which must outlive it. */
typedef struct edgemma_vision edgemma_vision;

typedef struct edgemma_vision_params {
  /* Largest soft-token budget that will be used: 70, 140, 280, 560 or 1120
   * (default 280). An image at budget B gives N <= B soft tokens, N = (h/48) *
   * (w/48) of its resized size. */
  int32_t max_budget;
  int32_t
      max_image_side; /* images with a longer side are refused (default 8192) */
  int32_t n_threads;  /* default 1 */
  edgemma_act_type act_type;
} edgemma_vision_params;

edgemma_vision_params edgemma_vision_default_params(void);
/* tower_path: an HF checkpoint directory or an mmproj GGUF written by `edgemma
 * quantize`; NULL: the model's own directory, or "mmproj-<file>" beside a GGUF
 * model. A model without a vision tower gives EDGEMMA_ERR_NOT_FOUND naming it.
 */
edgemma_status edgemma_vision_load(const edgemma_model* model,
                                   const char* tower_path,
                                   const edgemma_vision_params* params,
                                   edgemma_vision** out);
void edgemma_vision_free(edgemma_vision* vision);
/* Soft tokens an image of width x height gives at `budget` (the N of its prompt
 * block). */
edgemma_status edgemma_vision_count_tokens(const edgemma_vision* vision,
                                           int32_t width, int32_t height,
                                           int32_t budget, int32_t* n_tokens);
/* Encodes RGB pixels (rgb: height rows of width * 3 bytes, R G B, no row
 * padding) into embeddings [n_tokens, d_model] (capacity: rows available). They
 * are already in the text space: feed them with edgemma_eval_embeddings or
 * edgemma_generate_multimodal. */
edgemma_status edgemma_vision_encode(edgemma_vision* vision, const uint8_t* rgb,
                                     int32_t width, int32_t height,
                                     int32_t budget, float* embeddings,
                                     int32_t capacity, int32_t* n_tokens);
/* Encodes the image and feeds its whole block (begin-of-image id, the soft
 * tokens, end-of-image id) at the session's position; logits (optional,
 * [vocab]) are those after the block. */
edgemma_status edgemma_eval_image(edgemma_session* session,
                                  edgemma_vision* vision, const uint8_t* rgb,
                                  int32_t width, int32_t height, int32_t budget,
                                  float* logits);

/* ------------------------------------------------------- media prompts */

typedef enum edgemma_media_kind {
  EDGEMMA_MEDIA_IMAGE = 0,
  EDGEMMA_MEDIA_AUDIO = 1,
  EDGEMMA_MEDIA_VIDEO = 2
} edgemma_media_kind;

/* One media item of a prompt, in the order of its placeholders. */
typedef struct edgemma_media_item {
  edgemma_media_kind kind;
  int32_t n_tokens; /* soft tokens (per frame for a video) */
  int32_t n_frames; /* video: frames, frame i at i / fps seconds */
  float fps; /* video: frames per second of the sampled frames (e.g. 1) */
} edgemma_media_item;

/* Expands the media placeholders a rendered chat prompt holds
 * (edgemma_chat_prompt writes
 * "<|image|>", "<|audio|>", "<|video|>" per content part) as Gemma 4's
 * processor does: image -> <|image> + N x <|image|> + <image|>; audio ->
 * <|audio> + N x <|audio|> + <audio|>; video -> per frame "MM:SS " + <|image> +
 * N x <|video|> + <image|>, frames joined by a space. Needs a tokenizer (the
 * token texts come from it). Buffer convention as above. */
edgemma_status edgemma_expand_media_prompt(const edgemma_model* model,
                                           const char* prompt,
                                           const edgemma_media_item* items,
                                           int32_t n_items, char* out,
                                           size_t capacity, size_t* length);
/* Like edgemma_generate, for a prompt whose media blocks are expanded: the runs
 * of image, video and audio soft-token ids take, in order, the rows of
 * soft_tokens [n_soft, d_model] (n_soft must equal the number of those ids).
 * The prompt must end with text. The session's KV cache is reused up to the
 * first soft token only. */
edgemma_status edgemma_generate_multimodal(
    edgemma_session* session, const char* prompt, const float* soft_tokens,
    int32_t n_soft, const edgemma_generate_params* params,
    edgemma_generate_stats* stats);
/* The same from prompt ids (no tokenizer needed). */
edgemma_status edgemma_generate_multimodal_tokens(
    edgemma_session* session, const int32_t* prompt_ids, int32_t n_ids,
    const float* soft_tokens, int32_t n_soft,
    const edgemma_generate_params* params, edgemma_generate_stats* stats);

/* ---------------------------------------------------------------- audio */

/* The model's audio encoder (Conformer tower + embedder into the text width):
 * 16 kHz mono float PCM in, soft tokens [n, d_model] out, 25 per second, at
 * most 30 s (750 tokens) per clip (longer audio is cut, as the model's feature
 * extractor does: split it first). Streaming: feed PCM in pieces of any size
 * while it is captured; each soft token is handed to the callback as soon as no
 * later sample can change it (about 40 ms of look-ahead), and the concatenation
 * equals the whole-clip encode. Working memory is planned once at creation;
 * feeding allocates nothing. An encoder is used from one thread at a time; it
 * must not outlive its model.
 *
 * Putting audio into a conversation: the chat template writes one <|audio|>
 * marker where the audio goes (edgemma_chat_prompt_json with a {"type":
 * "audio"} content part); it stands for
 * <|audio>, n soft tokens, <audio|> (edgemma_model_audio_ids). Feed the prompt
 * up to the marker with edgemma_eval_tokens, then <|audio>, the soft tokens
 * with edgemma_eval_embeddings (from the callback, while the speech is still
 * coming in), <audio|>, then pass the whole expanded prompt (n <|audio|> ids in
 * place of the soft tokens) to edgemma_generate_tokens: soft tokens match the
 * <|audio|> ids, so only the rest is prefilled. edgemma_eval_audio does the
 * middle part in one call. */
typedef struct edgemma_audio_encoder edgemma_audio_encoder;

typedef struct edgemma_audio_params {
  int32_t n_threads; /* worker threads of the encoder (>= 1) */
  int32_t max_block; /* soft tokens per encoder step at most (default 64) */
  /* Soft tokens the encoder waits for before a streaming step (1..max_block,
   * default 8 = 320 ms of audio): each step reads every tower weight once, so 1
   * gives the earliest tokens and 25 weight passes per second;
   * edgemma_audio_finish flushes the rest. */
  int32_t min_block;
  /* Activations of Q4_0/Q8_0 tower weights: Q8 (default, as sessions; Q8_0
   * tower: row cosine
   * >= 0.9995 to the f32 reference on the tiny tower) or F32 (~2.8x slower, >=
   * 0.9998). */
  edgemma_act_type act_type;
  /* Optional tower file: an HF checkpoint directory or an mmproj GGUF. NULL:
   * the model's own (its HF directory, or the "mmproj-<name>.gguf" beside a
   * GGUF model). */
  const char* tower_path;
  /* Optional caller-owned memory for the encoder's working memory (log-mel
   * tables and frames, the Conformer's activations and attention/convolution
   * history), 64-byte aligned, of at least
   * edgemma_audio_encoder_required_bytes(); it must outlive the encoder.
   * NULL (and buffer_size 0): allocated once at creation. Either way the tower
   * weights stay mapped from the file, and the encoder's small load-time
   * constants (f32 copies of norms, convolution kernels, relative-position
   * keys) are allocated at creation. */
  void* buffer;
  size_t buffer_size;
} edgemma_audio_params;

edgemma_audio_params edgemma_audio_default_params(void);
/* Bytes edgemma_audio_encoder_create() will place in a caller buffer for these
 * params (buffer fields ignored). It binds the tower to size the buffer, so it
 * reports the errors create would: EDGEMMA_ERR_INVALID_ARGUMENT (NULL
 * argument, a parameter out of range, a tower whose width does not match the
 * model), EDGEMMA_ERR_NOT_FOUND (no audio tower), EDGEMMA_ERR_IO /
 * EDGEMMA_ERR_CORRUPT (tower file unreadable or malformed),
 * EDGEMMA_ERR_UNSUPPORTED (a tower setting or weight type this build cannot
 * run), EDGEMMA_ERR_OUT_OF_MEMORY. */
edgemma_status edgemma_audio_encoder_required_bytes(
    const edgemma_model* model, const edgemma_audio_params* params,
    size_t* bytes);
/* params NULL: the defaults. Errors as edgemma_audio_encoder_required_bytes,
 * plus, with a caller buffer: EDGEMMA_ERR_ARENA_FULL (buffer_size smaller than
 * the required bytes; the message gives both), EDGEMMA_ERR_INVALID_ARGUMENT
 * (buffer not 64-byte aligned, or NULL with a non-zero buffer_size). On error
 * *out is NULL and the buffer is not used. */
edgemma_status edgemma_audio_encoder_create(const edgemma_model* model,
                                            const edgemma_audio_params* params,
                                            edgemma_audio_encoder** out);
void edgemma_audio_encoder_free(edgemma_audio_encoder* encoder);
/* PCM rate the encoder takes (16000), or -1 for NULL. */
int32_t edgemma_audio_sample_rate(const edgemma_audio_encoder* encoder);
/* Soft tokens a clip of n_samples gives (after the 30 s cut), or -1 for NULL.
 */
int32_t edgemma_audio_n_tokens(const edgemma_audio_encoder* encoder,
                               int64_t n_samples);
/* Ids of the audio block markers: <|audio>, <|audio|> (placeholder), <audio|>;
 * -1 if absent. */
edgemma_status edgemma_model_audio_ids(const edgemma_model* model,
                                       int32_t* begin, int32_t* placeholder,
                                       int32_t* end);

/* Receives soft tokens [n, d_model] (valid during the call) with clip indices
 * first .. first+n-1. Return 0 to stop (the feed/finish call then returns
 * EDGEMMA_ERR_CANCELLED). */
typedef int32_t (*edgemma_soft_token_callback)(const float* tokens, int32_t n,
                                               int32_t d_model, int32_t first,
                                               void* user_data);

/* Starts a new clip (forgets the one in progress). */
edgemma_status edgemma_audio_reset(edgemma_audio_encoder* encoder);
/* Feeds n PCM samples (16 kHz mono, nominally in [-1, 1]; NaN/Inf rejected). */
edgemma_status edgemma_audio_feed(edgemma_audio_encoder* encoder,
                                  const float* pcm, int64_t n,
                                  edgemma_soft_token_callback on_tokens,
                                  void* user_data);
/* End of the clip: the last soft tokens go to the callback. Reset before the
 * next clip. */
edgemma_status edgemma_audio_finish(edgemma_audio_encoder* encoder,
                                    edgemma_soft_token_callback on_tokens,
                                    void* user_data);
/* Whole clip: writes [*n_tokens, d_model] floats to tokens (capacity in tokens;
 * buffer convention of this header: tokens NULL and capacity 0 only report
 * *n_tokens). */
edgemma_status edgemma_audio_encode(edgemma_audio_encoder* encoder,
                                    const float* pcm, int64_t n, float* tokens,
                                    int32_t capacity, int32_t* n_tokens);
/* Feeds one audio block into the session at its position: <|audio>, the soft
 * tokens of the clip (encoded in pieces while being fed), <audio|>. *n_tokens
 * (may be NULL) receives the soft-token count, which the prompt's block must
 * have as <|audio|> ids. */
edgemma_status edgemma_eval_audio(edgemma_session* session,
                                  edgemma_audio_encoder* encoder,
                                  const float* pcm, int64_t n,
                                  int32_t* n_tokens);

#ifdef __cplusplus
}
#endif

#endif /* EDGEMMA_H_ */
