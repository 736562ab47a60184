/* A program outside the edgemma tree, built against an installed edgemma
 * (pkg-config, find_package) or a source tree (add_subdirectory) by
 * scripts/check-install.sh. It calls the C API with no model, and loads the
 * model given as argv[1] if any, so the whole runtime (loader, kernels,
 * tokenizer, session) must link. Prints "consumer ok" on success. */
#include <edgemma.h>
#include <stdio.h>
#include <string.h>

static int Fail(const char* what, edgemma_status st) {
  fprintf(stderr, "consumer: %s: %s: %s\n", what, edgemma_status_name(st),
          edgemma_last_error());
  return 1;
}

static int RunModel(const char* path) {
  edgemma_model_params mp = edgemma_model_default_params();
  edgemma_model* model = NULL;
  edgemma_status st = edgemma_model_load(path, &mp, &model);
  if (st != EDGEMMA_OK) return Fail("edgemma_model_load", st);
  edgemma_session_params sp = edgemma_session_default_params();
  sp.n_ctx = 16;
  edgemma_session* session = NULL;
  st = edgemma_session_create(model, &sp, &session);
  if (st != EDGEMMA_OK) {
    edgemma_model_free(model);
    return Fail("edgemma_session_create", st);
  }
  int32_t id = edgemma_model_bos(model);
  st = edgemma_eval_tokens(session, &id, 1, NULL);
  printf("consumer: model vocab %d, kernels %s, pos %d\n",
         (int)edgemma_model_vocab_size(model), edgemma_model_kernel_name(model),
         (int)edgemma_session_pos(session));
  edgemma_session_free(session);
  edgemma_model_free(model);
  return st == EDGEMMA_OK ? 0 : Fail("edgemma_eval_tokens", st);
}

int main(int argc, char** argv) {
  char json[256];
  size_t len = 0;
  edgemma_status st = edgemma_parse_response("hello", json, sizeof json, &len);
  if (st != EDGEMMA_OK) return Fail("edgemma_parse_response", st);
  if (strstr(json, "\"hello\"") == NULL) {
    fprintf(stderr, "consumer: unexpected parse: %s\n", json);
    return 1;
  }
  printf("consumer: edgemma %s, %s\n", edgemma_version(),
         edgemma_status_name(EDGEMMA_OK));
  if (argc > 1 && RunModel(argv[1]) != 0) return 1;
  printf("consumer ok\n");
  return 0;
}
