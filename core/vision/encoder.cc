// The vision encoder's Forward(), step by step as in the vision spec (2.2 -
// 4.1) and gemma4ref/vision.py. n = real patches, d = hidden size, H / KV =
// query / key-value heads of hd channels, F = MLP width, k = pooling kernel,
// N = soft tokens. Row-wise work runs in chunks of kVisionChunkRows patches so
// that only the residual stream and Q/K/V span all patches.
#include "core/vision/encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/vision/attention.h"
#include "core/vision/encoder_internal.h"

namespace edgemma {

namespace {

int ChunkRows(int max_patches) {
  return std::min(kVisionChunkRows, max_patches);
}

int Threads(const VisionEncoderOptions& o) {
  return o.pool ? o.pool->size() : std::max(1, o.n_threads);
}

size_t MaxScratch(const TowerWeights& w, int64_t rows, ActType act) {
  const VisionWeights& v = w.vision();
  size_t s = 0;
  auto add = [&](const BoundTensor& b) {
    const WeightMatrix m = VisionMatrix(b);
    s = std::max(s, MatMulScratchBytes(m.type, m.cols, rows, act));
  };
  add(v.patch);
  add(v.proj);
  for (const VisionLayerWeights& l : v.layers) {
    for (const ClippedLinear* c :
         {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) {
      add(c->w);
    }
  }
  return s;
}

Status CheckWeightType(const BoundTensor& b, const char* what) {
  if (MatMulSupports(b.t.dtype)) return Status::Ok();
  return Unsupported(std::string("vision tower: ") + what + " tensor '" +
                     b.t.name + "' has dtype " + DTypeName(b.t.dtype) +
                     ", which the encoder cannot multiply");
}

Status CheckConfig(const TowerWeights& w, const VisionEncoderOptions& o) {
  const VisionDims& v = w.dims().vision;
  if (!v.present) return NotFound("the model has no vision tower");
  if (v.head_dim % 4 != 0) {
    return Unsupported("vision_config.head_dim " + std::to_string(v.head_dim) +
                       " is not a multiple of 4 (2-D RoPE needs 4)");
  }
  if (v.n_kv_heads < 1 || v.n_heads % v.n_kv_heads != 0) {
    return InvalidArgument("vision_config: num_key_value_heads " +
                           std::to_string(v.n_kv_heads) +
                           " does not divide num_attention_heads");
  }
  if (v.activation != "gelu_pytorch_tanh" && v.activation != "gelu_new") {
    return Unsupported("vision_config.hidden_activation '" + v.activation +
                       "' is not supported (gelu_pytorch_tanh is)");
  }
  if (w.dims().text_d <= 0)
    return InvalidArgument("vision tower: unknown text hidden size");
  if (o.max_budget < 1 || o.max_budget > 1 << 16) {
    return InvalidArgument("vision encoder: max_budget " +
                           std::to_string(o.max_budget) +
                           " must be in [1, 65536]");
  }
  if (o.n_threads < 1 && o.pool == nullptr)
    return InvalidArgument("vision encoder: n_threads must be >= 1");
  const VisionWeights& vw = w.vision();
  EM_RETURN_IF_ERROR(CheckWeightType(vw.patch, "patch embedding"));
  EM_RETURN_IF_ERROR(CheckWeightType(vw.proj, "embedder projection"));
  for (const VisionLayerWeights& l : vw.layers) {
    if (l.out_scale.present()) {
      return Unsupported("vision tower: per-layer output scale '" +
                         l.out_scale.t.name +
                         "' is not part of the Gemma 4 reference");
    }
    for (const ClippedLinear* c :
         {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) {
      EM_RETURN_IF_ERROR(CheckWeightType(c->w, "linear"));
    }
  }
  return Status::Ok();
}

// Every working buffer (shapes in encoder_internal.h), for planning and for
// binding: the same list sizes the arena and fills `v` and nn->scratch.
void ListBuffers(const TowerWeights& w, const VisionEncoderOptions& o,
                 VisionBuffers* v, NnContext* nn, ArenaBinder* list) {
  const VisionDims& d = w.dims().vision;
  const size_t k2 = size_t{1} * d.pool * d.pool;
  const size_t P = k2 * o.max_budget, D = d.d, F = d.d_ff;
  const size_t QD = size_t{1} * d.n_heads * d.head_dim;
  const size_t KD = size_t{1} * d.n_kv_heads * d.head_dim;
  const size_t R = ChunkRows(static_cast<int>(P));
  const size_t pix = size_t{3} * d.patch * d.patch;
  list->Add("vision.x", P * D, &v->x);
  list->Add("vision.q", P * QD, &v->q);
  list->Add("vision.k", P * KD, &v->k);
  list->Add("vision.vt", KD * P, &v->vt);
  list->Add("vision.rope.cos", P * d.head_dim / 2, &v->cos);
  list->Add("vision.rope.sin", P * d.head_dim / 2, &v->sin);
  list->Add("vision.a", R * D, &v->a);
  list->Add("vision.in", R * std::max({pix, D, QD, F}), &v->in);
  list->Add("vision.v", R * KD, &v->v);
  list->Add("vision.mlp.gate", R * F, &v->gate);
  list->Add("vision.mlp.up", R * F, &v->up);
  list->Add("vision.proj", R * D, &v->proj);
  list->Add("vision.pooled", P / k2 * D, &v->pooled);
  list->Add("vision.gather", D, &v->gather);
  list->AddBytes("vision.matmul.scratch",
                 MaxScratch(w, static_cast<int64_t>(R), o.act_type),
                 &nn->scratch);
  list->Add(
      "vision.attn.work",
      Threads(o) * static_cast<size_t>(VisionAttentionWorkFloats(d.head_dim)),
      &v->attn_work);
}

}  // namespace

VisionEncoder::VisionEncoder(const TowerWeights& w, const Kernels& k)
    : weights_(w), kernels_(k) {}

VisionEncoder::~VisionEncoder() = default;

Result<size_t> VisionEncoder::RequiredBytes(
    const TowerWeights& weights, const VisionEncoderOptions& options) {
  EM_RETURN_IF_ERROR(CheckConfig(weights, options));
  ArenaPlan plan;
  ArenaBinder list(&plan);
  VisionBuffers v;
  NnContext nn;
  ListBuffers(weights, options, &v, &nn, &list);
  return plan.total_bytes();
}

Result<std::unique_ptr<VisionEncoder>> VisionEncoder::Create(
    const TowerWeights& weights, const VisionEncoderOptions& options,
    const Kernels* kernels, void* buffer, size_t size) {
  if (kernels == nullptr) {
    EM_ASSIGN_OR_RETURN(kernels, SelectKernels());
  }
  std::unique_ptr<VisionEncoder> e(new VisionEncoder(weights, *kernels));
  EM_RETURN_IF_ERROR(e->Init(options, buffer, size));
  return e;
}

Status VisionEncoder::Init(const VisionEncoderOptions& options, void* buffer,
                           size_t size) {
  EM_RETURN_IF_ERROR(CheckConfig(weights_, options));
  options_ = options;
  dims_ = weights_.dims();
  const VisionDims& v = dims_.vision;
  const VisionWeights& w = weights_.vision();
  max_patches_ = v.pool * v.pool * options.max_budget;
  patch_conv_layout_ = w.patch.pending == TowerTransform::kNone;
  norms_.resize(w.layers.size());
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const VisionLayerWeights& l = w.layers[i];
    LayerF32& n = norms_[i];
    EM_ASSIGN_OR_RETURN(n.ln1, weights_.ToF32(l.ln1));
    EM_ASSIGN_OR_RETURN(n.q_norm, weights_.ToF32(l.q_norm));
    EM_ASSIGN_OR_RETURN(n.k_norm, weights_.ToF32(l.k_norm));
    EM_ASSIGN_OR_RETURN(n.attn_post, weights_.ToF32(l.attn_post_norm));
    EM_ASSIGN_OR_RETURN(n.ln2, weights_.ToF32(l.ln2));
    EM_ASSIGN_OR_RETURN(n.ffn_post, weights_.ToF32(l.ffn_post_norm));
  }
  if (v.standardize) {
    EM_ASSIGN_OR_RETURN(std_bias_, weights_.ToF32(w.std_bias));
    EM_ASSIGN_OR_RETURN(std_scale_, weights_.ToF32(w.std_scale));
  }
  // Each half of a head (hd/2 channels) rotates hd/4 pairs with
  // theta^(-2j / (hd/2)): both axes share these frequencies (spec 2.7).
  const int quarter = v.head_dim / 4;
  inv_freq_.resize(quarter);
  for (int j = 0; j < quarter; ++j) {
    inv_freq_[j] = std::pow(v.rope_theta, -2.0 * j / (v.head_dim / 2));
  }

  buf_ = std::make_unique<VisionBuffers>();
  ArenaBinder list(&plan_);
  ListBuffers(weights_, options_, buf_.get(), &nn_, &list);
  EM_RETURN_IF_ERROR(arena_.Init(plan_, buffer, size));
  list.Bind(arena_);

  pool_ = options_.pool;
  if (pool_ == nullptr && options_.n_threads > 1) {
    own_pool_ = std::make_unique<ThreadPool>(options_.n_threads);
    pool_ = own_pool_.get();
  }
  nn_.kernels = &kernels_;
  nn_.pool = pool_;
  nn_.act = options_.act_type;
  return Status::Ok();
}

Result<VisionEncoder::Grid> VisionEncoder::CheckInput(
    const VisionInput& in) const {
  const VisionDims& v = dims_.vision;
  if (in.patches == nullptr || in.positions == nullptr || in.rows < 1)
    return InvalidArgument("vision input: no patch rows");
  const int32_t* pos = in.positions;
  auto padding = [&](int r) {
    return pos[2 * r] == -1 && pos[2 * r + 1] == -1;
  };
  Grid g;
  while (g.n < in.rows && !padding(g.n)) ++g.n;
  for (int r = g.n; r < in.rows; ++r) {
    if (!padding(r)) {
      return InvalidArgument("vision input: row " + std::to_string(r) +
                             " is a real patch after padding rows");
    }
  }
  if (g.n == 0) return InvalidArgument("vision input: every row is padding");
  if (g.n > max_patches_) {
    return ArenaFull("vision input: " + std::to_string(g.n) +
                     " patches; the encoder was planned for at most " +
                     std::to_string(max_patches_) + " (max_budget " +
                     std::to_string(options_.max_budget) + ")");
  }
  while (g.wp < g.n && pos[2 * g.wp + 1] == 0) ++g.wp;
  g.hp = g.wp > 0 ? g.n / g.wp : 0;
  for (int q = 0; q < g.n; ++q) {
    const int32_t x = pos[2 * q], y = pos[2 * q + 1];
    if (g.wp == 0 || x != q % g.wp || y != q / g.wp || g.n % g.wp != 0) {
      return InvalidArgument(
          "vision input: patch row " + std::to_string(q) + " is at (" +
          std::to_string(x) + ", " + std::to_string(y) +
          "); the real patches must fill a grid in raster order");
    }
  }
  const int k = v.pool;
  if (g.hp % k != 0 || g.wp % k != 0) {
    return InvalidArgument("vision input: a grid of " + std::to_string(g.hp) +
                           " x " + std::to_string(g.wp) +
                           " patches is not a multiple of the pooling kernel " +
                           std::to_string(k));
  }
  if (std::max(g.hp, g.wp) > v.pos_size) {
    return InvalidArgument("vision input: patch position " +
                           std::to_string(std::max(g.hp, g.wp) - 1) +
                           " is outside the " + std::to_string(v.pos_size) +
                           "-entry position table");
  }
  const int64_t pix = int64_t{3} * v.patch * v.patch;
  for (int64_t i = 0; i < int64_t{g.n} * pix; ++i) {
    if (!std::isfinite(in.patches[i])) {
      return InvalidArgument("vision input: patch row " +
                             std::to_string(i / pix) +
                             " holds a non-finite value");
    }
  }
  g.n_soft = (g.hp / k) * (g.wp / k);
  return g;
}

Result<int> VisionEncoder::CountSoftTokens(const VisionInput& in) const {
  EM_ASSIGN_OR_RETURN(Grid g, CheckInput(in));
  return g.n_soft;
}

Result<int> VisionEncoder::Encode(const VisionInput& in, float* out,
                                  int64_t out_rows, float* pooled) {
  EM_ASSIGN_OR_RETURN(Grid g, CheckInput(in));
  if (out == nullptr || out_rows < g.n_soft) {
    return InvalidArgument(
        "vision encoder: the output holds " + std::to_string(out_rows) +
        " rows, the image gives " + std::to_string(g.n_soft) + " soft tokens");
  }
  EmbedPatches(in, g);  // x [n, d]
  RopeTables(in, g);    // cos, sin [n, hd/2]
  for (int l = 0; l < dims_.vision.n_layers; ++l) EncoderLayer(l, g);
  PoolAndScale(in, g);  // pooled [N, d]
  if (pooled != nullptr) {
    std::memcpy(pooled, buf_->pooled,
                sizeof(float) * g.n_soft * dims_.vision.d);
  }
  EmbedIntoText(g, out);  // out [N, text_d]
  return g.n_soft;
}

}  // namespace edgemma
