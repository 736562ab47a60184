// Dispatch of the ops in ops.h to a Kernels table; MatMul threading and
// activation quantization.
#include "quant/ops.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quantize.h"

namespace edgemma {
namespace {

bool IsQ8Weights(DType t) { return t == DType::kQ4_0 || t == DType::kQ8_0; }
bool IsKWeights(DType t) {
  return t == DType::kQ4_K || t == DType::kQ5_K || t == DType::kQ6_K;
}

size_t Q8RowBytes(int64_t cols) {
  return static_cast<size_t>(cols / kQK) * sizeof(BlockQ8_0);
}
size_t Q8KRowBytes(int64_t cols) {
  return static_cast<size_t>(cols / kQKK) * sizeof(BlockQ8_K);
}
// Bytes of one quantized activation row for weights of type t (0: the
// weights take f32 activations).
size_t ActRowBytes(DType t, int64_t cols) {
  return IsQ8Weights(t)  ? Q8RowBytes(cols)
         : IsKWeights(t) ? Q8KRowBytes(cols)
                         : 0;
}

// Rows per ParallelFor grain: a multiple of the 4-row micro-kernels, big enough
// that each task streams a useful amount of weights.
constexpr int64_t kRowGrain = 16;

// Tokens whose Q8 activations are quantized per parallel task.
constexpr int64_t kQuantGrain = 4;

struct QuantTask {
  void (*quantize)(const float* x, void* y, int64_t n);
  const float* x;
  int64_t cols;
  size_t row_bytes;  // of one quantized row
  uint8_t* xq;
};

struct GemmTask {
  const Kernels* k;
  const WeightMatrix* w;
  const float* x;
  const uint8_t* xq;
  int64_t n;
  float* y;
};

// K-quant weights with f32 activations (ActType::kF32, the exact path): each
// weight row is dequantized one 256-column chunk at a time onto the stack and
// dotted with the n activation rows. f32 precision, no scratch, several times
// slower than the Q8_K kernels.
void GemmDequantized(const GemmTask& g, int64_t r0, int64_t r1) {
  constexpr int64_t kChunk = 256;  // a multiple of every block size
  const WeightMatrix& w = *g.w;
  float chunk[kChunk];  // [kChunk] one piece of a weight row
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t t = 0; t < g.n; ++t) g.y[t * w.rows + r] = 0.0f;
    for (int64_t c0 = 0; c0 < w.cols; c0 += kChunk) {
      const int64_t len = std::min(kChunk, w.cols - c0);
      DequantizeRowRange(w, r, c0, len, chunk);
      for (int64_t t = 0; t < g.n; ++t) {
        g.y[t * w.rows + r] += g.k->dot_f32(chunk, g.x + t * w.cols + c0, len);
      }
    }
  }
}

// The K-quant x Q8_K kernel for weight type t and n tokens.
GemmQFn KGemm(const Kernels& k, DType t, int64_t n) {
  switch (t) {
    case DType::kQ4_K:
      return n == 1 ? k.gemv_q4_K_q8_K : k.gemm_q4_K_q8_K;
    case DType::kQ5_K:
      return n == 1 ? k.gemv_q5_K_q8_K : k.gemm_q5_K_q8_K;
    default:
      return n == 1 ? k.gemv_q6_K_q8_K : k.gemm_q6_K_q8_K;
  }
}

