/* Streaming audio into a conversation with the public C API (C99):
 *
 *   edgemma_audio_stream MODEL PCM_F32 [QUESTION]
 *
 * PCM_F32: raw 16 kHz mono float32 samples (e.g. `sox in.wav -r 16000 -c 1 -e
 * float -b 32 out.raw`). The samples are fed in 20 ms pieces as a microphone
 * would deliver them; every soft token the encoder finishes goes into the
 * session at once, so when the speech ends only the last few tokens and the
 * question remain to be prefilled. With a tokenizer the model then answers
 * QUESTION (default: the model card's transcription prompt); without one (the
 * tiny test models) it prints the logits summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgemma.h"

static int fail(const char* what, edgemma_status st) {
  fprintf(stderr, "%s: %s: %s\n", what, edgemma_status_name(st),
          edgemma_last_error());
  return 1;
}

typedef struct {
  edgemma_session* session;
  int32_t fed;
} feed_state;

/* Soft tokens -> session, as they are finished. */
static int32_t on_tokens(const float* tokens, int32_t n, int32_t d_model,
                         int32_t first, void* user) {
  feed_state* s = (feed_state*)user;
  (void)first;
  if (edgemma_eval_embeddings(s->session, tokens, n, d_model, NULL) !=
      EDGEMMA_OK)
    return 0;
  s->fed += n;
  return 1;
}

static int32_t print_piece(int32_t token, const char* piece, size_t len,
                           void* user) {
  (void)token;
  (void)user;
  fwrite(piece, 1, len, stdout);
  fflush(stdout);
  return 1;
}

static float* read_pcm(const char* path, long* n) {
  FILE* f = fopen(path, "rb");
  float* pcm;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  *n = ftell(f) / (long)sizeof(float);
  fseek(f, 0, SEEK_SET);
  pcm = (float*)malloc((size_t)(*n > 0 ? *n : 1) * sizeof(float));
  if (pcm != NULL && fread(pcm, sizeof(float), (size_t)*n, f) != (size_t)*n)
    *n = 0;
  fclose(f);
  return pcm;
}

int main(int argc, char** argv) {
  edgemma_model* model = NULL;
  edgemma_session* session = NULL;
  edgemma_audio_encoder* enc = NULL;
  edgemma_session_params sp;
  edgemma_audio_params ap;
  edgemma_status st;
  feed_state fs;
  int32_t boa, audio, eoa, bos, i;
  long n = 0, off;
  float* pcm;
  const char* question =
      argc > 3 ? argv[3]
               : "Transcribe the following speech segment in English into "
                 "English text.";
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL PCM_F32 [QUESTION]\n", argv[0]);
    return 2;
  }
  pcm = read_pcm(argv[2], &n);
  if (pcm == NULL || n <= 0) {
    fprintf(stderr, "%s: cannot read float32 samples\n", argv[2]);
    return 1;
  }
  if ((st = edgemma_model_load(argv[1], NULL, &model)) != EDGEMMA_OK)
    return fail("load", st);
  ap = edgemma_audio_default_params();
  if ((st = edgemma_audio_encoder_create(model, &ap, &enc)) != EDGEMMA_OK)
    return fail("audio encoder", st);
  sp = edgemma_session_default_params();
  sp.n_ctx = 1024;
  if ((st = edgemma_session_create(model, &sp, &session)) != EDGEMMA_OK)
    return fail("session", st);
  edgemma_model_audio_ids(model, &boa, &audio, &eoa);
  bos = edgemma_model_bos(model);

  /* <bos> <|audio> now; a chat app would feed "<bos><|turn>user\n" here. */
  {
    int32_t head[2];
    head[0] = bos;
    head[1] = boa;
    if ((st = edgemma_eval_tokens(session, head, 2, NULL)) != EDGEMMA_OK)
      return fail("prompt head", st);
  }
  fs.session = session;
  fs.fed = 0;
  edgemma_audio_reset(enc);
  for (off = 0; off < n; off += 320) { /* 20 ms pieces */
    long k = n - off < 320 ? n - off : 320;
    if ((st = edgemma_audio_feed(enc, pcm + off, k, on_tokens, &fs)) !=
        EDGEMMA_OK)
      return fail("audio feed", st);
  }
  if ((st = edgemma_audio_finish(enc, on_tokens, &fs)) != EDGEMMA_OK)
    return fail("audio finish", st);
  if ((st = edgemma_eval_tokens(session, &eoa, 1, NULL)) != EDGEMMA_OK)
    return fail("eoa", st);
  fprintf(stderr,
          "%.2f s of audio -> %d soft tokens in the session (position %d)\n",
          (double)n / edgemma_audio_sample_rate(enc), fs.fed,
          edgemma_session_pos(session));

  if (edgemma_model_has_tokenizer(model)) {
    /* The whole prompt: the soft tokens match the <|audio|> ids, so only the
     * question is prefilled. */
    int32_t cap = 4096, n_q = 0, total;
    int32_t* ids = (int32_t*)malloc((size_t)cap * sizeof(int32_t));
    edgemma_generate_params gp = edgemma_generate_default_params(model);
    ids[0] = bos;
    ids[1] = boa;
    for (i = 0; i < fs.fed; ++i) ids[2 + i] = audio;
    ids[2 + fs.fed] = eoa;
    total = 3 + fs.fed;
    st = edgemma_tokenize(model, question, 0, ids + total, cap - total, &n_q);
    if (st != EDGEMMA_OK) return fail("tokenize", st);
    total += n_q;
    gp.max_tokens = 64;
    gp.on_token = print_piece;
    st = edgemma_generate_tokens(session, ids, total, &gp, NULL);
    printf("\n");
    free(ids);
    if (st != EDGEMMA_OK) return fail("generate", st);
  } else {
    float* logits =
        (float*)malloc((size_t)edgemma_model_vocab_size(model) * sizeof(float));
    int32_t best = 0;
    st = edgemma_eval_tokens(session, &bos, 1, logits);
    if (st != EDGEMMA_OK) return fail("eval", st);
    for (i = 1; i < edgemma_model_vocab_size(model); ++i)
      if (logits[i] > logits[best]) best = i;
    printf("no tokenizer: next-token argmax after the audio block = %d\n",
           best);
    free(logits);
  }
  free(pcm);
  edgemma_audio_encoder_free(enc);
  edgemma_session_free(session);
  edgemma_model_free(model);
  return 0;
}
