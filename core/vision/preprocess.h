// Image preprocessing for the Gemma 4 vision tower, bit-exact with the
// reference (shared/reference/gemma4ref/vision.py `preprocess_image`, which is
// HF's Gemma4ImageProcessorPil):
//
//   RGB uint8 [H, W, 3]
//   -> target size (th, tw) from the soft-token budget B: aspect preserved,
//   both
//      sides multiples of k*p (48 for p = 16, k = 3), filling B*k^2 patches
//   -> PIL bicubic resize (Keys a = -0.5, antialiased on downscale, 22-bit
//   fixed
//      point, horizontal pass then vertical pass, uint8 in between), skipped
//      when (th, tw) == (H, W)
//   -> x * rescale_factor (in double, stored float32; no mean/std)
//   -> p x p patches in raster order, each a row of 3*p*p floats laid out
//      (dy, dx, c) (channel fastest), position (x = patch column, y = patch
//      row)
//   -> optional padding: zero rows at position (-1, -1) up to B*k^2 rows.
//
// Runtime code: it takes pixels, never files (media/image_file.h decodes
// files), and allocates nothing. The caller passes `scratch` of
// plan.scratch_bytes (exact for one image) or of PreprocessScratchBound() (for
// any image up to a side length, to plan an arena once). Threading: pure
// functions, no global state.
#ifndef EDGEMMA_CORE_VISION_PREPROCESS_H_
#define EDGEMMA_CORE_VISION_PREPROCESS_H_

#include <cstddef>
#include <cstdint>

#include "platform/status.h"

namespace edgemma {

// Processor parameters, plain data. patch_size and pooling_kernel_size come
// from the model's vision_config (VisionDims::patch / ::pool); rescale_factor
// from the HF processor config (1/255 for every Gemma 4 checkpoint).
struct ImageProcessorParams {
  int patch_size = 16;                  // p
  int pooling_kernel_size = 3;          // k
  double rescale_factor = 1.0 / 255.0;  // pixel = u8 * rescale_factor
};

// The soft-token budgets HF's Gemma 4 processor accepts (anything else is an
// error there and here).
inline constexpr int kImageBudgets[] = {70, 140, 280, 560, 1120};
inline constexpr int kDefaultImageBudget = 280;

// kInvalidArgument naming the budget and the allowed values unless it is one of
// kImageBudgets.
Status CheckImageBudget(int budget);

// Everything about one image's preprocessing that follows from its size.
struct ImagePlan {
  int in_h = 0, in_w = 0;      // source image
  int out_h = 0, out_w = 0;    // resized image, multiples of k*p
  int grid_h = 0, grid_w = 0;  // patch rows / columns: out_h / p, out_w / p
  int n_patches = 0;           // grid_h * grid_w: real patch rows
  int max_patches = 0;         // budget * k^2: rows including padding
  int patch_dim = 0;           // 3 * p * p
  int n_soft_tokens = 0;       // n_patches / k^2 (<= budget; the prompt's N)
  size_t scratch_bytes = 0;    // scratch PreprocessImage needs for this image
  bool resized() const { return out_h != in_h || out_w != in_w; }
};

// Target size for an H x W image (HF get_aspect_ratio_preserving_size, in IEEE
// double with HF's order of operations), plus the derived counts. Errors: a
// non-positive side, an unsupported budget, bad params, or a size that cannot
// be planned (both sides would round to 0).
Result<ImagePlan> PlanImage(const ImageProcessorParams& params, int height,
                            int width, int budget);

// Upper bound of PlanImage(...).scratch_bytes over every image whose sides are
// both <= max_side, for this budget: lets a caller size an arena once.
size_t PreprocessScratchBound(const ImageProcessorParams& params, int budget,
                              int max_side);

// Destination of PreprocessImage, owned by the caller.
struct ImagePatches {
  float* rows = nullptr;         // [capacity, plan.patch_dim]
  int32_t* positions = nullptr;  // [capacity, 2]: (x, y); (-1, -1) = padding
  int capacity = 0;              // rows available
};

// Preprocesses `rgb` ([plan.in_h, plan.in_w, 3], row-major, no row padding):
// writes plan.n_patches patch rows and positions and, when `pad`, zero rows at
// (-1, -1) up to plan.max_patches (the reference's exact output). Without
// padding the encoder sees only real patches, which gives the same soft tokens.
// Errors: capacity too small, scratch too small.
Status PreprocessImage(const ImageProcessorParams& params,
                       const ImagePlan& plan, const uint8_t* rgb, bool pad,
                       const ImagePatches& out, void* scratch,
                       size_t scratch_bytes);

// The resize step alone: PIL Image.resize((out_w, out_h), BICUBIC) on an RGB
// image, bit for bit (Pillow libImaging/Resample.c semantics: per-axis
// coefficients with support 2*max(scale, 1), normalised and rounded to 22-bit
// integers; horizontal pass over the source rows the vertical pass uses, clip
// to uint8, vertical pass, clip to uint8; a pass is skipped when its axis keeps
// its size). `dst` is [out_h, out_w, 3]; `src` and `dst` must not overlap. The
// horizontally resampled rows live in a ring of a few rows (not a whole
// intermediate image), so scratch grows with the sides, not the area.
size_t PilBicubicScratchBytes(int in_h, int in_w, int out_h, int out_w);
Status PilBicubicResize(const uint8_t* src, int in_h, int in_w, uint8_t* dst,
                        int out_h, int out_w, void* scratch,
                        size_t scratch_bytes);

}  // namespace edgemma

#endif  // EDGEMMA_CORE_VISION_PREPROCESS_H_
