// End to end (golden audio_text of both tiny models): log-mel -> our encoder
// -> soft tokens at the <|audio|> placeholders -> logits. Once with the whole
// clip encoded first, once streamed: the session is prefilled up to <|audio>,
// then takes soft tokens as the encoder stream emits them (fed one log-mel
// frame at a time), then the rest of the ids.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/audio/audio_test_util.h"
#include "tests/gemma4/model_test_util.h"

namespace edgemma::test {
namespace {

struct AudioText {
  std::vector<int32_t> ids;
  MelInput mel;
  std::vector<float> logits;  // [T, vocab]
  double atol = 0;
};

Result<AudioText> Load(const std::string& model) {
  const std::string g = TestdataDir(model + "-golden");
  EM_ASSIGN_OR_RETURN(std::vector<GoldenCase> cases, LoadManifest(g));
  AudioText a;
  for (const GoldenCase& c : cases) {
    if (c.name == "audio_log_mel") {
      EM_ASSIGN_OR_RETURN(
          a.mel, ReadMel(c.expected("log_mel.0"), c.expected("log_mel.1")));
    }
    if (c.name == "audio_text") {
      EM_ASSIGN_OR_RETURN(a.ids, ReadIds(c.input("input_ids")));
      EM_ASSIGN_OR_RETURN(a.logits, ReadFloats(c.expected("logits"), nullptr));
      a.atol = c.atol;
    }
  }
  if (a.ids.empty() || a.mel.frames == 0)
    return NotFound(g + ": audio cases missing");
  return a;
}

// Pushes soft tokens into the session as audio placeholders.
struct SessionSink {
  Session* session;
  int32_t audio_id;
  std::vector<int32_t> ids;
  std::vector<uint8_t> use;
  std::vector<float>* logits;  // rows appended per token
  int64_t vocab;
};

Status PushTokens(void* user, const float* tokens, int n, int64_t) {
  SessionSink* s = static_cast<SessionSink*>(user);
  s->ids.assign(n, s->audio_id);
  s->use.assign(n, 1);
  Batch b;
  b.tokens = s->ids.data();
  b.n = n;
  b.embeddings = tokens;
  b.use_embedding = s->use.data();
  EM_RETURN_IF_ERROR(s->session->Prefill(b));
  for (int r = 0; r < n; ++r) {
    const float* row = s->session->logits_row(r);
    s->logits->insert(s->logits->end(), row, row + s->vocab);
  }
  return Status::Ok();
}

class TinyAudioText : public ::testing::TestWithParam<const char*> {};

TEST_P(TinyAudioText, WholeClipSoftTokensGiveGoldenLogits) {
  Result<AudioText> a = Load(GetParam());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Result<std::unique_ptr<Model>> model = Model::Load(TestdataDir(GetParam()));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()));
  ASSERT_TRUE(rig.ok()) << rig.status().ToString();
  Result<std::vector<float>> soft = EncodeWhole(*rig, a->mel);
  ASSERT_TRUE(soft.ok()) << soft.status().ToString();
  ASSERT_EQ(rig->encoder->text_d(), (*model)->text().d_model);
  Result<std::vector<float>> logits = RunLogits(**model, a->ids, {}, *soft);
  ASSERT_TRUE(logits.ok()) << logits.status().ToString();
  const float err =
      MaxAbsDiff(logits->data(), a->logits.data(), a->logits.size());
  std::printf("%s audio_text: max_abs %.3g (atol %.3g)\n", GetParam(), err,
              a->atol);
  EXPECT_LE(err, a->atol);
}

TEST_P(TinyAudioText, StreamedSoftTokensIntoSessionGiveGoldenLogits) {
  Result<AudioText> a = Load(GetParam());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Result<std::unique_ptr<Model>> model = Model::Load(TestdataDir(GetParam()));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  AudioStreamOptions o;
  o.max_block = 4;
  Result<AudioRig> rig = MakeAudioRig(TestdataDir(GetParam()), o);
  ASSERT_TRUE(rig.ok()) << rig.status().ToString();
  const Gemma4Config& cfg = (*model)->config();
  const std::vector<int32_t>& ids = a->ids;
  const auto first = std::find(ids.begin(), ids.end(), cfg.audio_token_id);
  const auto last = std::find(first, ids.end(), cfg.eoa_token_id);
  ASSERT_TRUE(first != ids.end() && last != ids.end());
  ASSERT_EQ(*(first - 1), cfg.boa_token_id);
  const int64_t vocab = (*model)->text().vocab;
  SessionOptions so;
  so.ctx = static_cast<int>(ids.size());
  so.max_batch = 8;
  so.all_logits = true;
  Result<std::unique_ptr<Session>> session = Session::Create(**model, so);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<float> logits;
  auto prefill = [&](const int32_t* p, int n) {
    Batch b;
    b.tokens = p;
    b.n = n;
    Status st = (*session)->Prefill(b);
    for (int r = 0; st.ok() && r < std::min(n, so.max_batch); ++r) {
      // Prefill splits into chunks of max_batch; only the last chunk's rows
      // are kept, so feed text in pieces of at most max_batch.
      const float* row = (*session)->logits_row(r);
      logits.insert(logits.end(), row, row + vocab);
    }
    return st;
  };
  const int head = static_cast<int>(first - ids.begin());
  for (int i = 0; i < head; i += so.max_batch)
    ASSERT_TRUE(prefill(ids.data() + i, std::min(so.max_batch, head - i)).ok());
  SessionSink sink{session->get(), cfg.audio_token_id, {}, {}, &logits, vocab};
  const int64_t n_mel = rig->encoder->n_mel();
  rig->stream->Reset();
  for (int64_t f = 0; f < a->mel.frames; ++f)
    ASSERT_TRUE(
        rig->stream->Feed(a->mel.mel.data() + f * n_mel, 1, PushTokens, &sink)
            .ok());
  ASSERT_TRUE(rig->stream->Finish(PushTokens, &sink).ok());
  ASSERT_EQ(rig->stream->tokens_emitted(), last - first) << "placeholder count";
  const int tail0 = static_cast<int>(last - ids.begin());
  const int n = static_cast<int>(ids.size());
  for (int i = tail0; i < n; i += so.max_batch)
    ASSERT_TRUE(prefill(ids.data() + i, std::min(so.max_batch, n - i)).ok());
  ASSERT_EQ(logits.size(), a->logits.size());
  EXPECT_LE(MaxAbsDiff(logits.data(), a->logits.data(), a->logits.size()),
            a->atol);
}

INSTANTIATE_TEST_SUITE_P(Tiny, TinyAudioText,
                         ::testing::Values("tiny-e2b", "tiny-e4b"));

}  // namespace
}  // namespace edgemma::test
