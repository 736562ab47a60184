// The f32 vector ops of every SIMD variant, written once against a vector
// policy `V` (quant/x86/ymm.h, quant/x86/avx512/zmm.h, quant/arm/f32x4.h).
// Include ONLY from a kernel translation unit compiled with its ISA's flags;
// everything is in an anonymous namespace so each ISA's TU compiles its own
// copy (no ODR sharing between ISAs). The policies are thin inline wrappers
// over intrinsics, so the instantiations compile to the hand-written loops.
//
// Policy V (static members; F an f32 vector of kLanes, D a f64 accumulator):
//   Zero(), Set1(float), Load(const float*), Store(float*, F)    (unaligned)
//   LoadPart(p, left, fill) / StorePart(p, left, F): the first `left`
//     (0 < left < kLanes) elements, other lanes `fill` / untouched
//   Add, Sub, Mul, Div, Min, Max (IEEE, per lane)
//   MulAdd(a, b, c) = a * b + c, MulSub(a, b, c) = a * b - c,
//   NegMulAdd(a, b, c) = c - a * b   (each fused, one rounding)
//   Round(F) (nearest, ties to even), Pow2(F n) (2^n for integral n of a
//   normal float), KeepGe(y, x, lo) (y where x >= lo, else 0; NaN x gives 0)
//   ReduceMax(F), ReduceAdd(F) -> float
//   DZero(), AddWidened(D acc, F v) (acc + v as doubles), ReduceD(D) -> double
//   LoadF16(const uint16_t*), StoreF16(uint16_t*, F), LoadBF16(const
//   uint16_t*), Half(uint16_t) -> float
//
// Accuracy (the bounds tests/quant checks): exp-based ops a few ulp relative
// (quant/simd/exp_poly.h), softcap a few 1e-7 * cap absolute; rmsnorm and
// softmax sum in double; scale, add and the f16 conversions are exact
// (bit-identical to the scalar oracle). Every element of a tail goes through
// the same vector arithmetic as the body (LoadPart/StorePart), so results do
// not depend on an element's position.
#ifndef EDGEMMA_QUANT_SIMD_VEC_OPS_H_
#define EDGEMMA_QUANT_SIMD_VEC_OPS_H_

#include <cmath>
#include <cstdint>
#include <cstring>

#include "quant/kernels.h"
#include "quant/simd/exp_poly.h"
#include "quant/types.h"

