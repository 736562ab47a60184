// JPEG through libjpeg-turbo (contract in image_file.h). libjpeg reports
// errors by longjmp, so each phase runs in a function holding no C++ object
// with a destructor: the header phase (size check, EXIF, colour space), then,
// once the caller has allocated the pixels, the scanline phase.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

// clang-format off
#include <jpeglib.h>  // needs <cstdio> first
#include <jerror.h>
// clang-format on

#include "media/image_decode.h"

namespace edgemma::image_internal {
namespace {

struct JpegContext {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  jpeg_progress_mgr progress;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
  bool created;
};

[[noreturn]] void Fail(j_common_ptr c) {
  JpegContext* ctx = static_cast<JpegContext*>(c->client_data);
  (*c->err->format_message)(c, ctx->message);
  std::longjmp(ctx->jump, 1);
}

// Warnings are tolerated (PIL decodes such files too) except a premature end
// of data, which libjpeg would paint gray: PIL refuses truncated files.
void OnMessage(j_common_ptr c, int level) {
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) Fail(c);
}

// Bounds the work on a progressive "scan bomb".
void OnProgress(j_common_ptr c) {
  j_decompress_ptr d = reinterpret_cast<j_decompress_ptr>(c);
  if (c->is_decompressor && d->input_scan_number > kMaxJpegScans) {
    JpegContext* ctx = static_cast<JpegContext*>(c->client_data);
    std::snprintf(ctx->message, sizeof(ctx->message),
                  "more than %d progressive scans", kMaxJpegScans);
    std::longjmp(ctx->jump, 1);
  }
}

// Phase 1: header. Returns false on a libjpeg error (ctx->message).
bool ReadHeader(JpegContext* ctx, FILE* f) {
  if (setjmp(ctx->jump)) return false;
  ctx->cinfo.err = jpeg_std_error(&ctx->err);
  ctx->err.error_exit = Fail;
  ctx->err.emit_message = OnMessage;
  ctx->cinfo.client_data = ctx;
  jpeg_create_decompress(&ctx->cinfo);
  ctx->created = true;
  ctx->progress.progress_monitor = OnProgress;
  ctx->cinfo.progress = &ctx->progress;
  jpeg_stdio_src(&ctx->cinfo, f);
  jpeg_save_markers(&ctx->cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&ctx->cinfo, TRUE);
  const J_COLOR_SPACE in = ctx->cinfo.jpeg_color_space;
  ctx->cinfo.out_color_space =
      (in == JCS_CMYK || in == JCS_YCCK) ? JCS_CMYK : JCS_RGB;
  return true;
}

// PIL's convert("RGB") of the Adobe-inverted CMYK it decodes ("CMYK;I"):
// c' = 255 - c, ..., nk = 255 - k', channel = nk - round(c' * nk / 255).
void CmykRowToRgb(const uint8_t* cmyk, int width, uint8_t* rgb) {
  for (int x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
    const int nk = cmyk[3];  // 255 - (255 - k)
    for (int c = 0; c < 3; ++c) {
      const int t = (255 - cmyk[c]) * nk + 128;
      const int v = nk - (((t >> 8) + t) >> 8);
      rgb[c] = static_cast<uint8_t>(v < 0 ? 0 : v);
    }
  }
}

// Phase 2: pixels into rgb [height, width, 3]. Returns false on a libjpeg
// error. CMYK rows go through one libjpeg-allocated row (freed with cinfo).
bool ReadPixels(JpegContext* ctx, uint8_t* rgb) {
  if (setjmp(ctx->jump)) return false;
  jpeg_decompress_struct& ci = ctx->cinfo;
  jpeg_start_decompress(&ci);
  const size_t stride = static_cast<size_t>(ci.output_width) * 3;
  JSAMPARRAY cmyk = nullptr;
  if (ci.out_color_space == JCS_CMYK) {
    cmyk = (*ci.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&ci),
                                   JPOOL_IMAGE, ci.output_width * 4, 1);
  }
  while (ci.output_scanline < ci.output_height) {
    uint8_t* row = rgb + ci.output_scanline * stride;
    if (cmyk) {
      jpeg_read_scanlines(&ci, cmyk, 1);
      CmykRowToRgb(cmyk[0], static_cast<int>(ci.output_width), row);
    } else {
      JSAMPROW rows[1] = {row};
      jpeg_read_scanlines(&ci, rows, 1);
    }
  }
  jpeg_finish_decompress(&ci);
  return true;
}

int OrientationOf(const jpeg_decompress_struct& ci) {
  for (jpeg_saved_marker_ptr m = ci.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
        std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      return ExifOrientation(m->data, m->data_length);
    }
  }
  return 1;
}

}  // namespace

Status DecodeJpeg(FILE* f, const std::string& name,
                  const ImageDecodeOptions& options, RgbImage* out,
                  int* orientation) {
  JpegContext ctx;
  std::memset(&ctx, 0, sizeof(ctx));
  struct Destroy {  // runs on every return, never across a longjmp
    JpegContext* c;
    ~Destroy() {
      if (c->created) jpeg_destroy_decompress(&c->cinfo);
    }
  } destroy{&ctx};
  if (!ReadHeader(&ctx, f)) return Corrupt(name + ": JPEG: " + ctx.message);
  EM_RETURN_IF_ERROR(CheckPixels(name, ctx.cinfo.image_width,
                                 ctx.cinfo.image_height, options.max_pixels));
  *orientation = OrientationOf(ctx.cinfo);
  out->width = static_cast<int>(ctx.cinfo.image_width);
  out->height = static_cast<int>(ctx.cinfo.image_height);
  out->rgb.resize(static_cast<size_t>(out->width) * out->height * 3);
  if (!ReadPixels(&ctx, out->rgb.data())) {
    return Corrupt(name + ": JPEG: " + ctx.message);
  }
  return Status::Ok();
}

}  // namespace edgemma::image_internal
