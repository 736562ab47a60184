/* simple: load a model, render a chat prompt, stream the answer. Only the
 * public C API. usage: edgemma_simple MODEL "your question" */
#include <stdio.h>
#include <stdlib.h>

#include "edgemma.h"

static int32_t on_token(int32_t token, const char* piece, size_t len,
                        void* user_data) {
  const edgemma_model* model = (const edgemma_model*)user_data;
  int32_t i;
  for (i = 0; i < edgemma_model_n_eos(model); ++i) {
    if (token == edgemma_model_eos(model, i))
      return 1; /* do not print stop tokens */
  }
  fwrite(piece, 1, len, stdout);
  fflush(stdout);
  return 1; /* 0 would stop generation */
}

static int fail(const char* what, edgemma_status st) {
  fprintf(stderr, "simple: %s failed: %s: %s\n", what, edgemma_status_name(st),
          edgemma_last_error());
  return 1;
}

int main(int argc, char** argv) {
  edgemma_model* model = NULL;
  edgemma_session* session = NULL;
  edgemma_session_params sp;
  edgemma_generate_params gp;
  edgemma_generate_stats stats;
  edgemma_message msg;
  edgemma_status st;
  char* prompt = NULL;
  size_t len = 0;
  int rc = 1;

  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL \"question\"\n", argv[0]);
    return 2;
  }
  st = edgemma_model_load(argv[1], NULL, &model);
  if (st != EDGEMMA_OK) return fail("load", st);

  sp = edgemma_session_default_params();
  sp.n_ctx = 1024;
  st = edgemma_session_create(model, &sp, &session);
  if (st != EDGEMMA_OK) {
    rc = fail("session", st);
    goto done;
  }

  /* Ask for the size first, then render into a buffer of that size. */
  msg.role = "user";
  msg.content = argv[2];
  st = edgemma_chat_prompt(model, &msg, 1, 1, 0, NULL, 0, &len);
  if (st != EDGEMMA_OK) {
    rc = fail("prompt", st);
    goto done;
  }
  prompt = (char*)malloc(len + 1);
  if (prompt == NULL) goto done;
  st = edgemma_chat_prompt(model, &msg, 1, 1, 0, prompt, len + 1, &len);
  if (st != EDGEMMA_OK) {
    rc = fail("prompt", st);
    goto done;
  }

  gp = edgemma_generate_default_params(
      model); /* sampling from generation_config.json */
  gp.max_tokens = 128;
  gp.sampling.seed = 42;
  gp.on_token = on_token;
  gp.user_data = model;
  st = edgemma_generate(session, prompt, &gp, &stats);
  if (st != EDGEMMA_OK) {
    rc = fail("generate", st);
    goto done;
  }
  printf("\n");
  fprintf(stderr, "%d prompt tokens, %d generated (%.1f tokens/s)\n",
          stats.prompt_tokens, stats.generated_tokens,
          stats.decode_ms > 0
              ? 1000.0 * stats.generated_tokens / stats.decode_ms
              : 0.0);
  rc = 0;

done:
  free(prompt);
  edgemma_session_free(session);
  edgemma_model_free(model);
  return rc;
}
