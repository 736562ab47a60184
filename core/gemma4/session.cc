#include "core/gemma4/session.h"

#include <algorithm>
#include <string>
#include <vector>

#include "quant/kernels.h"
#include "quant/ops.h"

namespace edgemma {
namespace {

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

// The options with max_batch 0 replaced by the kernels' prefill chunk.
SessionOptions Resolved(const Model& model, SessionOptions o) {
  if (o.max_batch == 0) o.max_batch = model.kernels().prefill_chunk;
  return o;
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
    return InvalidArgument("session: max_batch must be >= 1 (or 0: auto)");
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

// Every working buffer of a session, in one place: each is Add()ed into its
// field of `b` (or the NnContext scratch), and the KV cache plans its own.
// RequiredBytes runs it to size the arena; Init runs it, then binds.
void ListBuffers(const Model& model, const SessionOptions& o, ForwardBuffers* b,
                 NnContext* nn, KvCache* cache, int32_t** soft_ids,
                 uint8_t** soft_use, ArenaBinder* list) {
  const TextConfig& c = model.text();
  const Dims d = MaxDims(c);
  const size_t B = static_cast<size_t>(o.max_batch);
  const size_t D = static_cast<size_t>(c.d_model),
               LP = size_t{1} * c.n_layers * c.d_ple;
  const size_t threads =
      static_cast<size_t>(o.pool ? o.pool->size() : o.n_threads);
  b->max_batch = o.max_batch;
  b->attn_ctx = o.ctx;
  b->attn_max_hd = static_cast<int>(d.max_hd);
  list->Add("x", B * D, &b->x);
  list->Add("a", B * D, &b->a);
  list->Add("q", B * c.n_heads * d.max_hd, &b->q);
  list->Add("attn", B * c.n_heads * d.max_hd, &b->attn);
  list->Add("proj", B * D, &b->proj);
  list->Add("mlp.gate", B * d.max_dff, &b->gate);
  list->Add("mlp.up", B * d.max_dff, &b->up);
  list->Add("per_layer_inputs", B * LP, &b->pli);
  list->Add("ple.gate", B * c.d_ple, &b->ple_g);
  const size_t rope = static_cast<size_t>(RopeTableStride(model, o.max_batch)) *
                      model.n_rope_groups();
  list->Add("rope.cos", rope, &b->cos);
  list->Add("rope.sin", rope, &b->sin);
  b->gather_stride = static_cast<int64_t>(LP);
  list->Add("gather", threads * LP, &b->gather);
  // Chunk K/V: one scratch for the layers whose K/V only they read, a
  // dedicated pair per layer that KV-shared layers read too.
  b->chunk_k.assign(c.n_layers, nullptr);
  b->chunk_v.assign(c.n_layers, nullptr);
  const int chunk_k = list->Add<float>("chunk.k", B * d.max_kv, nullptr);
  const int chunk_v = list->Add<float>("chunk.v", B * d.max_kv, nullptr);
  for (int i = 0; i < c.n_layers; ++i) {
    const LayerSpec& s = c.layers[i];
    if (s.kv_shared) continue;
    if (!IsSharedKvSource(c, i)) {
      list->Also(chunk_k, &b->chunk_k[i]);
      list->Also(chunk_v, &b->chunk_v[i]);
      continue;
    }
    const size_t n = B * s.n_kv_heads * s.head_dim;
    list->Add("chunk.k." + std::to_string(i), n, &b->chunk_k[i]);
    list->Add("chunk.v." + std::to_string(i), n, &b->chunk_v[i]);
  }
  list->Add("logits", (o.all_logits ? B : 1) * c.vocab, &b->logits);
  // Q8 activation blocks; f32 activations need no scratch.
  list->AddBytes("matmul.scratch",
                 o.act_type == ActType::kF32
                     ? 0
                     : model.MaxMatMulScratchBytes(o.max_batch),
                 &nn->scratch);
  const size_t work = static_cast<size_t>(
      AttentionWorkFloats(static_cast<int>(d.max_hd), o.ctx, o.max_batch));
  list->Add("attn.work", threads * work, &b->attn_work);
  list->Add("soft.ids", B, soft_ids);
  list->Add("soft.use", B, soft_use);
  cache->Plan(c, o.ctx, c.window + o.rewind_slack, o.kv_type, &list->plan());
}

}  // namespace

Result<size_t> Session::RequiredBytes(const Model& model,
                                      const SessionOptions& requested) {
  const SessionOptions options = Resolved(model, requested);
  EM_RETURN_IF_ERROR(CheckOptions(model, options));
  ArenaPlan plan;
  ArenaBinder list(&plan);
  ForwardBuffers buf;
  NnContext nn;
  KvCache cache;
  int32_t* soft_ids = nullptr;
  uint8_t* soft_use = nullptr;
  ListBuffers(model, options, &buf, &nn, &cache, &soft_ids, &soft_use, &list);
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

Status Session::Init(const SessionOptions& requested, void* buffer,
                     size_t size) {
  const SessionOptions options = Resolved(model_, requested);
  EM_RETURN_IF_ERROR(CheckOptions(model_, options));
  options_ = options;
  ArenaBinder list(&plan_);
  ListBuffers(model_, options_, &buf_, &nn_, &cache_, &soft_ids_, &soft_use_,
              &list);
  EM_RETURN_IF_ERROR(arena_.Init(plan_, buffer, size));
  list.Bind(arena_);
  cache_.Bind(arena_);
  std::fill(soft_ids_, soft_ids_ + options_.max_batch, model_.text().pad_id);
  std::fill(soft_use_, soft_use_ + options_.max_batch, uint8_t{1});

  nn_.kernels = &model_.kernels();
  nn_.act = options_.act_type;
  nn_.pool = options_.pool;
  if (!nn_.pool && options_.n_threads > 1) {
    own_pool_ = std::make_unique<ThreadPool>(options_.n_threads);
    nn_.pool = own_pool_.get();
  }
  forward_.all_logits = options_.all_logits;
  forward_.attn_parallel_min_work = options_.attn_parallel_min_work;
  return Status::Ok();
}

void Session::set_profile(StepProfile* profile) {
  nn_.profile = profile;
  if (profile) profile->Attach(nn_.pool ? nn_.pool->size() : 1);
  if (nn_.pool) nn_.pool->set_profile(profile ? &profile->pool : nullptr);
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
    RunChunk(chunk, /*logits=*/start + chunk.n == batch.n);
  }
  return Status::Ok();
}

// Only a call's last chunk computes logits: nobody can read the others'.
void Session::RunChunk(const Batch& chunk, bool logits) {
  ForwardOptions opt = forward_;
  opt.skip_logits = !logits;
  Forward(model_, nn_, buf_, cache_, chunk, position_, opt, probe_);
  position_ += chunk.n;
  logit_rows_ = options_.all_logits ? chunk.n : 1;
}

Status Session::PrefillEmbeddings(const float* embeddings, int n) {
  if (embeddings == nullptr || n < 1)
    return InvalidArgument("session: no soft tokens given");
  if (position_ + n > options_.ctx) {
    return ContextFull("session: " + std::to_string(n) +
                       " soft tokens at position " + std::to_string(position_) +
                       " exceed the context of " +
                       std::to_string(options_.ctx));
  }
  const int64_t D = model_.text().d_model;
  for (int off = 0; off < n; off += options_.max_batch) {
    Batch chunk;
    chunk.n = std::min(options_.max_batch, n - off);
    chunk.tokens = soft_ids_;
    chunk.use_embedding = soft_use_;
    chunk.embeddings = embeddings + off * D;
    RunChunk(chunk, /*logits=*/off + chunk.n == n);
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
