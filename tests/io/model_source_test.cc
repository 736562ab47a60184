#include "core/io/model_source.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/io/test_files.h"

namespace edgemma {
namespace {

using testing::TempDir;
using testing::WriteBytes;

const std::string kTiny =
    std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e2b";

TEST(ModelSource, OpensHfDirectory) {
  auto r = ModelSource::Open(kTiny);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ModelSource& m = *r.value();
  EXPECT_EQ(m.format(), ModelFormat::kHfDirectory);
  EXPECT_EQ(m.gguf(), nullptr);
  ASSERT_NE(m.safetensors(), nullptr);
  EXPECT_EQ(m.tensors().size(), m.safetensors()->tensors().size());
  const TensorInfo* e = m.Find("model.language_model.embed_tokens.weight");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->shape[0], m.config().text.vocab);
  EXPECT_EQ(e->shape[1], m.config().text.d_model);
  ASSERT_NE(m.FileOf(*e), nullptr);
  EXPECT_EQ(m.FileOf(*e)->path(), kTiny + "/model.safetensors");
}

TEST(ModelSource, ClearErrors) {
  auto missing = ModelSource::Open("/nonexistent/model");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/model"),
            std::string::npos);

  TempDir dir;
  auto no_config = ModelSource::Open(dir.path());
  EXPECT_EQ(no_config.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_config.status().message().find("config.json"),
            std::string::npos);

  std::string cfg;
  {
    FILE* f = std::fopen((kTiny + "/config.json").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;)
      cfg.append(buf, n);
    std::fclose(f);
  }
  WriteBytes(dir.File("config.json"), cfg);
  auto no_weights = ModelSource::Open(dir.path());
  EXPECT_EQ(no_weights.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_weights.status().message().find("model.safetensors"),
            std::string::npos);

  WriteBytes(dir.File("junk.gguf"), "not a gguf file at all, just text");
  auto junk = ModelSource::Open(dir.File("junk.gguf"));
  EXPECT_EQ(junk.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(junk.status().message().find("junk.gguf"), std::string::npos);
}

}  // namespace
}  // namespace edgemma
