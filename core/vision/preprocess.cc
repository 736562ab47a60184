// Gemma 4 image preprocessing: target size, resize, rescale, patchify, pad
// (contract in preprocess.h; the resize itself is pil_resample.cc).
#include "core/vision/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace edgemma {
namespace {

size_t Align64(size_t n) { return (n + 63) & ~static_cast<size_t>(63); }

std::string Dims(int h, int w) {
  return std::to_string(h) + "x" + std::to_string(w);
}

Status CheckParams(const ImageProcessorParams& p) {
  // Bounds keep every derived count (max_patches * patch_dim, B * k * p) in
  // int.
  if (p.patch_size < 1 || p.patch_size > 256) {
    return InvalidArgument("image preprocessing: patch_size " +
                           std::to_string(p.patch_size) + " outside [1, 256]");
  }
  if (p.pooling_kernel_size < 1 || p.pooling_kernel_size > 16) {
    return InvalidArgument("image preprocessing: pooling_kernel_size " +
                           std::to_string(p.pooling_kernel_size) +
                           " outside [1, 16]");
  }
  if (!(p.rescale_factor > 0.0) || !std::isfinite(p.rescale_factor)) {
    return InvalidArgument("image preprocessing: rescale_factor must be > 0");
  }
  return Status::Ok();
}

}  // namespace

Status CheckImageBudget(int budget) {
  for (int b : kImageBudgets) {
    if (b == budget) return Status::Ok();
  }
  std::string allowed;
  for (int b : kImageBudgets) {
    allowed += (allowed.empty() ? "" : ", ") + std::to_string(b);
  }
  return InvalidArgument("image token budget " + std::to_string(budget) +
                         " is not one of " + allowed);
}

Result<ImagePlan> PlanImage(const ImageProcessorParams& params, int height,
                            int width, int budget) {
  EM_RETURN_IF_ERROR(CheckParams(params));
  EM_RETURN_IF_ERROR(CheckImageBudget(budget));
  if (height <= 0 || width <= 0) {
    return InvalidArgument("image of " + Dims(height, width) +
                           " pixels: both sides must be positive");
  }
  const int p = params.patch_size, k = params.pooling_kernel_size;
  const int unit = k * p;
  const int64_t max_patches = static_cast<int64_t>(budget) * k * k;
  const int64_t budget_px = max_patches * p * p;
  // HF: scale = sqrt(budget_px / (H * W)); side = floor(scale * side / unit).
  // Exact integer operands, so one correctly rounded double division as in
  // Python.
  const double scale =
      std::sqrt(static_cast<double>(budget_px) /
                static_cast<double>(static_cast<int64_t>(height) * width));
  int64_t th = static_cast<int64_t>(std::floor(scale * height / unit)) * unit;
  int64_t tw = static_cast<int64_t>(std::floor(scale * width / unit)) * unit;
  if (th == 0 && tw == 0) {
    return InvalidArgument("image of " + Dims(height, width) +
                           " pixels would be resized to 0x0");
  }
  const int64_t longest = (max_patches / (k * k)) * unit;
  if (th == 0) {
    th = unit;
    tw = std::min(
        static_cast<int64_t>(std::floor(static_cast<double>(width) / height)) *
            unit,
        longest);
  } else if (tw == 0) {
    tw = unit;
    th = std::min(
        static_cast<int64_t>(std::floor(static_cast<double>(height) / width)) *
            unit,
        longest);
  }
  if (th * tw > budget_px) {  // cannot happen with HF's rule; kept as HF does
    return Internal("image " + Dims(height, width) + " -> " +
                    Dims(static_cast<int>(th), static_cast<int>(tw)) +
                    " exceeds " + std::to_string(max_patches) + " patches");
  }
  ImagePlan plan;
  plan.in_h = height;
  plan.in_w = width;
  plan.out_h = static_cast<int>(th);
  plan.out_w = static_cast<int>(tw);
  plan.grid_h = plan.out_h / p;
  plan.grid_w = plan.out_w / p;
  plan.n_patches = plan.grid_h * plan.grid_w;
  plan.max_patches = static_cast<int>(max_patches);
  plan.patch_dim = 3 * p * p;
  plan.n_soft_tokens = plan.n_patches / (k * k);
  if (plan.resized()) {
    plan.scratch_bytes =
        Align64(static_cast<size_t>(plan.out_h) * plan.out_w * 3) +
        PilBicubicScratchBytes(height, width, plan.out_h, plan.out_w);
  }
  return plan;
}

