/* image: ask a question about a picture. Only the public C API (C99); the
 * picture is a binary PPM (P6, 8-bit) so that no image library is needed:
 * convert a JPEG with e.g. `djpeg -pnm photo.jpg > photo.ppm`.
 * usage: edgemma_image MODEL photo.ppm "What is in this picture?" [budget] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgemma.h"

static int fail(const char* what, edgemma_status st) {
  fprintf(stderr, "image: %s failed: %s: %s\n", what, edgemma_status_name(st),
          edgemma_last_error());
  return 1;
}

/* Reads a P6 PPM with maxval 255 into a malloc'd RGB buffer. */
static unsigned char* read_ppm(const char* path, int* w, int* h) {
  FILE* f = fopen(path, "rb");
  unsigned char* rgb = NULL;
  int maxval = 0;
  if (f == NULL) return NULL;
  if (fscanf(f, "P6 %d %d %d", w, h, &maxval) == 3 && maxval == 255 && *w > 0 &&
      *h > 0 && *w <= 16384 && *h <= 16384 && fgetc(f) != EOF) {
    const size_t n = (size_t)*w * (size_t)*h * 3;
    rgb = (unsigned char*)malloc(n);
    if (rgb != NULL && fread(rgb, 1, n, f) != n) {
      free(rgb);
      rgb = NULL;
    }
  }
  fclose(f);
  return rgb;
}

static int32_t print_piece(int32_t token, const char* piece, size_t len,
                           void* user_data) {
  const edgemma_model* model = (const edgemma_model*)user_data;
  int32_t i;
  for (i = 0; i < edgemma_model_n_eos(model); ++i) {
    if (token == edgemma_model_eos(model, i)) return 1;
  }
  fwrite(piece, 1, len, stdout);
  fflush(stdout);
  return 1;
}

int main(int argc, char** argv) {
  edgemma_model* model = NULL;
  edgemma_vision* vision = NULL;
  edgemma_session* session = NULL;
  edgemma_vision_params vp = edgemma_vision_default_params();
  edgemma_session_params sp = edgemma_session_default_params();
  edgemma_generate_params gp;
  edgemma_media_item item;
  edgemma_status st;
  char request[4096], prompt[8192], *expanded = NULL;
  float* soft = NULL;
  size_t len = 0;
  int w = 0, h = 0, rc = 1;
  int32_t budget = argc > 4 ? atoi(argv[4]) : 280, n = 0;
  unsigned char* rgb;
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL photo.ppm QUESTION [budget]\n", argv[0]);
    return 2;
  }
  rgb = read_ppm(argv[2], &w, &h);
  if (rgb == NULL) {
    fprintf(stderr, "image: %s is not a binary 8-bit PPM (P6)\n", argv[2]);
    return 1;
  }
  if ((st = edgemma_model_load(argv[1], NULL, &model)) != EDGEMMA_OK) {
    rc = fail("model", st);
    goto done;
  }
  /* The tower: the model's HF directory or the mmproj beside its GGUF. */
  vp.max_budget = budget;
  if ((st = edgemma_vision_load(model, NULL, &vp, &vision)) != EDGEMMA_OK) {
    rc = fail("vision tower", st);
    goto done;
  }
  /* 1. The soft tokens of the picture. */
  if ((st = edgemma_vision_count_tokens(vision, w, h, budget, &n)) !=
      EDGEMMA_OK) {
    rc = fail("count", st);
    goto done;
  }
  soft = (float*)malloc(sizeof(float) * (size_t)n *
                        (size_t)edgemma_model_d_model(model));
  if (soft == NULL) goto done;
  if ((st = edgemma_vision_encode(vision, rgb, w, h, budget, soft, n, &n)) !=
      EDGEMMA_OK) {
    rc = fail("encode", st);
    goto done;
  }
  /* 2. The chat prompt with an image part, its placeholder expanded to N. */
  snprintf(request, sizeof(request),
           "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": "
           "\"image\"}, {\"type\": \"text\", \"text\": \"%s\"}]}]}",
           argv[3]); /* keep the question free of quotes in this example */
  if ((st = edgemma_chat_prompt_json(model, request, prompt, sizeof(prompt),
                                     &len)) != EDGEMMA_OK) {
    rc = fail("chat prompt", st);
    goto done;
  }
  item.kind = EDGEMMA_MEDIA_IMAGE;
  item.n_tokens = n;
  item.n_frames = 0;
  item.fps = 0;
  edgemma_expand_media_prompt(model, prompt, &item, 1, NULL, 0, &len);
  expanded = (char*)malloc(len + 1);
  if (expanded == NULL) goto done;
  if ((st = edgemma_expand_media_prompt(model, prompt, &item, 1, expanded,
                                        len + 1, &len)) != EDGEMMA_OK) {
    rc = fail("expand", st);
    goto done;
  }
  /* 3. Generate: the image block takes the soft tokens. */
  sp.n_ctx = 2048;
  if ((st = edgemma_session_create(model, &sp, &session)) != EDGEMMA_OK) {
    rc = fail("session", st);
    goto done;
  }
  gp = edgemma_generate_default_params(model);
  gp.max_tokens = 256;
  gp.on_token = print_piece;
  gp.user_data = model;
  st = edgemma_generate_multimodal(session, expanded, soft, n, &gp, NULL);
  printf("\n");
  rc = st == EDGEMMA_OK ? 0 : fail("generate", st);
done:
  edgemma_session_free(session);
  edgemma_vision_free(vision);
  edgemma_model_free(model);
  free(expanded);
  free(soft);
  free(rgb);
  return rc;
}
