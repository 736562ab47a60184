// PIL-exact bicubic resize of RGB uint8 images (see preprocess.h for the
// contract). The arithmetic follows Pillow's libImaging/Resample.c as read from
// its source; the code and the memory layout are ours:
//
// * Per axis: scale = in / out (in as a float, as PIL's box is float),
//   filterscale = max(scale, 1), support = 2 * filterscale, at most
//   ksize = 2 * ceil(support) + 1 taps. Output i reads source [xmin, xmin + n)
//   around center = (i + 0.5) * scale with weights K((j + xmin - center + 0.5)
//   / filterscale), Keys cubic a = -0.5, normalised to sum 1, then rounded half
//   away from zero to integers of 22 fractional bits.
// * Horizontal pass first, over the source rows the vertical pass reads; each
//   value = clip8((2^21 + sum src * w) >> 22); then the vertical pass the same
//   way over the horizontal result. Integer sums are exact, so the order of
//   the taps and of the rows does not change a single bit: we are free to
//   vectorise and to stream.
//
// Streaming: horizontal rows go into a ring of ksize_v + kGroup rows that the
// vertical pass consumes in order, so memory grows with the sides, not the
// area. The horizontal pass resamples kGroup source rows at once from a
// transposed copy (pixel-major, row-minor), which turns its taps into
// contiguous int32 multiply-adds the compiler vectorises.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/vision/preprocess.h"