namespace edgemma {
namespace {
namespace vec {

// exp(x) per lane; see quant/simd/exp_poly.h. Lanes below kExpLo give 0.
template <class V>
inline typename V::F Exp(typename V::F x) {
  using exp_poly::kExpLo;
  const typename V::F xc =
      V::Min(V::Max(x, V::Set1(kExpLo)), V::Set1(exp_poly::kExpHi));
  const typename V::F n = V::Round(V::Mul(xc, V::Set1(exp_poly::kLog2e)));
  typename V::F r = V::NegMulAdd(n, V::Set1(exp_poly::kLn2Hi), xc);
  r = V::NegMulAdd(n, V::Set1(exp_poly::kLn2Lo), r);
  typename V::F p = V::Set1(exp_poly::kP0);
  p = V::MulAdd(p, r, V::Set1(exp_poly::kP1));
  p = V::MulAdd(p, r, V::Set1(exp_poly::kP2));
  p = V::MulAdd(p, r, V::Set1(exp_poly::kP3));
  p = V::MulAdd(p, r, V::Set1(exp_poly::kP4));
  p = V::MulAdd(p, r, V::Set1(exp_poly::kP5));
  const typename V::F e = V::Add(V::MulAdd(p, V::Mul(r, r), r), V::Set1(1.0f));
  return V::KeepGe(V::Mul(e, V::Pow2(n)), x, kExpLo);
}

// gelu_tanh(x) = x / (1 + exp(-2u)); see quant/simd/exp_poly.h.
template <class V>
inline typename V::F Gelu(typename V::F x) {
  const typename V::F x2 = V::Mul(x, x);
  const typename V::F t =
      V::Mul(x, V::MulAdd(x2, V::Set1(exp_poly::kG2), V::Set1(exp_poly::kG1)));
  return V::Div(x, V::Add(V::Set1(1.0f), Exp<V>(t)));
}

// tanh(u) = 1 - 2 / (1 + exp(2u)): absolute error a few 1e-7 (the GELU
// budget), exactly +-1 once exp saturates, no inf/NaN for finite or infinite u.
template <class V>
inline typename V::F Tanh(typename V::F u) {
  const typename V::F one = V::Set1(1.0f);
  const typename V::F e = Exp<V>(V::Add(u, u));
  return V::Sub(one, V::Div(V::Set1(2.0f), V::Add(one, e)));
}

// y[i] = op(x[i]) for i < n (y == x allowed); tail lanes read as `fill`.
template <class V, class Op>
inline void Map(const float* x, int64_t n, float* y, float fill, Op op) {
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes)
    V::Store(y + i, op(V::Load(x + i)));
  if (i < n) V::StorePart(y + i, n - i, op(V::LoadPart(x + i, n - i, fill)));
}

// a[i] = op(a[i], b[i]) for i < n; tail lanes read as 0.
template <class V, class Op>
inline void Map2(float* a, const float* b, int64_t n, Op op) {
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes)
    V::Store(a + i, op(V::Load(a + i), V::Load(b + i)));
  if (i < n) {
    const int64_t left = n - i;
    V::StorePart(
        a + i, left,
        op(V::LoadPart(a + i, left, 0.0f), V::LoadPart(b + i, left, 0.0f)));
  }
}

template <class V>
void GeluTanh(const float* x, int64_t n, float* y) {
  Map<V>(x, n, y, 0.0f, [](typename V::F v) { return Gelu<V>(v); });
}

template <class V>
void GeluTanhMul(float* a, const float* b, int64_t n) {
  Map2<V>(a, b, n, [](typename V::F u, typename V::F v) {
    return V::Mul(Gelu<V>(u), v);
  });
}

// Max pass, exp + sum pass (sum in double, like the scalar oracle, so long
// attention rows keep full precision), scale pass. Tail lanes read as -inf,
// whose exp is 0.
template <class V>
void Softmax(float* x, int64_t n) {
  using F = typename V::F;
  if (n <= 0) return;
  F mx = V::Set1(-INFINITY);
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) mx = V::Max(mx, V::Load(x + i));
  if (i < n) mx = V::Max(mx, V::LoadPart(x + i, n - i, -INFINITY));
  const F max = V::Set1(V::ReduceMax(mx));
  typename V::D sum = V::DZero();
  Map<V>(x, n, x, -INFINITY, [&sum, max](F v) {
    const F e = Exp<V>(V::Sub(v, max));
    sum = V::AddWidened(sum, e);
    return e;
  });
  const F inv = V::Set1(static_cast<float>(1.0 / V::ReduceD(sum)));
  Map<V>(x, n, x, 0.0f, [inv](F v) { return V::Mul(v, inv); });
}

// Squares are summed in f32 over groups of 16 vectors (two accumulators, 8
// terms per lane each), the groups in double, the last n % kLanes elements in
// double: d_model 2560 keeps the scalar oracle's precision at f32 speed.
template <class V>
void RmsNorm(const float* x, const float* w, int64_t n, float eps, float* y) {
  using F = typename V::F;
  constexpr int64_t kL = V::kLanes;
  typename V::D ss = V::DZero();
  int64_t i = 0;
  while (i + 2 * kL <= n) {
    F p0 = V::Zero(), p1 = V::Zero();
    for (int k = 0; k < 8 && i + 2 * kL <= n; ++k, i += 2 * kL) {
      const F v0 = V::Load(x + i), v1 = V::Load(x + i + kL);
      p0 = V::MulAdd(v0, v0, p0);
      p1 = V::MulAdd(v1, v1, p1);
    }
    ss = V::AddWidened(V::AddWidened(ss, p0), p1);
  }
  if (i + kL <= n) {
    const F v = V::Load(x + i);
    ss = V::AddWidened(ss, V::Mul(v, v));
    i += kL;
  }
  double sum = V::ReduceD(ss);
  for (; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const F inv = V::Set1(
      static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps)));
  if (w == nullptr) {
    Map<V>(x, n, y, 0.0f, [inv](F v) { return V::Mul(v, inv); });
    return;
  }
  for (i = 0; i + kL <= n; i += kL)
    V::Store(y + i, V::Mul(V::Mul(V::Load(x + i), inv), V::Load(w + i)));
  if (i < n) {
    const int64_t left = n - i;
    V::StorePart(y + i, left,
                 V::Mul(V::Mul(V::LoadPart(x + i, left, 0.0f), inv),
                        V::LoadPart(w + i, left, 0.0f)));
  }
}

