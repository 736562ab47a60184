/* Compiled as C99 with -pedantic -Werror: the public header is plain C. Calls
 * every function with invalid arguments and checks the status codes and
 * messages. Returns the number of failed checks (0 = all good) and describes
 * the first failure in `msg`. */
#include <stdio.h>
#include <string.h>

#include "edgemma.h"

int edgemma_c99_invalid_argument_checks(char* msg, size_t cap);

static int g_failures;
static char* g_msg;
static size_t g_cap;

static void check(int ok, const char* what) {
  if (ok) return;
  if (g_failures == 0)
    snprintf(g_msg, g_cap, "%s (last error: '%s')", what, edgemma_last_error());
  ++g_failures;
}

/* The call failed with `want` and left a message that names the function. */
static void expect(edgemma_status got, edgemma_status want, const char* fn) {
  check(got == want, fn);
  check(strstr(edgemma_last_error(), fn) != NULL, fn);
}

static int32_t token_cb(int32_t t, const char* p, size_t n, void* u) {
  (void)t;
  (void)p;
  (void)n;
  (void)u;
  return 1;
}

int edgemma_c99_invalid_argument_checks(char* msg, size_t cap) {
  edgemma_model* model = NULL;
  edgemma_session* session = NULL;
  edgemma_model_params mp = edgemma_model_default_params();
  edgemma_session_params sp = edgemma_session_default_params();
  edgemma_sampling_params smp = edgemma_sampling_default_params(NULL);
  edgemma_generate_params gp = edgemma_generate_default_params(NULL);
  edgemma_generate_stats stats;
  edgemma_message m;
  int32_t ids[4] = {1, 2, 3, 4};
  int32_t n = 0;
  float emb[8] = {0};
  size_t len = 0, bytes = 0;
  char buf[16];

  g_failures = 0;
  g_msg = msg;
  g_cap = cap;
  msg[0] = '\0';
  m.role = "user";
  m.content = "hi";
  gp.on_token = token_cb;

  check(strcmp(edgemma_status_name(EDGEMMA_OK), "OK") == 0, "status name OK");
  check(strcmp(edgemma_status_name(EDGEMMA_ERR_CONTEXT_FULL), "context full") ==
            0,
        "status name ContextFull");
  check(strcmp(edgemma_status_name((edgemma_status)99), "unknown") == 0,
        "status name 99");
  check(strlen(edgemma_version()) > 0, "version");
  check(mp.weights == EDGEMMA_WEIGHTS_AS_STORED && mp.tokenizer_path == NULL,
        "model params");
  check(sp.n_batch == 0 && sp.n_threads > 0 && sp.buffer == NULL,
        "session params");
  check(smp.temperature == 1.0f && smp.top_p == 1.0f && smp.top_k == 0,
        "neutral sampling");
  check(gp.max_tokens > 0, "generate params");

  expect(edgemma_model_load(NULL, &mp, &model), EDGEMMA_ERR_INVALID_ARGUMENT,
         "edgemma_model_load");
  check(model == NULL, "no model on failure");
  expect(edgemma_parse_response(NULL, NULL, 0, NULL),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_parse_response");
  expect(edgemma_response_stream_create(NULL), EDGEMMA_ERR_INVALID_ARGUMENT,
         "edgemma_response_stream_create");
  expect(edgemma_response_stream_finish(NULL, NULL, NULL),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_response_stream_finish");
  expect(edgemma_model_load("x", &mp, NULL), EDGEMMA_ERR_INVALID_ARGUMENT,
         "edgemma_model_load");
  check(
      edgemma_model_load("/nonexistent/model.gguf", NULL, &model) != EDGEMMA_OK,
      "missing model file");
  check(strstr(edgemma_last_error(), "/nonexistent/model.gguf") != NULL,
        "message names path");
  edgemma_model_free(NULL);

  check(edgemma_model_vocab_size(NULL) == -1, "vocab of NULL");
  check(edgemma_model_context_max(NULL) == -1, "ctx of NULL");
  check(edgemma_model_d_model(NULL) == -1, "d_model of NULL");
  check(edgemma_model_kernel_name(NULL) == NULL, "kernel of NULL");
  check(edgemma_model_bos(NULL) == -1, "bos of NULL");
  check(edgemma_model_n_eos(NULL) == -1, "n_eos of NULL");
  check(edgemma_model_eos(NULL, 0) == -1, "eos of NULL");
  check(edgemma_model_has_tokenizer(NULL) == 0, "tokenizer of NULL");

  expect(edgemma_session_required_bytes(NULL, &sp, &bytes),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_session_required_bytes");
  expect(edgemma_session_create(NULL, &sp, &session),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_session_create");
  check(session == NULL, "no session on failure");
  edgemma_session_free(NULL);
  check(edgemma_session_pos(NULL) == -1, "pos of NULL");
  expect(edgemma_session_rewind(NULL, 0), EDGEMMA_ERR_INVALID_ARGUMENT,
         "edgemma_session_rewind");

  expect(edgemma_tokenize(NULL, "a", 1, ids, 4, &n),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_tokenize");
  expect(edgemma_detokenize(NULL, ids, 4, 0, buf, sizeof buf, &len),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_detokenize");
  expect(edgemma_chat_prompt(NULL, &m, 1, 1, 0, buf, sizeof buf, &len),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_chat_prompt");
  expect(edgemma_chat_prompt_json(NULL, "{}", buf, sizeof buf, &len),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_chat_prompt_json");

  expect(edgemma_generate(NULL, "hi", &gp, &stats),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_generate");
  expect(edgemma_generate_tokens(NULL, ids, 4, &gp, &stats),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_generate_tokens");
  expect(edgemma_eval_tokens(NULL, ids, 4, NULL), EDGEMMA_ERR_INVALID_ARGUMENT,
         "edgemma_eval_tokens");
  expect(edgemma_eval_embeddings(NULL, emb, 1, 8, NULL),
         EDGEMMA_ERR_INVALID_ARGUMENT, "edgemma_eval_embeddings");
  return g_failures;
}
