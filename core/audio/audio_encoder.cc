// AudioEncoder: binds the audio tower of a TowerWeights and derives the
// load-time constants (contracts in audio_encoder.h).
#include "core/audio/audio_encoder.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/audio/conformer.h"
#include "core/base/tensor.h"

namespace edgemma {
namespace {

class Binder {
 public:
  Binder(const TowerWeights& w, AudioEncoder::Consts& c) : w_(w), c_(c) {}

  // The values of a tensor of `n` elements as f32.
  Result<std::vector<float>> Values(const BoundTensor& b, int64_t n,
                                    const char* what) {
    if (!b.present())
      return NotFound(std::string("audio tower: ") + what + " is missing");
    EM_ASSIGN_OR_RETURN(std::vector<float> v, w_.ToF32(b));
    if (static_cast<int64_t>(v.size()) != n) {
      return InvalidArgument(std::string("audio tower: ") + what + " has " +
                             std::to_string(v.size()) + " values, expected " +
                             std::to_string(n));
    }
    return v;
  }

  // Kept f32 copy of a small tensor (norms, scales, convs, biases).
  Result<const float*> F32(const BoundTensor& b, int64_t n, const char* what) {
    EM_ASSIGN_OR_RETURN(std::vector<float> v, Values(b, n, what));
    return Keep(std::move(v));
  }

  const float* Keep(std::vector<float> v) {
    c_.storage.push_back(std::move(v));
    return c_.storage.back().data();
  }

  Result<WeightMatrix> Matrix(const BoundTensor& b, int64_t rows, int64_t cols,
                              const std::string& what) {
    if (!b.present() || b.t.shape.size() != 2 || b.t.shape[0] != rows ||
        b.t.shape[1] != cols) {
      return InvalidArgument("audio tower: " + what + " must be [" +
                             std::to_string(rows) + ", " +
                             std::to_string(cols) + "]");
    }
    if (!MatMulSupports(b.t.dtype)) {
      return Unsupported("audio tower: " + what + " has weight type " +
                         DTypeName(b.t.dtype) +
                         ", which MatMul does not support");
    }
    return AsMatrix(b.t);
  }

  Result<AudioLinear> Linear(const ClippedLinear& l, int64_t rows, int64_t cols,
                             bool clipped, const std::string& what) {
    AudioLinear L;
    EM_ASSIGN_OR_RETURN(L.w, Matrix(l.w, rows, cols, what));
    L.clipped = clipped;
    L.in_min = l.in_min;
    L.in_max = l.in_max;
    L.out_min = l.out_min;
    L.out_max = l.out_max;
    return L;
  }

