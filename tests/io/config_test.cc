#include "core/io/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/convert/known_configs.h"

namespace edgemma {
namespace {

using nlohmann::json;

struct RefLayer {
  int full, head_dim, n_kv_heads, kv_shared, kv_source, d_ff, rope_pairs;
};
#include "tests/io/reference_layer_tables.inc"

const std::string kShared = EDGEMMA_SHARED_DIR;

template <size_t N>
void ExpectTable(const Gemma4Config& c, const RefLayer (&ref)[N]) {
  ASSERT_EQ(c.text.layers.size(), N);
  for (size_t i = 0; i < N; ++i) {
    const LayerSpec& l = c.text.layers[i];
    SCOPED_TRACE("layer " + std::to_string(i));
    EXPECT_EQ(l.type == LayerType::kFull, ref[i].full == 1);
    EXPECT_EQ(l.head_dim, ref[i].head_dim);
    EXPECT_EQ(l.n_kv_heads, ref[i].n_kv_heads);
    EXPECT_EQ(l.kv_shared, ref[i].kv_shared == 1);
    EXPECT_EQ(l.kv_source, ref[i].kv_source);
    EXPECT_EQ(l.d_ff, ref[i].d_ff);
    EXPECT_EQ(l.rope_pairs, ref[i].rope_pairs);
    EXPECT_EQ(l.rope_proportional, ref[i].full == 1);
    EXPECT_FLOAT_EQ(l.rope_theta, ref[i].full ? 1e6f : 1e4f);
  }
}

Gemma4Config MustParse(const std::string& text) {
  auto r = ParseGemma4Config(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : Gemma4Config{};
}

json Known(const char* name) {
  auto r = KnownConfigJson(name);
  EXPECT_TRUE(r.ok());
  return json::parse(r.value());
}

TEST(Config, TinyE2bMatchesReference) {
  auto r = LoadGemma4Config(kShared + "/testdata/tiny-e2b");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Gemma4Config& c = r.value();
  ExpectTable(c, kTinyE2b);
  EXPECT_EQ(c.text.layers[10].kv_source, 8);
  EXPECT_EQ(c.text.layers[14].kv_source, 9);
  EXPECT_EQ(c.text.d_model, 64);
  EXPECT_EQ(c.text.vocab, 512);
  EXPECT_EQ(c.text.bos_id, 4);
  EXPECT_EQ(c.text.pad_id, 5);
  EXPECT_EQ(c.text.eos_id, 6);
  EXPECT_EQ(c.eos_ids, (std::vector<int>{6, 10}));
  EXPECT_EQ(c.image_token_id, 499);
  EXPECT_EQ(c.eoa_token_id, 503);
  EXPECT_EQ(c.vision_soft_tokens_per_image, 16);
  EXPECT_TRUE(c.vision.present);
  EXPECT_EQ(c.vision.hidden_size, 32);
  EXPECT_TRUE(c.audio.present);
  EXPECT_EQ(json::parse(c.audio.json)["output_proj_dims"], 48);
  EXPECT_FLOAT_EQ(c.text.final_softcap, 30.f);
  EXPECT_EQ(c.text.dtype, "bfloat16");
  EXPECT_EQ(c.text.first_shared(), 10);
}

TEST(Config, TinyE4bMatchesReference) {
  auto r = LoadGemma4Config(kShared + "/testdata/tiny-e4b");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectTable(r.value(), kTinyE4b);
  EXPECT_EQ(r.value().text.layers[12].kv_source, 10);
  EXPECT_EQ(r.value().text.layers[17].kv_source, 11);
}

TEST(Config, RealE2bTable) {
  const Gemma4Config c = MustParse(KnownConfigJson("e2b").value());
  ExpectTable(c, kRealE2b);
  for (int i = 0; i < 35; ++i) {
    EXPECT_EQ(c.text.layers[i].d_ff, i >= 15 ? 12288 : 6144) << i;
    if (i >= 15) {
      EXPECT_EQ(c.text.layers[i].kv_source, (i + 1) % 5 ? 13 : 14) << i;
    }
  }
  EXPECT_EQ(c.text.layers[0].head_dim, 256);
  EXPECT_EQ(c.text.layers[4].head_dim, 512);
  EXPECT_EQ(c.text.layers[0].rope_pairs, 128);
  EXPECT_EQ(c.text.layers[4].rope_pairs, 64);
  EXPECT_EQ(c.eos_ids, (std::vector<int>{1, 106}));
  EXPECT_EQ(c.image_token_id, 258880);
  EXPECT_EQ(c.audio.hidden_size, 1024);
  EXPECT_EQ(c.vision.hidden_size, 768);
}

TEST(Config, RealE4bTable) {
  const Gemma4Config c = MustParse(KnownConfigJson("e4b").value());
  ExpectTable(c, kRealE4b);
  for (int i = 24; i < 42; ++i) {
    EXPECT_EQ(c.text.layers[i].kv_source, (i + 1) % 6 ? 22 : 23) << i;
    EXPECT_EQ(c.text.layers[i].d_ff, 10240);
  }
  EXPECT_FALSE(KnownConfigJson("e9b").ok());
}

TEST(Config, HfDefaultsAndPostInit) {
  json j = Known("e2b");
  json& t = j["text_config"];
  t.erase("layer_types");
  t.erase("rope_parameters");
  t.erase("global_head_dim");
  t.erase("final_logit_softcapping");
  t["num_hidden_layers"] =
      14;  // default pattern: full at 5, 11; last (13) forced full
  t["num_kv_shared_layers"] = 4;
  const Gemma4Config c = MustParse(j.dump());
  std::vector<int> full;
  for (int i = 0; i < 14; ++i) {
    if (c.text.layers[i].type == LayerType::kFull) full.push_back(i);
  }
  EXPECT_EQ(full, (std::vector<int>{5, 11, 13}));
  EXPECT_EQ(c.text.global_head_dim, 512);  // HF default
  EXPECT_EQ(c.text.layers[5].head_dim, 512);
  EXPECT_EQ(c.text.layers[5].rope_pairs, 64);  // proportional 0.25 default
  EXPECT_FLOAT_EQ(c.text.layers[5].rope_theta, 1e6f);
  EXPECT_FLOAT_EQ(c.text.layers[0].rope_theta, 1e4f);
  EXPECT_EQ(c.text.final_softcap, 0.f);
  EXPECT_EQ(c.text.layers[13].kv_source, 5);  // last non-shared full layer
  EXPECT_EQ(c.text.layers[10].kv_source, 9);  // last non-shared sliding layer
  EXPECT_EQ(c.text.layers[10].d_ff, 2 * 6144);

  json k = Known("e4b");
  k["text_config"]["layer_types"][41] = "sliding_attention";
  const Gemma4Config c2 = MustParse(k.dump());
  EXPECT_EQ(c2.text.layers[41].type, LayerType::kFull);

  json p = Known("e2b");  // optional PLE fields default to HF's 256 / 262144
  p["text_config"].erase("hidden_size_per_layer_input");
  p["text_config"].erase("vocab_size_per_layer_input");
  const Gemma4Config c3 = MustParse(p.dump());
  EXPECT_EQ(c3.text.d_ple, 256);
  EXPECT_EQ(c3.text.vocab_ple, 262144);
}

// shared/reference/gemma4ref/config.py: an omitted field takes HF's default,
// an explicit null stays null (global_head_dim: full layers use head_dim;
// hidden_size_per_layer_input: no PLE; final_logit_softcapping: no softcap).
TEST(Config, ExplicitNullIsNotTheDefault) {
  json j = Known("e2b");
  j["text_config"]["global_head_dim"] = nullptr;
  j["text_config"]["hidden_size_per_layer_input"] = nullptr;
  j["text_config"]["final_logit_softcapping"] = nullptr;
  const Gemma4Config c = MustParse(j.dump());
  EXPECT_EQ(c.text.layers[4].type, LayerType::kFull);
  EXPECT_EQ(c.text.layers[4].head_dim, 256);
  EXPECT_EQ(c.text.d_ple, 0);
  EXPECT_EQ(c.text.vocab_ple, 0);
  EXPECT_EQ(c.text.final_softcap, 0.f);
}

TEST(Config, TextOnlyGemma4Text) {
  json j = Known("e4b")["text_config"];
  const Gemma4Config c = MustParse(j.dump());
  ExpectTable(c, kRealE4b);
  EXPECT_FALSE(c.vision.present);
  EXPECT_EQ(c.image_token_id, -1);
  EXPECT_EQ(c.eos_ids, (std::vector<int>{1}));
}

// Mutates E2B's config and expects an error whose message names `field`.
void ExpectRejected(const std::function<void(json&)>& mutate,
                    const std::string& field) {
  json j = Known("e2b");
  mutate(j);
  auto r = ParseGemma4Config(j.dump());
  ASSERT_FALSE(r.ok()) << "accepted a config with a bad " << field;
  EXPECT_NE(r.status().message().find(field), std::string::npos)
      << r.status().ToString();
}

TEST(Config, InvalidConfigsNameTheField) {
  ExpectRejected([](json& j) { j["text_config"].erase("hidden_size"); },
                 "hidden_size");
  ExpectRejected([](json& j) { j["text_config"]["hidden_size"] = "big"; },
                 "hidden_size");
  ExpectRejected([](json& j) { j["text_config"]["num_key_value_heads"] = 3; },
                 "num_key_value_heads");
  ExpectRejected([](json& j) { j["text_config"]["sliding_window"] = -4; },
                 "sliding_window");
  ExpectRejected([](json& j) { j["text_config"]["vocab_size"] = 0; },
                 "vocab_size");
  ExpectRejected([](json& j) { j["text_config"]["num_kv_shared_layers"] = 35; },
                 "num_kv_shared_layers");
  ExpectRejected([](json& j) { j["text_config"]["layer_types"][3] = "local"; },
                 "layer_types");
  ExpectRejected([](json& j) { j["text_config"]["layer_types"].erase(0); },
                 "layer_types");
  ExpectRejected([](json& j) { j["text_config"]["bos_token_id"] = 999999; },
                 "bos_token_id");
  ExpectRejected([](json& j) { j["eos_token_id"] = {1, "x"}; }, "eos_token_id");
  ExpectRejected([](json& j) { j["text_config"]["enable_moe_block"] = true; },
                 "enable_moe_block");
  // A factor this large made the rotated pair count overflow int (found by
  // fuzz_gguf through the GGUF key; both readers share the check).
  for (double factor : {1e30, -0.5, 1.5}) {
    ExpectRejected(
        [factor](json& j) {
          j["text_config"]["rope_parameters"]["full_attention"]
           ["partial_rotary_factor"] = factor;
        },
        "partial_rotary_factor");
  }
  ExpectRejected([](json& j) { j["model_type"] = "llama"; }, "llama");
  ExpectRejected([](json& j) { j.erase("text_config"); }, "text_config");
  auto bad = ParseGemma4Config("{\"model_type\": ");
  EXPECT_EQ(bad.status().code(), StatusCode::kCorrupt);
  EXPECT_FALSE(LoadGemma4Config("/nonexistent/dir").ok());
}

TEST(Config, ValidateCatchesProgrammaticErrors) {
  Gemma4Config c = MustParse(KnownConfigJson("e2b").value());
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.text.layers[20].kv_source = 20;
  Status s = ValidateConfig(c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("layer 20"), std::string::npos) << s.message();
}

TEST(Config, DescribeLayers) {
  const Gemma4Config c = MustParse(KnownConfigJson("e2b").value());
  const std::string d = c.DescribeLayers();
  EXPECT_EQ(std::count(d.begin(), d.end(), '\n'), 35);
  EXPECT_NE(d.find(" 19 full"), std::string::npos) << d;
  EXPECT_NE(d.find("kv_source=14 shared d_ff=12288"), std::string::npos) << d;
}

}  // namespace
}  // namespace edgemma