void RunGemm(const GemmTask& g, int64_t r0, int64_t r1) {
  const WeightMatrix& w = *g.w;
  const auto* wd = static_cast<const uint8_t*>(w.data);
  const Kernels& k = *g.k;
  switch (w.type) {
    case DType::kQ4_0:
      if (g.xq == nullptr) {  // f32 activations
        k.gemm_q4_0_f32(wd, w.row_bytes, r0, r1, w.cols, g.x, w.cols, g.n, g.y,
                        w.rows);
        break;
      }
      (g.n == 1 ? k.gemv_q4_0_q8_0 : k.gemm_q4_0_q8_0)(
          wd, w.row_bytes, r0, r1, w.cols / kQK, g.xq, Q8RowBytes(w.cols), g.n,
          g.y, w.rows);
      break;
    case DType::kQ8_0:
      if (g.xq == nullptr) {  // f32 activations
        k.gemm_q8_0_f32(wd, w.row_bytes, r0, r1, w.cols, g.x, w.cols, g.n, g.y,
                        w.rows);
        break;
      }
      (g.n == 1 ? k.gemv_q8_0_q8_0 : k.gemm_q8_0_q8_0)(
          wd, w.row_bytes, r0, r1, w.cols / kQK, g.xq, Q8RowBytes(w.cols), g.n,
          g.y, w.rows);
      break;
    case DType::kF32:
      k.gemm_f32_f32(wd, w.row_bytes, r0, r1, w.cols, g.x, w.cols, g.n, g.y,
                     w.rows);
      break;
    case DType::kF16:
      k.gemm_f16_f32(wd, w.row_bytes, r0, r1, w.cols, g.x, w.cols, g.n, g.y,
                     w.rows);
      break;
    case DType::kBF16:
      k.gemm_bf16_f32(wd, w.row_bytes, r0, r1, w.cols, g.x, w.cols, g.n, g.y,
                      w.rows);
      break;
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
      if (g.xq == nullptr) {  // f32 activations
        GemmDequantized(g, r0, r1);
        break;
      }
      KGemm(k, w.type, g.n)(wd, w.row_bytes, r0, r1, w.cols / kQKK, g.xq,
                            Q8KRowBytes(w.cols), g.n, g.y, w.rows);
      break;
    default:
      assert(false && "MatMul: unsupported weight type");
      break;
  }
}

// The activation blocks weights of type t take: 0 none (f32), 1 Q8_0, 2 Q8_K.
int ActKind(DType t) { return IsQ8Weights(t) ? 1 : IsKWeights(t) ? 2 : 0; }

// Quantizes x[n, cols] into scratch for weights of type t (Q8_0 or Q8_K
// blocks, split over the pool by tokens) and returns it; null when t takes
// f32 activations or act is kF32 (RunGemm then takes the *_f32 kernels or
// dequantizes rows).
const uint8_t* QuantizeActs(const Kernels& k, DType t, const float* x,
                            int64_t cols, int64_t n, void* scratch,
                            ThreadPool* pool, ActType act) {
  const size_t act_row = ActRowBytes(t, cols);
  if (act_row == 0 || act != ActType::kQ8_0) return nullptr;
  assert(scratch != nullptr);
  QuantTask q{IsKWeights(t) ? k.quantize_q8_K : k.quantize_q8_0, x, cols,
              act_row, static_cast<uint8_t*>(scratch)};
  auto quantize = [&q](int64_t t0, int64_t t1, int) {
    for (int64_t i = t0; i < t1; ++i) {
      q.quantize(q.x + i * q.cols, q.xq + i * q.row_bytes, q.cols);
    }
  };
  if (pool != nullptr && n > kQuantGrain) {
    pool->ParallelFor(n, kQuantGrain, quantize);
  } else {
    quantize(0, n, 0);
  }
  return q.xq;
}

bool Threaded(const ThreadPool* pool, int64_t rows) {
  return pool != nullptr && pool->size() > 1 && rows > kRowGrain;
}

// Most matrices MatMulShared takes in one dispatch (q/k/v is the largest
// group); larger groups fall back to one MatMul each.
constexpr int kMaxShared = 4;

// The rows of several matrices as one range of units for ParallelFor: matrix i
// is units [first[i], first[i + 1]), unit u of it rows [u * unit_rows[i], ..)
// clipped to its rows. unit_rows is a multiple of kRowGrain (so row splits
// fall on the boundaries MatMul uses) scaled so that every unit reads about
// the same weight bytes.
struct SharedRows {
  GemmTask g[kMaxShared];
  int64_t unit_rows[kMaxShared];
  int64_t first[kMaxShared + 1];
  int count;