namespace edgemma {
namespace {

constexpr int kPrecisionBits = 22;  // Pillow's PRECISION_BITS for 8-bit images
constexpr int32_t kRoundHalf = 1 << (kPrecisionBits - 1);
constexpr int kGroup = 8;     // source rows per horizontal step
constexpr int kVBlock = 256;  // row bytes per vertical accumulator block
constexpr double kFilterSupport = 2.0;  // bicubic

// Keys cubic convolution kernel with a = -0.5, in Pillow's operation order
// (bit-identical doubles matter: the weights are rounded to integers later).
double Bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

struct Axis {
  int in = 0, out = 0;
  double scale = 0, filterscale = 0, support = 0;
  int ksize = 0;  // taps per output, upper bound
};

Axis MakeAxis(int in, int out) {
  Axis a;
  a.in = in;
  a.out = out;
  // PIL: (double)(box1 - box0) / out with a float box of (0, in).
  a.scale = static_cast<double>(static_cast<float>(in)) / out;
  a.filterscale = a.scale < 1.0 ? 1.0 : a.scale;
  a.support = kFilterSupport * a.filterscale;
  a.ksize = static_cast<int>(std::ceil(a.support)) * 2 + 1;
  return a;
}

// Fills k [out, ksize] (zero past each output's taps) and bounds [out, 2]
// (first source index, tap count). `tmp` holds ksize doubles.
void ComputeCoefficients(const Axis& a, double* tmp, int32_t* k,
                         int32_t* bounds) {
  const double ss = 1.0 / a.filterscale;
  for (int i = 0; i < a.out; ++i) {
    const double center = (i + 0.5) * a.scale;
    int xmin = static_cast<int>(center - a.support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + a.support + 0.5);
    if (xmax > a.in) xmax = a.in;
    const int n = xmax - xmin;
    double ww = 0.0;
    for (int x = 0; x < n; ++x) {
      tmp[x] = Bicubic((x + xmin - center + 0.5) * ss);
      ww += tmp[x];
    }
    int32_t* row = k + static_cast<size_t>(i) * a.ksize;
    for (int x = 0; x < n; ++x) {
      const double w = ww != 0.0 ? tmp[x] / ww : tmp[x];
      const double f = w * (1 << kPrecisionBits);
      row[x] = static_cast<int32_t>(w < 0 ? -0.5 + f : 0.5 + f);
    }
    std::fill(row + n, row + a.ksize, 0);
    bounds[2 * i] = xmin;
    bounds[2 * i + 1] = n;
  }
}

inline uint8_t Clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

size_t Align64(size_t n) { return (n + 63) & ~static_cast<size_t>(63); }

// Byte offsets of the scratch regions; sizes depend only on the four sides.
struct Layout {
  Axis h, v;
  bool need_h = false, need_v = false;
  int ring_rows = 0;
  size_t kh = 0, bh = 0, kv = 0, bv = 0, tmp = 0, group = 0, ring = 0;
  size_t total = 0;
};

Layout MakeLayout(int in_h, int in_w, int out_h, int out_w) {
  Layout L;
  L.h = MakeAxis(in_w, out_w);
  L.v = MakeAxis(in_h, out_h);
  L.need_h = out_w != in_w;
  L.need_v = out_h != in_h;
  size_t off = 0;
  auto take = [&off](size_t bytes) {
    const size_t at = off;
    off += Align64(bytes);
    return at;
  };
  const size_t ks = static_cast<size_t>(std::max(L.h.ksize, L.v.ksize));
  L.tmp = take(ks * sizeof(double));
  if (L.need_h) {
    L.kh = take(static_cast<size_t>(out_w) * L.h.ksize * sizeof(int32_t));
    L.bh = take(static_cast<size_t>(out_w) * 2 * sizeof(int32_t));
    L.group = take(static_cast<size_t>(in_w) * 3 * kGroup);
  }
  // The vertical bounds are needed even without a vertical pass: they tell
  // which source rows the horizontal pass covers (all of them, then).
  L.kv = take(static_cast<size_t>(out_h) * L.v.ksize * sizeof(int32_t));
  L.bv = take(static_cast<size_t>(out_h) * 2 * sizeof(int32_t));
  if (L.need_h && L.need_v) {
    L.ring_rows = std::min(L.v.ksize + kGroup, in_h);
    L.ring = take(static_cast<size_t>(L.ring_rows) * out_w * 3);
  }
  L.total = off;
  return L;
}

// Horizontal pass over `g` (<= kGroup) consecutive source rows: out_rows[r] is
// the destination of source row src_rows + r * src_stride.
void HorizontalGroup(const uint8_t* src_rows, size_t src_stride, int g,
                     int in_w, int out_w, int ksize, const int32_t* k,
                     const int32_t* bounds, uint8_t* group,
                     uint8_t* const* out_rows) {
  // Transpose to [in_w * 3][kGroup] (rows past g zeroed: never stored).
  for (int x3 = 0; x3 < in_w * 3; ++x3) {
    uint8_t* col = group + static_cast<size_t>(x3) * kGroup;
    for (int r = 0; r < kGroup; ++r) {
      col[r] = r < g ? src_rows[r * src_stride + x3] : 0;
    }
  }
  constexpr int kLanes = 3 * kGroup;  // (channel, row) accumulators
  for (int xx = 0; xx < out_w; ++xx) {
    const int32_t* kx = k + static_cast<size_t>(xx) * ksize;
    const int xmin = bounds[2 * xx], n = bounds[2 * xx + 1];
    int32_t acc[kLanes];
    for (int j = 0; j < kLanes; ++j) acc[j] = kRoundHalf;
    const uint8_t* px = group + static_cast<size_t>(xmin) * kLanes;
    for (int t = 0; t < n; ++t, px += kLanes) {
      const int32_t w = kx[t];
      for (int j = 0; j < kLanes; ++j) acc[j] += px[j] * w;
    }
    for (int r = 0; r < g; ++r) {
      uint8_t* o = out_rows[r] + static_cast<size_t>(xx) * 3;
      for (int c = 0; c < 3; ++c) o[c] = Clip8(acc[c * kGroup + r]);
    }
  }
}

// One vertical output row: dst[j] = clip8(2^21 + sum_t rows(t)[j] * w[t]).
template <typename RowFn>
void VerticalRow(RowFn rows, const int32_t* w, int n, int width3,
                 uint8_t* dst) {
  int32_t acc[kVBlock];
  for (int j0 = 0; j0 < width3; j0 += kVBlock) {
    const int len = std::min(kVBlock, width3 - j0);
    for (int j = 0; j < len; ++j) acc[j] = kRoundHalf;
    for (int t = 0; t < n; ++t) {
      const uint8_t* row = rows(t) + j0;
      const int32_t wt = w[t];
      for (int j = 0; j < len; ++j) acc[j] += row[j] * wt;
    }
    for (int j = 0; j < len; ++j) dst[j0 + j] = Clip8(acc[j]);
  }
}

// Coefficients of one axis (in scratch): k [out, ksize], bounds [out, 2].
struct AxisCoeffs {
  const int32_t* k;
  const int32_t* bounds;
  int ksize;
};

// The vertical pass alone, straight from the source rows.
void VerticalOnly(const uint8_t* src, size_t stride, const AxisCoeffs& v,
                  int out_h, uint8_t* dst) {
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = v.bounds[2 * yy];
    auto rows = [&](int t) { return src + (ymin + t) * stride; };
    VerticalRow(rows, v.k + static_cast<size_t>(yy) * v.ksize,
                v.bounds[2 * yy + 1], static_cast<int>(stride),
                dst + yy * stride);
  }
}

// The horizontal pass alone, straight into dst (all source rows).
void HorizontalOnly(const uint8_t* src, int in_h, int in_w, const AxisCoeffs& h,
                    int out_w, uint8_t* group, uint8_t* dst) {
  const size_t in_stride = static_cast<size_t>(in_w) * 3;
  const size_t out_stride = static_cast<size_t>(out_w) * 3;
  uint8_t* out_rows[kGroup];
  for (int r0 = 0; r0 < in_h; r0 += kGroup) {
    const int g = std::min(kGroup, in_h - r0);
    for (int r = 0; r < g; ++r) out_rows[r] = dst + (r0 + r) * out_stride;
    HorizontalGroup(src + r0 * in_stride, in_stride, g, in_w, out_w, h.ksize,
                    h.k, h.bounds, group, out_rows);
  }
}

// Both passes: the horizontal rows the vertical pass reads, [first, last) of
// the source, stream through a ring of `ring_rows` rows.
void BothPasses(const uint8_t* src, int in_w, const AxisCoeffs& h,
                const AxisCoeffs& v, int out_h, int out_w, uint8_t* group,
                uint8_t* ring, int ring_rows, uint8_t* dst) {
  const size_t in_stride = static_cast<size_t>(in_w) * 3;
  const size_t out_stride = static_cast<size_t>(out_w) * 3;
  const int first = v.bounds[0];
  const int last = v.bounds[2 * (out_h - 1)] + v.bounds[2 * (out_h - 1) + 1];
  auto ring_row = [&](int rel) {
    return ring + static_cast<size_t>(rel % ring_rows) * out_stride;
  };
  uint8_t* out_rows[kGroup];
  int done = 0;  // horizontal rows computed so far, relative to `first`
  for (int yy = 0; yy < out_h; ++yy) {
    const int ymin = v.bounds[2 * yy] - first, n = v.bounds[2 * yy + 1];
    while (done < ymin + n) {
      const int g = std::min(kGroup, last - first - done);
      for (int r = 0; r < g; ++r) out_rows[r] = ring_row(done + r);
      HorizontalGroup(src + (first + done) * in_stride, in_stride, g, in_w,
                      out_w, h.ksize, h.k, h.bounds, group, out_rows);
      done += g;
    }
    auto rows = [&](int t) { return ring_row(ymin + t); };
    VerticalRow(rows, v.k + static_cast<size_t>(yy) * v.ksize, n, out_w * 3,
                dst + yy * out_stride);
  }
}

}  // namespace

