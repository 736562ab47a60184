#include "core/gemma4/session.h"

#include <algorithm>
#include <string>
#include <vector>

#include "quant/ops.h"

namespace edgemma {
namespace {

// Region ids of the working buffers (see ForwardBuffers for shapes).
struct Regions {
  int x, a, q, attn, proj, gate, up, pli, ple_g, cos, sin, gather, chunk_k,
      chunk_v, logits, matmul, attn_work;
  std::vector<int> src_k,
      src_v;  // [n_layers], -1 unless the layer is a kv_source
};

struct Dims {
  int64_t max_hd = 0, max_dff = 0, max_kv = 0;
};

Dims MaxDims(const TextConfig& c) {
  Dims d;
  for (const LayerSpec& s : c.layers) {
    d.max_hd = std::max<int64_t>(d.max_hd, s.head_dim);
    d.max_dff = std::max<int64_t>(d.max_dff, s.d_ff);
    if (!s.kv_shared)
      d.max_kv =
          std::max<int64_t>(d.max_kv, int64_t{s.n_kv_heads} * s.head_dim);
  }
  return d;
}

Status CheckOptions(const Model& model, const SessionOptions& o) {
  const TextConfig& c = model.text();
  if (o.ctx < 1) return InvalidArgument("session: ctx must be >= 1");
  if (c.max_ctx > 0 && o.ctx > c.max_ctx) {
    return InvalidArgument("session: ctx " + std::to_string(o.ctx) +
                           " exceeds max_position_embeddings " +
                           std::to_string(c.max_ctx));
  }
  if (o.max_batch < 1)
    return InvalidArgument("session: max_batch must be >= 1");
  if (o.n_threads < 1 && !o.pool)
    return InvalidArgument("session: n_threads must be >= 1");
  if (o.rewind_slack < 0)
    return InvalidArgument("session: rewind_slack must be >= 0");
  for (int i = 0; i < c.n_layers; ++i) {
    const LayerSpec& s = c.layers[i];
    const int src = s.kv_source;
    if (src < 0 || src >= c.n_layers || c.layers[src].kv_shared ||
        c.layers[src].type != s.type || (!s.kv_shared && src != i)) {
      return InvalidArgument("session: layer " + std::to_string(i) +
                             " has an invalid kv_source " +
                             std::to_string(src));
    }
    if (s.n_kv_heads < 1 || c.n_heads % s.n_kv_heads != 0) {
      return InvalidArgument("session: layer " + std::to_string(i) +
                             " n_kv_heads " + std::to_string(s.n_kv_heads) +
                             " does not divide n_heads");
    }
  }
  return Status::Ok();
}

void Plan(const Model& model, const SessionOptions& o, ArenaPlan* plan,
          KvCache* cache, Regions* r) {
  const TextConfig& c = model.text();
  const Dims d = MaxDims(c);
  const size_t B = static_cast<size_t>(o.max_batch), F = sizeof(float);
  const size_t D = static_cast<size_t>(c.d_model),
               LP = size_t{1} * c.n_layers * c.d_ple;
  const size_t threads =
      static_cast<size_t>(o.pool ? o.pool->size() : o.n_threads);
  r->x = plan->Add("x", B * D * F);
  r->a = plan->Add("a", B * D * F);
  r->q = plan->Add("q", B * c.n_heads * d.max_hd * F);
  r->attn = plan->Add("attn", B * c.n_heads * d.max_hd * F);
  r->proj = plan->Add("proj", B * D * F);
  r->gate = plan->Add("mlp.gate", B * d.max_dff * F);
  r->up = plan->Add("mlp.up", B * d.max_dff * F);
  r->pli = plan->Add("per_layer_inputs", B * LP * F);
  r->ple_g = plan->Add("ple.gate", B * c.d_ple * F);
  const size_t rope = static_cast<size_t>(RopeTableStride(model, o.max_batch)) *
                      model.n_rope_groups() * F;
  r->cos = plan->Add("rope.cos", rope);
  r->sin = plan->Add("rope.sin", rope);
  r->gather = plan->Add("gather", std::max(D, LP) * F);
  r->chunk_k = plan->Add("chunk.k", B * d.max_kv * F);
  r->chunk_v = plan->Add("chunk.v", B * d.max_kv * F);
  r->src_k.assign(c.n_layers, -1);
  r->src_v.assign(c.n_layers, -1);
  for (const LayerSpec& s : c.layers) {
    const int src = s.kv_source;
    if (!s.kv_shared || r->src_k[src] >= 0) continue;
    const size_t bytes =
        B * c.layers[src].n_kv_heads * c.layers[src].head_dim * F;
    r->src_k[src] = plan->Add("chunk.k." + std::to_string(src), bytes);
    r->src_v[src] = plan->Add("chunk.v." + std::to_string(src), bytes);
  }
  r->logits = plan->Add("logits", (o.all_logits ? B : 1) * c.vocab * F);
  // Q8 activation blocks; f32 activations need no scratch.
  r->matmul = plan->Add("matmul.scratch",
                        o.act_type == ActType::kF32
                            ? 0
                            : model.MaxMatMulScratchBytes(o.max_batch));
  const size_t work = static_cast<size_t>(
      AttentionWorkFloats(static_cast<int>(d.max_hd), o.ctx, o.max_batch));
  r->attn_work = plan->Add("attn.work", threads * work * F);
  cache->Plan(c, o.ctx, c.window + o.rewind_slack, o.kv_type, plan);
}

}  // namespace

Result<size_t> Session::RequiredBytes(const Model& model,
                                      const SessionOptions& options) {
  EM_RETURN_IF_ERROR(CheckOptions(model, options));
  ArenaPlan plan;
  KvCache cache;
  Regions r;
  Plan(model, options, &plan, &cache, &r);
  return plan.total_bytes();
}

Result<std::unique_ptr<Session>> Session::Create(const Model& model,
                                                 const SessionOptions& options,
                                                 void* buffer, size_t size) {
  std::unique_ptr<Session> s(new Session(model));
  EM_RETURN_IF_ERROR(s->Init(options, buffer, size));
  return s;
}

Session::~Session() = default;

Status Session::Init(const SessionOptions& options, void* buffer, size_t size) {
  EM_RETURN_IF_ERROR(CheckOptions(model_, options));
  options_ = options;
  const TextConfig& c = model_.text();
  Regions r;
  Plan(model_, options_, &plan_, &cache_, &r);
  EM_RETURN_IF_ERROR(arena_.Init(plan_, buffer, size));
  cache_.Bind(arena_);

  ForwardBuffers& b = buf_;
  b.max_batch = options_.max_batch;
  b.x = arena_.RegionAs<float>(r.x);
  b.a = arena_.RegionAs<float>(r.a);
  b.q = arena_.RegionAs<float>(r.q);
  b.attn = arena_.RegionAs<float>(r.attn);
  b.proj = arena_.RegionAs<float>(r.proj);
  b.gate = arena_.RegionAs<float>(r.gate);
  b.up = arena_.RegionAs<float>(r.up);
  b.pli = arena_.RegionAs<float>(r.pli);
  b.ple_g = arena_.RegionAs<float>(r.ple_g);
  b.cos = arena_.RegionAs<float>(r.cos);
  b.sin = arena_.RegionAs<float>(r.sin);
  b.gather = arena_.RegionAs<float>(r.gather);
  b.logits = arena_.RegionAs<float>(r.logits);
  b.matmul_scratch = arena_.Region(r.matmul);
  b.act_type = options_.act_type;
  b.attn_work = arena_.RegionAs<float>(r.attn_work);
  b.attn_ctx = options_.ctx;
  b.attn_max_hd = static_cast<int>(MaxDims(c).max_hd);
  b.attn_parallel_min_work = options_.attn_parallel_min_work;
  b.chunk_k.assign(c.n_layers, nullptr);
  b.chunk_v.assign(c.n_layers, nullptr);
  b.commit_at_end.assign(c.n_layers, false);
  for (int i = 0; i < c.n_layers; ++i) {
    if (c.layers[i].kv_shared) continue;
    const bool source = r.src_k[i] >= 0;
    b.commit_at_end[i] = source;
    b.chunk_k[i] = arena_.RegionAs<float>(source ? r.src_k[i] : r.chunk_k);
    b.chunk_v[i] = arena_.RegionAs<float>(source ? r.src_v[i] : r.chunk_v);
  }

  // ConvertF32ToF16 picks its kernel lazily on first use (one allocation): do
  // it now so that Prefill/Decode never allocate.
  float one = 1.f;
  uint16_t half = 0;
  ConvertF32ToF16(&one, &half, 1);

  pool_ = options_.pool;
  if (!pool_ && options_.n_threads > 1) {
    own_pool_ = std::make_unique<ThreadPool>(options_.n_threads);
    pool_ = own_pool_.get();
  }
  return Status::Ok();
}

Status Session::Validate(const Batch& batch) const {
  const TextConfig& c = model_.text();
  if (batch.n < 1 || !batch.tokens)
    return InvalidArgument("session: empty batch");
  if (position_ + batch.n > options_.ctx) {
    return ContextFull("session: " + std::to_string(batch.n) +
                       " tokens at position " + std::to_string(position_) +
                       " exceed the context of " +
                       std::to_string(options_.ctx));
  }
  if (batch.use_embedding && !batch.embeddings) {
    return InvalidArgument("session: use_embedding given without embeddings");
  }
  for (int t = 0; t < batch.n; ++t) {
    const int32_t id = batch.tokens[t];
    if (id < 0 || id >= c.vocab) {
      return InvalidArgument("session: token id " + std::to_string(id) +
                             " at index " + std::to_string(t) +
                             " is outside the vocabulary [0, " +
                             std::to_string(c.vocab) + ")");
    }
    if (c.d_ple > 0 && id >= c.vocab_ple &&
        !model_.IsMultimodalPlaceholder(id)) {
      return InvalidArgument(
          "session: token id " + std::to_string(id) +
          " has no per-layer embedding (vocab_size_per_layer_input " +
          std::to_string(c.vocab_ple) + ")");
    }
  }
  return Status::Ok();
}

Status Session::Prefill(const Batch& batch) {
  EM_RETURN_IF_ERROR(Validate(batch));
  const int64_t D = model_.text().d_model;
  for (int start = 0; start < batch.n; start += options_.max_batch) {
    Batch chunk;
    chunk.n = std::min(options_.max_batch, batch.n - start);
    chunk.tokens = batch.tokens + start;
    if (batch.use_embedding) {
      chunk.use_embedding = batch.use_embedding + start;
      chunk.embeddings = batch.embeddings + start * D;
    }
    Forward(model_, buf_, cache_, pool_, chunk, position_, options_.all_logits,
            probe_);
    position_ += chunk.n;
    logit_rows_ = options_.all_logits ? chunk.n : 1;
  }
  return Status::Ok();
}

Status Session::Decode(int32_t token) {
  Batch b;
  b.tokens = &token;
  b.n = 1;
  return Prefill(b);
}

const float* Session::logits() const {
  return logit_rows_ > 0 ? logits_row(logit_rows_ - 1) : nullptr;
}

const float* Session::logits_row(int r) const {
  if (r < 0 || r >= logit_rows_) return nullptr;
  return buf_.logits + static_cast<int64_t>(r) * model_.text().vocab;
}

Status Session::Rewind(int64_t pos) {
  if (pos == position_) return Status::Ok();
  if (!cache_.CanRewind(position_, pos)) {
    return InvalidArgument(
        "session: cannot rewind from position " + std::to_string(position_) +
        " to " + std::to_string(pos) +
        (pos > position_ ? " (past the end)"
                         : " (sliding-window history already overwritten; "
                           "raise rewind_slack or Reset)"));
  }
  cache_.Truncate(pos);
  position_ = pos;
  logit_rows_ = 0;
  return Status::Ok();
}

void Session::Reset() {
  cache_.Truncate(0);
  position_ = 0;
  logit_rows_ = 0;
}

}  // namespace edgemma