  // Units for outs[0, count) (all with the same activation blocks xq) and
  // the total rows.
  int64_t Init(const Kernels& k, const MatMulOut* outs, int n_outs,
               const float* x, const uint8_t* xq, int64_t n) {
    size_t max_row_bytes = 0;
    for (int i = 0; i < n_outs; ++i)
      max_row_bytes = std::max(max_row_bytes, outs[i].w->row_bytes);
    count = n_outs;
    first[0] = 0;
    int64_t rows = 0;
    for (int i = 0; i < count; ++i) {
      const WeightMatrix& w = *outs[i].w;
      g[i] = GemmTask{&k, &w, x, xq, n, outs[i].y};
      const size_t scale =
          std::max<size_t>(1, (max_row_bytes + w.row_bytes / 2) /
                                  std::max<size_t>(w.row_bytes, 1));
      unit_rows[i] = kRowGrain * static_cast<int64_t>(scale);
      first[i + 1] = first[i] + (w.rows + unit_rows[i] - 1) / unit_rows[i];
      rows += w.rows;
    }
    return rows;
  }

  void Run(int64_t u0, int64_t u1) const {
    for (int i = 0; i < count; ++i) {
      const int64_t b = std::max(u0, first[i]), e = std::min(u1, first[i + 1]);
      if (b >= e) continue;
      const int64_t rows = g[i].w->rows;
      RunGemm(g[i], (b - first[i]) * unit_rows[i],
              std::min(rows, (e - first[i]) * unit_rows[i]));
    }
  }
};

}  // namespace

const char* ActTypeName(ActType t) { return t == ActType::kF32 ? "f32" : "q8"; }

bool ParseActType(const char* name, ActType* out) {
  if (std::strcmp(name, "q8") == 0) {
    *out = ActType::kQ8_0;
  } else if (std::strcmp(name, "f32") == 0) {
    *out = ActType::kF32;
  } else {
    return false;
  }
  return true;
}

size_t MatMulScratchBytes(DType weight_type, int64_t cols, int64_t n,
                          ActType act) {
  if (act == ActType::kF32) return 0;
  return ActRowBytes(weight_type, cols) * static_cast<size_t>(n);
}

bool MatMulSupports(DType weight_type) {
  return weight_type == DType::kF32 || weight_type == DType::kF16 ||
         weight_type == DType::kBF16 || IsQ8Weights(weight_type) ||
         IsKWeights(weight_type);
}

void MatMul(const Kernels& k, const WeightMatrix& w, const float* x, int64_t n,
            float* y, void* scratch, ThreadPool* pool, ActType act) {
  assert(n >= 0);
  if (n == 0 || w.rows == 0) return;
  // One matrix is the one-product case of MatMulShared: its units are
  // kRowGrain rows, so the row splits are those of ParallelFor(rows,
  // kRowGrain).
  const MatMulOut out{&w, y};
  MatMulShared(k, &out, 1, x, n, scratch, pool, act);
}

void MatMulShared(const Kernels& k, const MatMulOut* outs, int count,
                  const float* x, int64_t n, void* scratch, ThreadPool* pool,
                  ActType act) {
  if (count <= 0 || n == 0) return;
  const DType t0 = outs[0].w->type;
  bool shared = count <= kMaxShared;
  for (int i = 0; i < count; ++i) {
    assert(MatMulSupports(outs[i].w->type) &&
           outs[i].w->cols == outs[0].w->cols);
    shared = shared && ActKind(outs[i].w->type) == ActKind(t0);
  }
  if (!shared) {
    for (int i = 0; i < count; ++i) {
      MatMul(k, *outs[i].w, x, n, outs[i].y, scratch, pool, act);
    }
    return;
  }
  const int64_t cols = outs[0].w->cols;
  assert(cols % BlockElems(t0) == 0);
  SharedRows s;
  const int64_t rows =
      s.Init(k, outs, count, x,
             QuantizeActs(k, t0, x, cols, n, scratch, pool, act), n);
  auto body = [&s](int64_t u0, int64_t u1, int) { s.Run(u0, u1); };
  if (Threaded(pool, rows)) {
    pool->ParallelFor(s.first[count], 1, body);
  } else {
    body(0, s.first[count], 0);
  }
}

