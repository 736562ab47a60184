// ConfigFromGguf: our quantized tiny models give back the config.json config
// field by field; a GGUF with only llama.cpp's keys (no edgemma.*) still loads;
// the writer's output reads back through h1's GgufFile reader too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/convert/gguf_gemma4.h"
#include "core/convert/gguf_writer.h"
#include "core/io/config.h"
#include "core/io/gguf.h"
#include "core/io/gguf_keys.h"
#include "core/io/model_source.h"
#include "tests/support/test_dir.h"

namespace edgemma {
namespace {

using test::TempDir;

std::string Tiny(const std::string& name) {
  return std::string(EDGEMMA_SHARED_DIR) + "/testdata/" + name;
}

void ExpectSameText(const TextConfig& a, const TextConfig& b,
                    bool check_extras) {
  EXPECT_EQ(a.d_model, b.d_model);
  EXPECT_EQ(a.n_layers, b.n_layers);
  EXPECT_EQ(a.n_heads, b.n_heads);
  EXPECT_EQ(a.n_kv_heads, b.n_kv_heads);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.global_head_dim, b.global_head_dim);
  EXPECT_EQ(a.d_ff, b.d_ff);
  EXPECT_EQ(a.vocab, b.vocab);
  EXPECT_EQ(a.vocab_ple, b.vocab_ple);
  EXPECT_EQ(a.d_ple, b.d_ple);
  EXPECT_EQ(a.window, b.window);
  EXPECT_EQ(a.max_ctx, b.max_ctx);
  EXPECT_EQ(a.n_kv_shared, b.n_kv_shared);
  EXPECT_FLOAT_EQ(a.rms_eps, b.rms_eps);
  EXPECT_FLOAT_EQ(a.final_softcap, b.final_softcap);
  EXPECT_EQ(a.double_wide_mlp, b.double_wide_mlp);
  EXPECT_EQ(a.k_eq_v, b.k_eq_v);
  EXPECT_EQ(a.tie_embeddings, b.tie_embeddings);
  EXPECT_EQ(a.pad_id, b.pad_id);
  EXPECT_EQ(a.bos_id, b.bos_id);
  EXPECT_EQ(a.eos_id, b.eos_id);
  if (check_extras) {
    EXPECT_EQ(a.n_global_kv_heads, b.n_global_kv_heads);
    EXPECT_EQ(a.activation, b.activation);
    EXPECT_EQ(a.dtype, b.dtype);
  }
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerSpec &x = a.layers[i], &y = b.layers[i];
    EXPECT_EQ(x.type, y.type) << i;
    EXPECT_EQ(x.head_dim, y.head_dim) << i;
    EXPECT_EQ(x.n_kv_heads, y.n_kv_heads) << i;
    EXPECT_EQ(x.k_eq_v, y.k_eq_v) << i;
    EXPECT_EQ(x.kv_shared, y.kv_shared) << i;
    EXPECT_EQ(x.kv_source, y.kv_source) << i;
    EXPECT_EQ(x.d_ff, y.d_ff) << i;
    EXPECT_FLOAT_EQ(x.rope_theta, y.rope_theta) << i;
    EXPECT_EQ(x.rope_pairs, y.rope_pairs) << i;
    EXPECT_EQ(x.rope_proportional, y.rope_proportional) << i;
  }
}

class OurGguf : public ::testing::TestWithParam<const char*> {};

