/* simple: load a model, render a chat prompt, stream the answer. Only the
 * public C API. usage: edgemma_simple MODEL "your question" */
#include <stdio.h>
#include <stdlib.h>

#include "edgemma.h"

struct answer {
  const edgemma_model* model;
  edgemma_response_stream* stream; /* splits thought channel from answer */
};

/* Prints the answer; the thought channel (if the model opens one) is left
 * out. */
static void on_part(edgemma_part_kind kind, const char* text, size_t len,
                    void* user_data) {
  (void)user_data;
  if (kind == EDGEMMA_PART_CONTENT) fwrite(text, 1, len, stdout);
  if (kind == EDGEMMA_PART_TOOL_CALL) {
    printf("\n[tool call] %.*s\n", (int)len, text);
  }
  fflush(stdout);
}

static int32_t on_token(int32_t token, const char* piece, size_t len,
                        void* user_data) {
  const struct answer* a = (const struct answer*)user_data;
  int32_t i;
  for (i = 0; i < edgemma_model_n_eos(a->model); ++i) {
    if (token == edgemma_model_eos(a->model, i))
      return 1; /* do not print stop tokens */
  }
  return edgemma_response_stream_feed(a->stream, piece, len, on_part, NULL) ==
         EDGEMMA_OK; /* 0 would stop generation */
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
  struct answer answer = {NULL, NULL};
  char* prompt = NULL;
  size_t len = 0;
  int rc = 1;

  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL \"question\"\n", argv[0]);
    return 2;
  }
  st = edgemma_model_load(argv[1], NULL, &model);
  if (st != EDGEMMA_OK) return fail("load", st);
  answer.model = model;
  st = edgemma_response_stream_create(&answer.stream);
  if (st != EDGEMMA_OK) {
    rc = fail("response stream", st);
    goto done;
  }

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
  gp.stream_special = 1; /* the response stream needs the channel markers */
  gp.on_token = on_token;
  gp.user_data = &answer;
  st = edgemma_generate(session, prompt, &gp, &stats);
  if (st != EDGEMMA_OK) {
    rc = fail("generate", st);
    goto done;
  }
  edgemma_response_stream_finish(answer.stream, on_part, NULL);
  printf("\n");
  fprintf(stderr, "%d prompt tokens, %d generated (%.1f tokens/s)\n",
          stats.prompt_tokens, stats.generated_tokens,
          stats.decode_ms > 0
              ? 1000.0 * stats.generated_tokens / stats.decode_ms
              : 0.0);
  rc = 0;

done:
  free(prompt);
  edgemma_response_stream_free(answer.stream);
  edgemma_session_free(session);
  edgemma_model_free(model);
  return rc;
}