void DequantizeRow(const WeightMatrix& w, int64_t row, float* out) {
  DequantizeRowRange(w, row, 0, w.cols, out);
}

void DequantizeRowRange(const WeightMatrix& w, int64_t row, int64_t col0,
                        int64_t n, float* out) {
  const int64_t be = BlockElems(w.type);
  assert(col0 % be == 0 && n % be == 0 && col0 + n <= w.cols);
  const auto* src = static_cast<const uint8_t*>(w.data) + row * w.row_bytes +
                    static_cast<size_t>(col0 / be) * BlockBytes(w.type);
  const Status s = DequantizeRow(w.type, src, n, out);
  assert(s.ok());
  (void)s;
}

void RmsNorm(const Kernels& k, const float* x, const float* w, int64_t n,
             float eps, float* y) {
  k.rmsnorm(x, w, n, eps, y);
}

void RopeNeoxCosSin(const Kernels& k, float* x, int64_t head_dim,
                    const float* cos_v, const float* sin_v) {
  k.rope_neox_cossin(x, head_dim, cos_v, sin_v);
}

void Softmax(const Kernels& k, float* x, int64_t n) { k.softmax(x, n); }
void GeluTanh(const Kernels& k, const float* x, int64_t n, float* y) {
  k.gelu_tanh(x, n, y);
}
void GeluTanhMul(const Kernels& k, float* a, const float* b, int64_t n) {
  k.gelu_tanh_mul(a, b, n);
}
void Softcap(const Kernels& k, float* x, int64_t n, float cap) {
  k.softcap(x, n, cap);
}
float Dot(const Kernels& k, const float* a, const float* b, int64_t n) {
  return k.dot_f32(a, b, n);
}
void Axpy(const Kernels& k, float a, const float* x, float* y, int64_t n) {
  k.axpy_f32(a, x, y, n);
}
void Scale(const Kernels& k, float* y, int64_t n, float s) { k.scale(y, n, s); }
void Add(const Kernels& k, const float* x, float* y, int64_t n) {
  k.add(x, y, n);
}
void Clamp(const Kernels& k, const float* x, int64_t n, float lo, float hi,
           float* y) {
  k.clamp(x, n, lo, hi, y);
}
float DotF16(const Kernels& k, const float* a, const uint16_t* b, int64_t n) {
  return k.dot_f16(a, b, n);
}
void AxpyF16(const Kernels& k, float a, const uint16_t* x, float* y,
             int64_t n) {
  k.axpy_f16(a, x, y, n);
}

void AccumRows(const Kernels& k, const float* w, int64_t ws, int64_t nk,
               int64_t cols, const float* x, int64_t ldx, int64_t n, float* y,
               int64_t ldy) {
  k.accum_rows_f32(w, ws, nk, cols, x, ldx, n, y, ldy);
}
void ConvertF32ToF16(const Kernels& k, const float* x, uint16_t* y, int64_t n) {
  k.f32_to_f16(x, y, n);
}
void ConvertF16ToF32(const Kernels& k, const uint16_t* x, float* y, int64_t n) {
  k.f16_to_f32(x, y, n);
}

// Without a table: the scalar conversions (exact, so every variant gives the
// same bits; no hidden choice of variant).
void ConvertF32ToF16(const float* x, uint16_t* y, int64_t n) {
  ConvertF32ToF16(kScalarKernels, x, y, n);
}
void ConvertF16ToF32(const uint16_t* x, float* y, int64_t n) {
  ConvertF16ToF32(kScalarKernels, x, y, n);
}

}  // namespace edgemma