 private:
  const TowerWeights& w_;
  AudioEncoder::Consts& c_;
};

// The sinusoid table of the relative positions (reference _rel_pos_table):
// row r <-> distance P-1-r, [sin(dist * inv) | cos(dist * inv)] over d.
std::vector<float> RelPosTable(int rows, int d) {
  const int half = d / 2;
  const double inc = std::log(10000.0) / std::max(half - 1, 1);
  std::vector<float> t(static_cast<size_t>(rows) * d, 0.f);  // [P, d]
  for (int r = 0; r < rows; ++r) {
    const double dist = rows - 1 - r;
    for (int i = 0; i < half; ++i) {
      const double ang = dist * std::exp(-inc * i);
      t[r * d + i] = static_cast<float>(std::sin(ang));
      t[r * d + half + i] = static_cast<float>(std::cos(ang));
    }
  }
  return t;
}

Result<AudioAct> ParseAct(const std::string& name) {
  if (name == "silu" || name == "swish") return AudioAct::kSilu;
  if (name == "gelu_pytorch_tanh" || name == "gelu_new")
    return AudioAct::kGeluTanh;
  if (name == "relu") return AudioAct::kRelu;
  return Unsupported("audio_config.hidden_act '" + name + "' is not supported");
}

}  // namespace

AudioEncoder::~AudioEncoder() = default;

int64_t AudioEncoder::TokensForFrames(int64_t n_valid_frames) {
  return n_valid_frames <= 0 ? 0 : (n_valid_frames + 3) / 4;
}

Result<std::unique_ptr<AudioEncoder>> AudioEncoder::Create(
    const TowerWeights& weights, const Kernels* kernels) {
  std::unique_ptr<AudioEncoder> e(new AudioEncoder());
  EM_RETURN_IF_ERROR(e->Init(weights, kernels));
  return e;
}

Status AudioEncoder::Init(const TowerWeights& weights, const Kernels* kernels) {
  dims_ = weights.dims().audio;
  text_d_ = weights.dims().text_d;
  if (!dims_.present)
    return NotFound("the model has no audio tower (audio_config is null)");
  if (kernels == nullptr) {
    EM_ASSIGN_OR_RETURN(kernels, SelectKernels());
  }
  kernels_ = kernels;
  const AudioDims& a = dims_;
  if (a.context_left < 2) {
    return Unsupported("audio_config.attention_context_left " +
                       std::to_string(a.context_left) +
                       " < 2 leaves a query without keys (not supported)");
  }
  if (a.d % 2 != 0) return Unsupported("audio_config.hidden_size must be even");
  consts_ = std::make_unique<Consts>();
  Consts& c = *consts_;
  EM_ASSIGN_OR_RETURN(c.act, ParseAct(a.act));
  c.head_dim = a.head_dim();
  c.max_past = a.context_left - 1;
  c.future = std::max(0, a.context_right - 1);
  c.rel_rows = (a.chunk + a.context_left - 1 + a.context_right) / 2 + 1;
  c.k_scale = static_cast<float>(std::log1p(std::exp(1.0)) / std::log(2.0));
  c.f0 = (a.n_mel + 1) / 2;
  c.f1 = (c.f0 + 1) / 2;
  Binder b(weights, c);
  const AudioWeights& w = weights.audio();
  const int64_t d = a.d, c0 = a.conv0, c1 = a.conv1;

  // Subsampling convs: HF [out, in, 3, 3] -> tap-major rows (see Consts).
  EM_ASSIGN_OR_RETURN(const float* k0, b.F32(w.conv[0], c0 * 9, "conv 0"));
  std::vector<float> t0(static_cast<size_t>(9 * c0));  // [9, C0]
  for (int64_t o = 0; o < c0; ++o)
    for (int tap = 0; tap < 9; ++tap) t0[tap * c0 + o] = k0[o * 9 + tap];
  c.conv0 = b.Keep(std::move(t0));
  EM_ASSIGN_OR_RETURN(const float* k1, b.F32(w.conv[1], c1 * c0 * 9, "conv 1"));
  std::vector<float> t1(static_cast<size_t>(c1 * 9 * c0));  // [C1, 9 * C0]
  for (int64_t o = 0; o < c1; ++o)
    for (int64_t i = 0; i < c0; ++i)
      for (int tap = 0; tap < 9; ++tap)
        t1[o * 9 * c0 + tap * c0 + i] = k1[(o * c0 + i) * 9 + tap];
  c.conv1.type = DType::kF32;
  c.conv1.rows = c1;
  c.conv1.cols = 9 * c0;
  c.conv1.row_bytes = 9 * c0 * sizeof(float);
  c.conv1.data = b.Keep(std::move(t1));
  EM_ASSIGN_OR_RETURN(c.norm0, b.F32(w.conv_norm[0], c0, "conv 0 norm"));
  EM_ASSIGN_OR_RETURN(c.norm1, b.F32(w.conv_norm[1], c1, "conv 1 norm"));
  if (w.input_proj.present() && w.input_proj.t.shape.size() == 2 &&
      w.input_proj.t.shape[1] != c.f1 * c1) {
    return Unsupported(
        "audio tower: input_proj_linear takes " +
        std::to_string(w.input_proj.t.shape[1]) +
        " features but the convs give " + std::to_string(c.f1) +
        " mel positions x " + std::to_string(c1) +
        " channels (HF sizes it as subsampling_conv_channels[0] / 4 x "
        "channels[1], which needs channels[0] == 4 * ceil(ceil(n_mel/2)/2))");
  }
  EM_ASSIGN_OR_RETURN(
      c.input_proj, b.Matrix(w.input_proj, d, c.f1 * c1, "input_proj_linear"));

  const std::vector<float> table = RelPosTable(c.rel_rows, a.d);  // [P, d]
  c.layers.resize(a.n_layers);
  for (int i = 0; i < a.n_layers; ++i) {
    const AudioLayerWeights& lw = w.layers[i];
    Layer& L = c.layers[i];
    const std::string n = "layer " + std::to_string(i) + " ";
    const bool cl = a.clipped;
    if (lw.per_dim_k_scale.present())
      return Unsupported("audio tower: " + n +
                         "per_dim_k_scale is not supported");
    EM_ASSIGN_OR_RETURN(
        L.ffn1_up, b.Linear(lw.ffn_up, a.d_ff(), d, cl, n + "ffw_layer_1"));
    EM_ASSIGN_OR_RETURN(
        L.ffn1_down, b.Linear(lw.ffn_down, d, a.d_ff(), cl, n + "ffw_layer_2"));
    EM_ASSIGN_OR_RETURN(
        L.ffn2_up, b.Linear(lw.ffn_up_1, a.d_ff(), d, cl, n + "ffw2 layer_1"));
    EM_ASSIGN_OR_RETURN(L.ffn2_down, b.Linear(lw.ffn_down_1, d, a.d_ff(), cl,
                                              n + "ffw2 layer_2"));
    EM_ASSIGN_OR_RETURN(L.q, b.Linear(lw.q, d, d, cl, n + "q_proj"));
    EM_ASSIGN_OR_RETURN(L.k, b.Linear(lw.k, d, d, cl, n + "k_proj"));
    EM_ASSIGN_OR_RETURN(L.v, b.Linear(lw.v, d, d, cl, n + "v_proj"));
    EM_ASSIGN_OR_RETURN(L.post, b.Linear(lw.o, d, d, cl, n + "post"));
    EM_ASSIGN_OR_RETURN(L.conv_start,
                        b.Linear(lw.pw1, 2 * d, d, cl, n + "linear_start"));
    EM_ASSIGN_OR_RETURN(L.conv_end,
                        b.Linear(lw.pw2, d, d, cl, n + "linear_end"));
    EM_ASSIGN_OR_RETURN(L.ffn1_pre, b.F32(lw.ffn_norm, d, "ffn norm"));
    EM_ASSIGN_OR_RETURN(L.ffn1_post,
                        b.F32(lw.ffn_post_norm, d, "ffn post norm"));
    EM_ASSIGN_OR_RETURN(L.ffn2_pre, b.F32(lw.ffn_norm_1, d, "ffn2 norm"));
    EM_ASSIGN_OR_RETURN(L.ffn2_post,
                        b.F32(lw.ffn_post_norm_1, d, "ffn2 post norm"));
    EM_ASSIGN_OR_RETURN(L.attn_pre,
                        b.F32(lw.attn_pre_norm, d, "attention pre norm"));
    EM_ASSIGN_OR_RETURN(L.attn_post,
                        b.F32(lw.attn_post_norm, d, "attention post norm"));
    EM_ASSIGN_OR_RETURN(L.conv_pre,
                        b.F32(lw.pre_conv_norm, d, "lconv1d pre norm"));
    EM_ASSIGN_OR_RETURN(L.conv_norm,
                        b.F32(lw.post_conv_norm, d, "lconv1d conv norm"));
    EM_ASSIGN_OR_RETURN(L.norm_out, b.F32(lw.ln2, d, "norm_out"));

    // Query scale softplus(per_dim_scale) / (sqrt(D) ln 2) (ToF32 applies
    // the softplus for HF sources; the mmproj stores it applied).
    EM_ASSIGN_OR_RETURN(const float* pds,
                        b.F32(lw.per_dim_scale, c.head_dim, "per_dim_scale"));
    std::vector<float> qs(c.head_dim);
    for (int j = 0; j < c.head_dim; ++j)
      qs[j] = static_cast<float>(
          pds[j] / (std::sqrt(double(c.head_dim)) * std::log(2.0)));
    L.q_scale = b.Keep(std::move(qs));

    EM_ASSIGN_OR_RETURN(const float* dw,
                        b.F32(lw.conv_dw, d * a.kernel, "depthwise_conv1d"));
    std::vector<float> taps(static_cast<size_t>(a.kernel * d));  // [K, d]
    for (int64_t ch = 0; ch < d; ++ch)
      for (int j = 0; j < a.kernel; ++j)
        taps[j * d + ch] = dw[ch * a.kernel + j];
    L.dw = b.Keep(std::move(taps));

    // Relative keys: relative_k_proj (not clipped, not key-scaled) of the
    // table, once per layer.
    EM_ASSIGN_OR_RETURN(WeightMatrix wr,
                        b.Matrix(lw.k_rel, d, d, n + "relative_k_proj"));
    std::vector<float> rk(static_cast<size_t>(c.rel_rows * d));  // [P, d]
    MatMul(*kernels_, wr, table.data(), c.rel_rows, rk.data(), nullptr, nullptr,
           ActType::kF32);
    L.rel_k = b.Keep(std::move(rk));
  }
  EM_ASSIGN_OR_RETURN(c.out_w, b.Matrix(w.out_w, a.out_dims, d, "output_proj"));
  EM_ASSIGN_OR_RETURN(c.out_b, b.F32(w.out_b, a.out_dims, "output_proj bias"));
  EM_ASSIGN_OR_RETURN(c.embed,
                      b.Matrix(w.proj, text_d_, a.out_dims, "embed_audio"));
  return Status::Ok();
}

}  // namespace edgemma