// One rotate-half step on lanes [j, j + left) of each half (left == kLanes:
// whole vectors).
template <class V, bool kFull>
inline void RopeStep(float* x, int64_t half, int64_t j, int64_t left,
                     const float* cos_v, const float* sin_v) {
  using F = typename V::F;
  auto load = [left](const float* p) {
    return kFull ? V::Load(p) : V::LoadPart(p, left, 0.0f);
  };
  auto store = [left](float* p, F v) {
    if (kFull) {
      V::Store(p, v);
    } else {
      V::StorePart(p, left, v);
    }
  };
  const F a = load(x + j), b = load(x + half + j);
  const F c = load(cos_v + j), s = load(sin_v + j);
  store(x + j, V::MulSub(a, c, V::Mul(b, s)));
  store(x + half + j, V::MulAdd(b, c, V::Mul(a, s)));
}

// The last half % kLanes lanes, out of line: the stack buffers of a partial
// step would otherwise give every call a frame (a head is only 8-16 vectors).
template <class V>
[[gnu::noinline]] void RopeTail(float* x, int64_t half, int64_t j,
                                const float* cos_v, const float* sin_v) {
  RopeStep<V, false>(x, half, j, half - j, cos_v, sin_v);
}

template <class V>
void RopeNeoxCosSin(float* x, int64_t head_dim, const float* cos_v,
                    const float* sin_v) {
  const int64_t half = head_dim / 2;
  int64_t j = 0;
  for (; j + V::kLanes <= half; j += V::kLanes)
    RopeStep<V, true>(x, half, j, V::kLanes, cos_v, sin_v);
  if (j < half) RopeTail<V>(x, half, j, cos_v, sin_v);
}

template <class V>
void Softcap(float* x, int64_t n, float cap) {
  const typename V::F c = V::Set1(cap), inv = V::Set1(1.0f / cap);
  Map<V>(x, n, x, 0.0f, [c, inv](typename V::F v) {
    return V::Mul(c, Tanh<V>(V::Mul(v, inv)));
  });
}

template <class V>
void Scale(float* y, int64_t n, float s) {
  const typename V::F sv = V::Set1(s);
  Map<V>(y, n, y, 0.0f, [sv](typename V::F v) { return V::Mul(v, sv); });
}

template <class V>
void Add(const float* x, float* y, int64_t n) {
  Map2<V>(y, x, n,
          [](typename V::F u, typename V::F v) { return V::Add(u, v); });
}

template <class V>
void Clamp(const float* x, int64_t n, float lo, float hi, float* y) {
  const typename V::F l = V::Set1(lo), h = V::Set1(hi);
  Map<V>(x, n, y, 0.0f,
         [l, h](typename V::F v) { return V::Min(V::Max(v, l), h); });
}

