// AudioEncoderStream: the subsampling convolutions, the block loop through the
// Conformer layers, the output projection and the embedder, over an arena
// planned once (contracts in audio_encoder.h).
//
// Bookkeeping (all counts are absolute indices in the clip):
//   frames  [f_first, frames_in)       log-mel rows still needed by conv 0
//   conv 0  [c0_first, c0_end)         rows still needed by conv 1; row j reads
//                                      frames 2j-1..2j+1 (zero outside the
//                                      clip)
//   tokens  [0, tokens_in)             made by conv 1 + input_proj; token t
//                                      reads conv-0 rows 2t-1..2t+1
// A conv-0 row is final once frame 2j+1 exists (or at Finish), a token once
// conv-0 row 2t+1 exists (or at Finish, with zero rows past the end).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/audio/audio_encoder.h"
#include "core/audio/conformer.h"
#include "core/nn/blocks.h"

namespace edgemma {

struct AudioEncoderStream::State {
  int64_t block_cap = 0, frame_cap = 0, c0_cap = 0, sub = 0;
  float* frames = nullptr;   // [frame_cap, n_mel]
  float* c0 = nullptr;       // [c0_cap, f0 * C0] (channel fastest)
  float* patches = nullptr;  // [sub * f1, 9 * C0] conv-1 im2col rows
  float* sscp = nullptr;     // [block_cap, f1 * C1]
  float* x = nullptr;        // [block_cap, d] the block through the layers
  float* out = nullptr;      // [block_cap, O]
  float* emb = nullptr;      // [block_cap, text_d]
  int64_t f_first = 0, c0_first = 0, c0_end = 0, tokens_in = 0;
  bool flushed = false;
  std::vector<AudioLayerState> layers;
  AudioScratch sc;
};

namespace {

size_t MaxScratch(const AudioEncoder& e, int64_t rows, ActType act) {
  const AudioEncoder::Consts& c = e.consts();
  size_t m = 0;
  auto add = [&](const WeightMatrix& w) {
    m = std::max(m, MatMulScratchBytes(w.type, w.cols, rows, act));
  };
  add(c.input_proj);
  add(c.out_w);
  add(c.embed);
  for (const AudioEncoder::Layer& L : c.layers) {
    for (const AudioLinear* l :
         {&L.ffn1_up, &L.ffn1_down, &L.ffn2_up, &L.ffn2_down, &L.q, &L.k, &L.v,
          &L.post, &L.conv_start, &L.conv_end})
      add(l->w);
  }
  return m;
}

// Lists every buffer of the stream into `s` (sizes from the config and the
// options); planning and Init run it on the same ArenaBinder pattern as a
// text session.
void ListBuffers(const AudioEncoder& e, const AudioStreamOptions& o,
                 int threads, AudioEncoderStream::State* s, ArenaBinder* list) {
  const AudioDims& a = e.dims();
  const AudioEncoder::Consts& c = e.consts();
  const int64_t d = a.d, wide = std::max<int64_t>(a.d_ff(), 2 * d);
  s->block_cap = o.max_block + int64_t{a.n_layers} * c.future;
  s->c0_cap = 2 * int64_t{o.max_block} + 3;
  s->frame_cap = 2 * s->c0_cap + 3;
  s->sub = std::min<int64_t>(o.max_block, 8);
  const int64_t B = s->block_cap;
  AudioScratch& sc = s->sc;
  sc.block_cap = static_cast<int>(B);
  list->Add("frames", s->frame_cap * a.n_mel, &s->frames);
  list->Add("sscp.conv0", s->c0_cap * c.f0 * a.conv0, &s->c0);
  list->Add("sscp.patches", s->sub * c.f1 * 9 * a.conv0, &s->patches);
  list->Add("sscp.out", B * c.f1 * a.conv1, &s->sscp);
  list->Add("x", B * d, &s->x);
  list->Add("output_proj", B * a.out_dims, &s->out);
  list->Add("soft_tokens", B * e.text_d(), &s->emb);
  list->Add("h", B * d, &sc.h);
  list->Add("o", B * d, &sc.o);
  list->Add("ff", B * wide, &sc.ff);
  list->Add("clip_in", B * std::max(wide, c.f1 * int64_t{a.conv1}),
            &sc.clip_in);
  list->Add("attn.logits", int64_t{threads} * (c.max_past + c.future),
            &sc.attn);
  list->AddBytes("matmul.scratch",
                 MaxScratch(e, std::max(B, s->sub * c.f1), o.act_type),
                 &sc.nn.scratch);
  const int64_t kv_cap = c.max_past - 1 + c.future + B, pend_cap = c.future + B;
  s->layers.resize(a.n_layers);
  for (int l = 0; l < a.n_layers; ++l) {
    const std::string n = "layer" + std::to_string(l) + ".";
    AudioLayerState& L = s->layers[l];
    list->Add(n + "k", kv_cap * d, &L.k);
    list->Add(n + "v", kv_cap * d, &L.v);
    list->Add(n + "x1", pend_cap * d, &L.x1);
    list->Add(n + "q", pend_cap * d, &L.q);
    list->Add(n + "conv", (a.kernel - 1 + B) * d, &L.conv);
  }
}

Status CheckOptions(const AudioStreamOptions& o) {
  if (o.max_block < 1)
    return InvalidArgument("audio stream: max_block must be >= 1");
  if (o.min_block < 1 || o.min_block > o.max_block)
    return InvalidArgument("audio stream: min_block must be in [1, max_block]");
  if (o.n_threads < 1 && !o.pool)
    return InvalidArgument("audio stream: n_threads must be >= 1");
  return Status::Ok();
}

// LayerNorm over n channels (biased variance, weight, no bias), then ReLU.
void LayerNormRelu(float* x, int64_t n, const float* w, float eps) {
  double mean = 0, var = 0;
  for (int64_t i = 0; i < n; ++i) mean += x[i];
  mean /= n;
  for (int64_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  const double inv = 1.0 / std::sqrt(var / n + eps);
  for (int64_t i = 0; i < n; ++i)
    x[i] = std::max(0.f, static_cast<float>((x[i] - mean) * inv) * w[i]);
}

}  // namespace

AudioEncoderStream::AudioEncoderStream(const AudioEncoder& enc) : enc_(enc) {}
AudioEncoderStream::~AudioEncoderStream() = default;

Result<size_t> AudioEncoderStream::RequiredBytes(
    const AudioEncoder& encoder, const AudioStreamOptions& options) {
  EM_RETURN_IF_ERROR(CheckOptions(options));
  ArenaPlan plan;
  ArenaBinder list(&plan);
  State s;
  ListBuffers(encoder, options,
              options.pool ? options.pool->size() : options.n_threads, &s,
              &list);
  return plan.total_bytes();
}

Result<std::unique_ptr<AudioEncoderStream>> AudioEncoderStream::Create(
    const AudioEncoder& encoder, const AudioStreamOptions& options,
    void* buffer, size_t size) {
  std::unique_ptr<AudioEncoderStream> s(new AudioEncoderStream(encoder));
  EM_RETURN_IF_ERROR(s->Init(options, buffer, size));
  return s;
}

Status AudioEncoderStream::Init(const AudioStreamOptions& options, void* buffer,
                                size_t size) {
  EM_RETURN_IF_ERROR(CheckOptions(options));
  options_ = options;
  pool_ = options.pool;
  if (!pool_ && options.n_threads > 1) {
    own_pool_ = std::make_unique<ThreadPool>(options.n_threads);
    pool_ = own_pool_.get();
  }
  st_ = std::make_unique<State>();
  State& s = *st_;
  ArenaBinder list(&plan_);
  ListBuffers(enc_, options, pool_ ? pool_->size() : 1, &s, &list);
  EM_RETURN_IF_ERROR(arena_.Init(plan_, buffer, size));
  list.Bind(arena_);
  s.sc.nn.kernels = &enc_.kernels();
  s.sc.nn.act = options.act_type;
  s.sc.nn.pool = pool_;
  Reset();
  return Status::Ok();
}

void AudioEncoderStream::Reset() {
  State& s = *st_;
  const int64_t d = enc_.dims().d, K = enc_.dims().kernel;
  s.f_first = s.c0_first = s.c0_end = s.tokens_in = 0;
  s.flushed = false;
  for (AudioLayerState& l : s.layers) {
    l.kv_first = l.n_in = l.n_done = 0;
    std::memset(l.conv, 0, (K - 1) * d * sizeof(float));  // causal zero history
  }
  frames_in_ = tokens_out_ = 0;
  finished_ = false;
  failed_ = Status::Ok();
}

namespace {

// Conv-0 rows [begin, end) of the clip (spec 2.2 layer 0: 1 -> C0 channels,
// 3x3 stride 2 pad 1, LayerNorm over channels, ReLU) into s.c0.
void Conv0Rows(const AudioEncoder& e, AudioEncoderStream::State& s,
               int64_t frames_in, int64_t begin, int64_t end,
               ThreadPool* pool) {
  const AudioEncoder::Consts& c = e.consts();
  const int64_t n_mel = e.n_mel(), C0 = e.dims().conv0;
  const float eps = e.dims().eps;
  auto rows = [&](int64_t b, int64_t en, int) {
    for (int64_t j = begin + b; j < begin + en; ++j) {
      float* y = s.c0 + (j - s.c0_first) * c.f0 * C0;  // [f0, C0]
      std::memset(y, 0, c.f0 * C0 * sizeof(float));
      for (int dy = 0; dy < 3; ++dy) {
        const int64_t t = 2 * j - 1 + dy;
        if (t < 0 || t >= frames_in) continue;                 // zero padding
        const float* fr = s.frames + (t - s.f_first) * n_mel;  // [n_mel]
        for (int64_t f = 0; f < c.f0; ++f) {
          float* yf = y + f * C0;
          for (int dx = 0; dx < 3; ++dx) {
            const int64_t m = 2 * f - 1 + dx;
            if (m < 0 || m >= n_mel) continue;
            const float* w = c.conv0 + (dy * 3 + dx) * C0;  // [C0]
            const float v = fr[m];
            for (int64_t ch = 0; ch < C0; ++ch) yf[ch] += w[ch] * v;
          }
        }
      }
      for (int64_t f = 0; f < c.f0; ++f)
        LayerNormRelu(y + f * C0, C0, c.norm0, eps);
    }
  };
  if (pool && end - begin > 1) {
    pool->ParallelFor(end - begin, 1, rows);
  } else {
    rows(0, end - begin, 0);
  }
}

// Tokens [t0, t0 + n) through conv 1 (C0 -> C1, LayerNorm, ReLU; im2col +
// MatMul) into s.sscp rows [0, n) as [f1 * C1] (channel fastest), then
// input_proj into s.x [n, d]. c0_final: conv-0 rows of the clip when known
// (rows at or past it are zero), else -1.
void Subsample(const AudioEncoder& e, AudioEncoderStream::State& s, int64_t t0,
               int64_t n, int64_t c0_final) {
  const AudioEncoder::Consts& c = e.consts();
  const AudioDims& a = e.dims();
  const int64_t C0 = a.conv0, C1 = a.conv1, width = 9 * C0;
  for (int64_t b = 0; b < n; b += s.sub) {
    const int64_t nb = std::min(s.sub, n - b);
    for (int64_t i = 0; i < nb; ++i) {
      const int64_t t = t0 + b + i;
      for (int64_t f = 0; f < c.f1; ++f) {
        float* p = s.patches + (i * c.f1 + f) * width;  // [9 * C0]
        for (int dy = 0; dy < 3; ++dy) {
          const int64_t j = 2 * t - 1 + dy;
          const bool row_ok = j >= 0 && (c0_final < 0 || j < c0_final);
          for (int dx = 0; dx < 3; ++dx) {
            const int64_t m = 2 * f - 1 + dx;
            float* dst = p + (dy * 3 + dx) * C0;
            if (row_ok && m >= 0 && m < c.f0) {
              std::memcpy(dst, s.c0 + ((j - s.c0_first) * c.f0 + m) * C0,
                          C0 * sizeof(float));
            } else {
              std::memset(dst, 0, C0 * sizeof(float));
            }
          }
        }
      }
    }
    float* y = s.sscp + b * c.f1 * C1;  // [nb * f1, C1]
    NnContext f32 = s.sc.nn;            // conv 1 weights are f32 copies
    f32.act = ActType::kF32;
    Linear(f32, c.conv1, s.patches, nb * c.f1, y);
    for (int64_t r = 0; r < nb * c.f1; ++r)
      LayerNormRelu(y + r * C1, C1, c.norm1, a.eps);
  }
  Linear(s.sc.nn, c.input_proj, s.sscp, n, s.x);
}

}  // namespace

Status AudioEncoderStream::Step(bool final, AudioTokenSink sink, void* user,
                                bool* progressed) {
  State& s = *st_;
  const AudioEncoder::Consts& c = enc_.consts();
  const AudioDims& a = enc_.dims();
  *progressed = false;
  // 1. conv-0 rows that are final (and fit the buffer).
  const int64_t c0_target = final ? (frames_in_ + 1) / 2 : frames_in_ / 2;
  const int64_t c0_new = std::min(c0_target, s.c0_first + s.c0_cap) - s.c0_end;
  if (c0_new > 0) {
    Conv0Rows(enc_, s, frames_in_, s.c0_end, s.c0_end + c0_new, pool_);
    s.c0_end += c0_new;
    *progressed = true;
  }
  // 2. tokens that are final, at most max_block.
  const bool c0_done = final && s.c0_end == c0_target;
  const int64_t tok_target = c0_done ? (s.c0_end + 1) / 2 : s.c0_end / 2;
  int64_t n = std::min<int64_t>(tok_target - s.tokens_in, options_.max_block);
  if (!final && n < options_.min_block) n = 0;  // wait for a fuller block
  const bool layer_final = c0_done && s.tokens_in + n == tok_target;
  if (n > 0 || (layer_final && !s.flushed)) {
    if (n > 0) Subsample(enc_, s, s.tokens_in, n, c0_done ? c0_target : -1);
    s.tokens_in += n;
    // 3. Conformer layers; m tokens leave the last one.
    int64_t m = n;
    for (int l = 0; l < a.n_layers; ++l)
      m = ConformerLayerForward(enc_, l, s.layers[l], s.sc, s.x, m,
                                layer_final);
    s.flushed = layer_final;
    // 4. output_proj (+bias), scale-free RMSNorm, embedding_projection.
    if (m > 0) {
      const Kernels& k = enc_.kernels();
      Linear(s.sc.nn, c.out_w, s.x, m, s.out);  // [m, O]
      for (int64_t r = 0; r < m; ++r)
        Add(k, c.out_b, s.out + r * a.out_dims, a.out_dims);
      NormRows(s.sc.nn, s.out, m, a.out_dims, nullptr, a.eps);
      Linear(s.sc.nn, c.embed, s.out, m, s.emb);  // [m, text_d]
      EM_RETURN_IF_ERROR(sink(user, s.emb, static_cast<int>(m), tokens_out_));
      tokens_out_ += m;
    }
    *progressed = true;
  }
  // 5. Drop conv-0 rows and frames no later row needs.
  const int64_t c0_keep = std::max<int64_t>(s.c0_first, 2 * s.tokens_in - 1);
  const int64_t row = c.f0 * a.conv0;
  std::memmove(s.c0, s.c0 + (c0_keep - s.c0_first) * row,
               (s.c0_end - c0_keep) * row * sizeof(float));
  s.c0_first = c0_keep;
  const int64_t f_keep = std::max<int64_t>(s.f_first, 2 * s.c0_end - 1);
  std::memmove(s.frames, s.frames + (f_keep - s.f_first) * a.n_mel,
               (frames_in_ - f_keep) * a.n_mel * sizeof(float));
  s.f_first = f_keep;
  return Status::Ok();
}

Status AudioEncoderStream::Feed(const float* frames, int64_t n,
                                AudioTokenSink sink, void* user) {
  if (!failed_.ok()) return failed_;
  if (finished_)
    return InvalidArgument("audio stream: Feed after Finish (call Reset)");
  if (n < 0 || (n > 0 && frames == nullptr))
    return InvalidArgument("audio stream: bad frame buffer");
  State& s = *st_;
  const int64_t n_mel = enc_.n_mel();
  while (true) {
    const int64_t room = s.frame_cap - (frames_in_ - s.f_first);
    const int64_t take = std::min(room, n);
    if (take > 0) {  // frames may be null when n == 0
      std::memcpy(s.frames + (frames_in_ - s.f_first) * n_mel, frames,
                  take * n_mel * sizeof(float));
      frames += take * n_mel;
    }
    n -= take;
    frames_in_ += take;
    bool progressed = true;
    while (progressed) {
      Status st = Step(false, sink, user, &progressed);
      if (!st.ok()) return failed_ = st;
    }
    if (n == 0) return Status::Ok();
    if (take == 0)
      return failed_ =
                 Internal("audio stream: no progress with a full frame buffer");
  }
}

Status AudioEncoderStream::Finish(AudioTokenSink sink, void* user) {
  if (!failed_.ok()) return failed_;
  if (finished_)
    return InvalidArgument("audio stream: Finish called twice (call Reset)");
  bool progressed = true;
  while (progressed) {
    Status st = Step(true, sink, user, &progressed);
    if (!st.ok()) return failed_ = st;
  }
  finished_ = true;
  return Status::Ok();
}

Status AudioTokenBuffer::Sink(void* self, const float* tokens, int n,
                              int64_t first) {
  AudioTokenBuffer* b = static_cast<AudioTokenBuffer*>(self);
  if (first + n > b->capacity)
    return Internal("audio: soft tokens overflow the output");
  std::memcpy(b->out + first * b->d, tokens, n * b->d * sizeof(float));
  return Status::Ok();
}

Status AudioEncoder::Encode(AudioEncoderStream& stream, const float* mel,
                            const uint8_t* mask, int64_t n_frames, float* out,
                            int64_t capacity, int64_t* n_out) const {
  if (&stream.encoder() != this)
    return InvalidArgument(
        "audio encode: the stream belongs to another encoder");
  if (n_frames < 0 || (n_frames > 0 && mel == nullptr) || n_out == nullptr)
    return InvalidArgument("audio encode: bad feature buffer");
  int64_t n_valid = n_frames;
  if (mask != nullptr) {
    n_valid = 0;
    while (n_valid < n_frames && mask[n_valid]) ++n_valid;
    for (int64_t i = n_valid; i < n_frames; ++i) {
      if (mask[i]) {
        return InvalidArgument("audio encode: frame mask has a valid frame " +
                               std::to_string(i) + " after an invalid frame " +
                               std::to_string(n_valid) +
                               " (valid frames must form a prefix)");
      }
    }
  }
  const int64_t n_tok = TokensForFrames(n_valid);
  if (n_tok > capacity) {
    return InvalidArgument("audio encode: " + std::to_string(n_tok) +
                           " soft tokens do not fit the output (" +
                           std::to_string(capacity) + " rows)");
  }
  stream.Reset();
  AudioTokenBuffer sink{out, capacity, text_d_};
  EM_RETURN_IF_ERROR(stream.Feed(mel, n_valid, AudioTokenBuffer::Sink, &sink));
  EM_RETURN_IF_ERROR(stream.Finish(AudioTokenBuffer::Sink, &sink));
  if (stream.tokens_emitted() != n_tok)
    return Internal("audio encode: token count mismatch");
  *n_out = n_tok;
  return Status::Ok();
}

}  // namespace edgemma