TEST_P(OurGguf, ConfigRoundTrip) {
  TempDir dir;
  std::string out = dir.path() + "/m.gguf";
  test::CliResult r = test::RunCli("quantize " + Tiny(GetParam()) + " " + out +
                                   " --no-tokenizer --type f16");
  ASSERT_EQ(r.code, 0) << r.output;
  Result<Gemma4Config> want = LoadGemma4Config(Tiny(GetParam()));
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto g = GgufFile::Open(out);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  Result<Gemma4Config> got = ConfigFromGguf(*g.value());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameText(got->text, want->text, true);
  EXPECT_EQ(got->eos_ids, want->eos_ids);
  EXPECT_EQ(got->image_token_id, want->image_token_id);
  EXPECT_EQ(got->video_token_id, want->video_token_id);
  EXPECT_EQ(got->audio_token_id, want->audio_token_id);
  EXPECT_EQ(got->boi_token_id, want->boi_token_id);
  EXPECT_EQ(got->eoi_token_id, want->eoi_token_id);
  EXPECT_EQ(got->boa_token_id, want->boa_token_id);
  EXPECT_EQ(got->eoa_token_id, want->eoa_token_id);
  EXPECT_EQ(got->vision_soft_tokens_per_image,
            want->vision_soft_tokens_per_image);
  EXPECT_EQ(got->vision.present, want->vision.present);
  EXPECT_EQ(got->vision.hidden_size, want->vision.hidden_size);
  EXPECT_EQ(got->vision.json, want->vision.json);
  EXPECT_EQ(got->audio.json, want->audio.json);
  EXPECT_FLOAT_EQ(got->temperature, want->temperature);
  EXPECT_EQ(got->top_k, want->top_k);
  // The whole model opens through ModelSource as a GGUF.
  auto src = ModelSource::Open(out);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_EQ(src.value()->format(), ModelFormat::kGguf);
  EXPECT_NE(src.value()->Find("blk.0.attn_q.weight"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Tiny, OurGguf,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

// What llama.cpp's converter writes: gemma4.* + tokenizer.ggml.* keys, GGUF
// tensor names, rope_freqs; no edgemma.* keys. Special ids come from the
// tokenizer keys and token strings.
TEST(LlamaCppGguf, LoadsWithoutEdgemmaKeys) {
  Result<Gemma4Config> want = LoadGemma4Config(Tiny("tiny-e2b"));
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  const TextConfig& t = want->text;
  GgufWriter w;
  w.AddString(kGgufArchitecture, "gemma4");
  w.AddU32(kGgufContextLength, t.max_ctx);
  w.AddU32(kGgufEmbeddingLength, t.d_model);
  w.AddU32(kGgufBlockCount, t.n_layers);
  std::vector<uint32_t> ffn;
  std::vector<bool> sliding;
  for (const LayerSpec& l : t.layers) {
    ffn.push_back(l.d_ff);
    sliding.push_back(l.type == LayerType::kSliding);
  }
  w.AddU32Array(kGgufFeedForwardLength, ffn);
  w.AddU32(kGgufHeadCount, t.n_heads);
  w.AddU32(kGgufHeadCountKv, t.n_kv_heads);
  w.AddU32(kGgufKeyLength, t.global_head_dim);
  w.AddU32(kGgufValueLength, t.global_head_dim);
  w.AddU32(kGgufKeyLengthSwa, t.head_dim);
  w.AddU32(kGgufValueLengthSwa, t.head_dim);
  w.AddU32(kGgufSlidingWindow, t.window);
  w.AddBoolArray(kGgufSlidingPattern, sliding);
  w.AddU32(kGgufSharedKvLayers, t.n_kv_shared);
  w.AddF32(kGgufRmsEps, t.rms_eps);
  w.AddU32(kGgufPleWidth, t.d_ple);
  w.AddF32(kGgufRopeBase, 1e6f);
  w.AddF32(kGgufRopeBaseSwa, 1e4f);
  w.AddU32(kGgufRopeDims, t.global_head_dim);
  w.AddU32(kGgufRopeDimsSwa, t.head_dim);
  w.AddF32(kGgufFinalSoftcap, t.final_softcap);
  std::vector<std::string> tokens(t.vocab);
  for (int i = 0; i < t.vocab; ++i) tokens[i] = "tok" + std::to_string(i);
  tokens[want->image_token_id] = "<|image|>";
  tokens[want->boa_token_id] = "<|audio>";
  w.AddString(kGgufTokModel, "gemma4");
  w.AddStringArray(kGgufTokTokens, tokens);
  w.AddU32(kGgufTokBos, t.bos_id);
  w.AddU32(kGgufTokEos, t.eos_id);
  w.AddU32(kGgufTokPad, t.pad_id);
  std::vector<uint8_t> zeros(
      std::max(size_t(t.vocab) * t.d_model * 4,
               size_t(t.vocab_ple) * t.n_layers * t.d_ple * 2));
  auto z = [&zeros](size_t n) {
    return [&zeros, n](TensorSink& s) { return s.Write(zeros.data(), n); };
  };
  w.AddTensor("token_embd.weight", DType::kF32, {t.vocab, t.d_model},
              z(size_t(t.vocab) * t.d_model * 4));
  w.AddTensor("per_layer_token_embd.weight", DType::kF16,
              {t.vocab_ple, int64_t{t.n_layers} * t.d_ple},
              z(size_t(t.vocab_ple) * t.n_layers * t.d_ple * 2));
  std::vector<float> freqs = RopeFreqs(want.value());
  w.AddTensor(
      "rope_freqs.weight", DType::kF32, {int64_t(freqs.size())},
      [&](TensorSink& s) { return s.Write(freqs.data(), freqs.size() * 4); });
  TempDir dir;
  ASSERT_TRUE(w.WriteFile(dir.path() + "/l.gguf", false).ok());
  auto g = GgufFile::Open(dir.path() + "/l.gguf");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  Result<Gemma4Config> got = ConfigFromGguf(*g.value());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameText(got->text, t, false);
  EXPECT_EQ(got->image_token_id, want->image_token_id);
  EXPECT_EQ(got->boa_token_id, want->boa_token_id);
  EXPECT_EQ(got->video_token_id, -1);
  EXPECT_EQ(got->eos_ids, std::vector<int>{t.eos_id});
}

TEST(LlamaCppGguf, MissingRequiredKeyIsNamed) {
  GgufWriter w;
  w.AddString(kGgufArchitecture, "gemma4");
  w.AddU32(kGgufContextLength, 128);
  TempDir dir;
  ASSERT_TRUE(w.WriteFile(dir.path() + "/l.gguf", false).ok());
  auto g = GgufFile::Open(dir.path() + "/l.gguf");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  Result<Gemma4Config> got = ConfigFromGguf(*g.value());
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("gemma4.embedding_length"),
            std::string::npos)
      << got.status().message();
  GgufWriter other;
  other.AddString(kGgufArchitecture, "llama");
  ASSERT_TRUE(other.WriteFile(dir.path() + "/o.gguf", false).ok());
  auto o = GgufFile::Open(dir.path() + "/o.gguf");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(ConfigFromGguf(*o.value()).status().code(),
            StatusCode::kUnsupported);
}

TEST(GgufWriterWithH1Reader, MetadataAndTensors) {
  GgufWriter w;
  w.AddU8("a.u8", 7);
  w.AddI64("a.i64", -5);
  w.AddF64("a.f64", 0.25);
  w.AddBool("a.bool", true);
  w.AddString("a.str", "x y");
  w.AddStringArray("a.strs", {"p", "", "q"});
  w.AddI32Array("a.ints", {3, -4});
  std::vector<float> data = {1, 2, 3, 4, 5, 6};
  w.AddTensor("t", DType::kF32, {2, 3}, [&](TensorSink& s) {
    return s.Write(data.data(), data.size() * 4);
  });
  TempDir dir;
  ASSERT_TRUE(w.WriteFile(dir.path() + "/w.gguf", false).ok());
  auto g = GgufFile::Open(dir.path() + "/w.gguf");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g.value()->version(), 3u);
  EXPECT_EQ(g.value()->GetInt("a.u8").value(), 7);
  EXPECT_EQ(g.value()->GetInt("a.i64").value(), -5);
  EXPECT_EQ(g.value()->GetFloat("a.f64").value(), 0.25);
  EXPECT_TRUE(g.value()->GetBool("a.bool").value());
  EXPECT_EQ(g.value()->GetString("a.str").value(), "x y");
  const GgufValue* strs = g.value()->Get("a.strs");
  ASSERT_NE(strs, nullptr);
  ASSERT_EQ(strs->count, 3u);
  EXPECT_EQ(strs->ArrayString(2), "q");
  EXPECT_EQ(g.value()->Get("a.ints")->ArrayInt(1), -4);
  const TensorInfo* t = g.value()->Find("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(0, std::memcmp(t->data, data.data(), 24));
}

}  // namespace
}  // namespace edgemma