// ---- dot / axpy and f16 conversion (attention over the KV cache)
template <class V>
float DotF32(const float* a, const float* b, int64_t n) {
  constexpr int64_t kL = V::kLanes;
  typename V::F acc0 = V::Zero(), acc1 = V::Zero();
  int64_t i = 0;
  for (; i + 2 * kL <= n; i += 2 * kL) {
    acc0 = V::MulAdd(V::Load(a + i), V::Load(b + i), acc0);
    acc1 = V::MulAdd(V::Load(a + i + kL), V::Load(b + i + kL), acc1);
  }
  float s = V::ReduceAdd(V::Add(acc0, acc1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

template <class V>
float DotF16(const float* a, const uint16_t* b, int64_t n) {
  typename V::F acc = V::Zero();
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes)
    acc = V::MulAdd(V::Load(a + i), V::LoadF16(b + i), acc);
  float s = V::ReduceAdd(acc);
  for (; i < n; ++i) s += a[i] * V::Half(b[i]);
  return s;
}

template <class V>
void AxpyF32(float a, const float* x, float* y, int64_t n) {
  const typename V::F av = V::Set1(a);
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes)
    V::Store(y + i, V::MulAdd(av, V::Load(x + i), V::Load(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

template <class V>
void AxpyF16(float a, const uint16_t* x, float* y, int64_t n) {
  const typename V::F av = V::Set1(a);
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes)
    V::Store(y + i, V::MulAdd(av, V::LoadF16(x + i), V::Load(y + i)));
  for (; i < n; ++i) y[i] += a * V::Half(x[i]);
}

// Columns in blocks of 4 vectors, 2 tokens at a time (8 accumulators: per key
// 2 broadcasts and 4 weight loads feed 8 FMAs, where axpy loads and stores y
// for every FMA); y is loaded and stored once per block.
template <class V, int T, int B>
void AccumBlock(const float* w, int64_t ws, int64_t nk, const float* x,
                int64_t ldx, float* y, int64_t ldy) {
  typename V::F acc[T][B];
  for (int t = 0; t < T; ++t) {
    for (int b = 0; b < B; ++b)
      acc[t][b] = V::Load(y + t * ldy + b * V::kLanes);
  }
  for (int64_t k = 0; k < nk; ++k) {
    typename V::F wv[B];
    for (int b = 0; b < B; ++b) wv[b] = V::Load(w + k * ws + b * V::kLanes);
    for (int t = 0; t < T; ++t) {
      const typename V::F xv = V::Set1(x[t * ldx + k]);
      for (int b = 0; b < B; ++b) acc[t][b] = V::MulAdd(xv, wv[b], acc[t][b]);
    }
  }
  for (int t = 0; t < T; ++t) {
    for (int b = 0; b < B; ++b)
      V::Store(y + t * ldy + b * V::kLanes, acc[t][b]);
  }
}

// Tokens [0, n) over columns [c, c + B * kLanes).
template <class V, int B>
void AccumTokens(const float* w, int64_t ws, int64_t nk, const float* x,
                 int64_t ldx, int64_t n, float* y, int64_t ldy) {
  int64_t t = 0;
  for (; t + 2 <= n; t += 2) {
    AccumBlock<V, 2, B>(w, ws, nk, x + t * ldx, ldx, y + t * ldy, ldy);
  }
  if (t < n) AccumBlock<V, 1, B>(w, ws, nk, x + t * ldx, ldx, y + t * ldy, ldy);
}

template <class V>
void AccumRowsF32(const float* w, int64_t ws, int64_t nk, int64_t cols,
                  const float* x, int64_t ldx, int64_t n, float* y,
                  int64_t ldy) {
  constexpr int64_t L = V::kLanes;
  int64_t c = 0;
  for (; c + 4 * L <= cols; c += 4 * L) {
    AccumTokens<V, 4>(w + c, ws, nk, x, ldx, n, y + c, ldy);
  }
  for (; c + L <= cols; c += L) {
    AccumTokens<V, 1>(w + c, ws, nk, x, ldx, n, y + c, ldy);
  }
  for (; c < cols; ++c) {  // column tail: the same FMA order, one lane
    for (int64_t t = 0; t < n; ++t) {
      float s = y[t * ldy + c];
      for (int64_t k = 0; k < nk; ++k) {
        s = std::fma(x[t * ldx + k], w[k * ws + c], s);
      }
      y[t * ldy + c] = s;
    }
  }
}

template <class V>
void F32ToF16(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) V::StoreF16(y + i, V::Load(x + i));
  for (; i < n; ++i) y[i] = edgemma::F32ToF16(x[i]);
}

template <class V>
void F16ToF32(const uint16_t* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) V::Store(y + i, V::LoadF16(x + i));
  for (; i < n; ++i) y[i] = V::Half(x[i]);
}

}  // namespace vec

// Sets the elementwise and row ops of *k (rmsnorm, rope, softmax, gelu,
// softcap, scale, add, clamp) to the instantiations for V.
template <class V>
constexpr void UseVectorOps(Kernels* k) {
  k->rmsnorm = vec::RmsNorm<V>;
  k->rope_neox_cossin = vec::RopeNeoxCosSin<V>;
  k->softmax = vec::Softmax<V>;
  k->gelu_tanh = vec::GeluTanh<V>;
  k->gelu_tanh_mul = vec::GeluTanhMul<V>;
  k->softcap = vec::Softcap<V>;
  k->scale = vec::Scale<V>;
  k->add = vec::Add<V>;
  k->clamp = vec::Clamp<V>;
}

// Sets dot/axpy (f32 and f16 rows), accum_rows_f32 and the f16 conversions of
// *k for V.
template <class V>
constexpr void UseStreamOps(Kernels* k) {
  k->dot_f32 = vec::DotF32<V>;
  k->axpy_f32 = vec::AxpyF32<V>;
  k->dot_f16 = vec::DotF16<V>;
  k->axpy_f16 = vec::AxpyF16<V>;
  k->accum_rows_f32 = vec::AccumRowsF32<V>;
  k->f32_to_f16 = vec::F32ToF16<V>;
  k->f16_to_f32 = vec::F16ToF32<V>;
}

}  // namespace
}  // namespace edgemma

#endif  // EDGEMMA_QUANT_SIMD_VEC_OPS_H_