size_t PreprocessScratchBound(const ImageProcessorParams& params, int budget,
                              int max_side) {
  if (!CheckParams(params).ok() || !CheckImageBudget(budget).ok() ||
      max_side <= 0) {
    return 0;
  }
  // Derivation (pil_resample.cc's layout; S = max_side, O = longest output
  // side = B*k*p, u = k*p the shortest): an axis has ksize <= 4 in/out + 7
  // taps (+2 for PIL's float box above 2^24), so out * ksize <= 4 S + 7 O; the
  // ring holds ksize_v + 8 rows of out_w pixels, and out_w / out_h <= 2 W / H
  // under the target-size rule, so it is <= 24 S + 3 (7 + 8) O bytes.
  const size_t p = params.patch_size, k = params.pooling_kernel_size;
  const size_t S = max_side, u = k * p, O = budget * k * p;
  const size_t max_patches = budget * k * k;
  size_t bytes = Align64(max_patches * p * p * 3);  // resized image
  bytes += Align64(8 * (4 * S / u + 8));            // double taps
  bytes += 2 * Align64(4 * (4 * S + 7 * O));        // coefficients
  bytes += 2 * Align64(8 * O);                      // bounds
  bytes += Align64(3 * 8 * S);                      // transposed rows
  bytes += Align64(24 * S + 3 * 15 * O);            // ring
  return bytes;
}

Status PreprocessImage(const ImageProcessorParams& params,
                       const ImagePlan& plan, const uint8_t* rgb, bool pad,
                       const ImagePatches& out, void* scratch,
                       size_t scratch_bytes) {
  EM_RETURN_IF_ERROR(CheckParams(params));
  const int p = params.patch_size;
  if (plan.grid_w * p != plan.out_w || plan.grid_h * p != plan.out_h ||
      plan.patch_dim != 3 * p * p) {
    return InvalidArgument("image preprocessing: plan does not match params");
  }
  const int rows = pad ? plan.max_patches : plan.n_patches;
  if (out.capacity < rows || out.rows == nullptr || out.positions == nullptr) {
    return InvalidArgument("image preprocessing: room for " +
                           std::to_string(out.capacity) + " patch rows, " +
                           std::to_string(rows) + " needed");
  }
  if (scratch_bytes < plan.scratch_bytes) {
    return ArenaFull("image preprocessing: scratch of " +
                     std::to_string(scratch_bytes) + " bytes, needs " +
                     std::to_string(plan.scratch_bytes));
  }
  const uint8_t* img = rgb;  // [out_h, out_w, 3]
  if (plan.resized()) {
    uint8_t* resized = static_cast<uint8_t*>(scratch);
    const size_t img_bytes =
        Align64(static_cast<size_t>(plan.out_h) * plan.out_w * 3);
    EM_RETURN_IF_ERROR(PilBicubicResize(
        rgb, plan.in_h, plan.in_w, resized, plan.out_h, plan.out_w,
        resized + img_bytes, scratch_bytes - img_bytes));
    img = resized;
  }
  // HF: float32(float64(u8) * rescale_factor), a 256-entry table.
  float lut[256];
  for (int v = 0; v < 256; ++v) {
    lut[v] = static_cast<float>(static_cast<double>(v) * params.rescale_factor);
  }
  const size_t row_bytes = static_cast<size_t>(plan.out_w) * 3;
  const int span = 3 * p;  // one patch line: p pixels, channel fastest
  for (int q = 0; q < plan.n_patches; ++q) {
    const int py = q / plan.grid_w, px = q % plan.grid_w;
    float* dst = out.rows + static_cast<size_t>(q) * plan.patch_dim;  // [p*p*3]
    const uint8_t* src = img + static_cast<size_t>(py) * p * row_bytes +
                         static_cast<size_t>(px) * span;
    for (int dy = 0; dy < p; ++dy, src += row_bytes, dst += span) {
      for (int j = 0; j < span; ++j) dst[j] = lut[src[j]];
    }
    out.positions[2 * q] = px;
    out.positions[2 * q + 1] = py;
  }
  if (pad) {
    const size_t pad_rows = static_cast<size_t>(rows - plan.n_patches);
    std::memset(out.rows + static_cast<size_t>(plan.n_patches) * plan.patch_dim,
                0, pad_rows * plan.patch_dim * sizeof(float));
    std::fill(out.positions + 2 * static_cast<size_t>(plan.n_patches),
              out.positions + 2 * static_cast<size_t>(rows), -1);
  }
  return Status::Ok();
}

}  // namespace edgemma