size_t PilBicubicScratchBytes(int in_h, int in_w, int out_h, int out_w) {
  if (in_h <= 0 || in_w <= 0 || out_h <= 0 || out_w <= 0) return 0;
  return MakeLayout(in_h, in_w, out_h, out_w).total;
}

Status PilBicubicResize(const uint8_t* src, int in_h, int in_w, uint8_t* dst,
                        int out_h, int out_w, void* scratch,
                        size_t scratch_bytes) {
  if (in_h <= 0 || in_w <= 0 || out_h <= 0 || out_w <= 0) {
    return InvalidArgument("bicubic resize: bad size " + std::to_string(in_h) +
                           "x" + std::to_string(in_w) + " -> " +
                           std::to_string(out_h) + "x" + std::to_string(out_w));
  }
  const Layout L = MakeLayout(in_h, in_w, out_h, out_w);
  if (scratch_bytes < L.total || (L.total > 0 && scratch == nullptr)) {
    return ArenaFull("bicubic resize: scratch of " +
                     std::to_string(scratch_bytes) + " bytes, needs " +
                     std::to_string(L.total));
  }
  if (!L.need_h && !L.need_v) {
    std::memcpy(dst, src, static_cast<size_t>(in_w) * 3 * in_h);
    return Status::Ok();
  }
  uint8_t* base = static_cast<uint8_t*>(scratch);
  double* tmp = reinterpret_cast<double*>(base + L.tmp);
  int32_t* kv = reinterpret_cast<int32_t*>(base + L.kv);
  int32_t* bv = reinterpret_cast<int32_t*>(base + L.bv);
  ComputeCoefficients(L.v, tmp, kv, bv);
  const AxisCoeffs v{kv, bv, L.v.ksize};
  if (!L.need_h) {
    VerticalOnly(src, static_cast<size_t>(in_w) * 3, v, out_h, dst);
    return Status::Ok();
  }
  int32_t* kh = reinterpret_cast<int32_t*>(base + L.kh);
  int32_t* bh = reinterpret_cast<int32_t*>(base + L.bh);
  ComputeCoefficients(L.h, tmp, kh, bh);
  const AxisCoeffs h{kh, bh, L.h.ksize};
  if (!L.need_v) {
    HorizontalOnly(src, in_h, in_w, h, out_w, base + L.group, dst);
  } else {
    BothPasses(src, in_w, h, v, out_h, out_w, base + L.group, base + L.ring,
               L.ring_rows, dst);
  }
  return Status::Ok();
}

}  // namespace edgemma
