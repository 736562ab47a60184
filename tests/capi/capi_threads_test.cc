// The C API's thread-safety promise (include/edgemma.h): one model serves
// sessions on several threads at once, and each conversation gives exactly
// what it gives alone. Several threads, each with its own sessions (each with
// a worker pool of 2), run different conversations on one shared model, for
// the model's weights as stored and quantized at load; the logits and sampled
// ids must be bitwise those of the same conversations run one after another
// on the main thread with one thread per session. Also: edgemma_last_error() is
// per thread. Run under ThreadSanitizer by the `tsan` stage of scripts/test.sh.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "edgemma.h"

namespace {

const std::string kTiny =
    std::string(EDGEMMA_SHARED_DIR) + "/testdata/tiny-e2b";

constexpr int kThreads = 4;
constexpr int kConversations = 4;  // distinct prompts/seeds
constexpr int kRounds = 2;         // conversations per thread

struct Outcome {
  edgemma_status status = EDGEMMA_ERR_INTERNAL;
  std::string error;
  std::vector<float> logits;       // [vocab] after the prompt's first part
  std::vector<int32_t> generated;  // sampled ids
};

int32_t Collect(int32_t token, const char*, size_t, void* user) {
  static_cast<std::vector<int32_t>*>(user)->push_back(token);
  return 1;
}

// Conversation `which`: a prompt of its own fed in two parts (eval, then
// generate reusing the prefix), sampled with a seed of its own, on a session
// with `n_threads` workers.
Outcome Converse(const edgemma_model* model, int which, int n_threads) {
  Outcome out;
  const int32_t vocab = edgemma_model_vocab_size(model);
  std::vector<int32_t> prompt;
  for (int i = 0; i < 9 + 3 * which; ++i) {
    prompt.push_back(static_cast<int32_t>((11 + 37 * i + 101 * which) % vocab));
  }
  edgemma_session_params p = edgemma_session_default_params();
  p.n_ctx = 64;
  p.n_batch = 4;  // several prefill chunks
  p.n_threads = n_threads;
  std::vector<unsigned char> buffer;
  if (which % 2 == 1) {  // every other conversation in a caller buffer
    size_t bytes = 0;
    out.status = edgemma_session_required_bytes(model, &p, &bytes);
    if (out.status != EDGEMMA_OK) return out;
    buffer.resize(bytes + 64);
    const uintptr_t a = reinterpret_cast<uintptr_t>(buffer.data());
    p.buffer = buffer.data() + ((64 - a % 64) % 64);
    p.buffer_size = bytes;
  }
  edgemma_session* s = nullptr;
  out.status = edgemma_session_create(model, &p, &s);
  if (out.status != EDGEMMA_OK) {
    out.error = edgemma_last_error();
    return out;
  }
  out.logits.resize(static_cast<size_t>(vocab));
  const int32_t first = static_cast<int32_t>(prompt.size() / 2);
  out.status = edgemma_eval_tokens(s, prompt.data(), first, out.logits.data());
  if (out.status == EDGEMMA_OK) {
    edgemma_generate_params g = edgemma_generate_default_params(model);
    g.max_tokens = 6;
    g.sampling.temperature = 0.9f;
    g.sampling.top_k = 40;
    g.sampling.top_p = 0.95f;
    g.sampling.seed = 1000 + which;
    g.on_token = Collect;
    g.user_data = &out.generated;
    out.status = edgemma_generate_tokens(
        s, prompt.data(), static_cast<int32_t>(prompt.size()), &g, nullptr);
  }
  if (out.status != EDGEMMA_OK) out.error = edgemma_last_error();
  edgemma_session_free(s);
  return out;
}

void ExpectSame(const Outcome& got, const Outcome& want,
                const std::string& what) {
  ASSERT_EQ(got.status, EDGEMMA_OK) << what << ": " << got.error;
  EXPECT_EQ(got.generated, want.generated) << what;
  ASSERT_EQ(got.logits.size(), want.logits.size()) << what;
  size_t differ = 0;
  for (size_t i = 0; i < got.logits.size(); ++i) {
    differ += got.logits[i] != want.logits[i];  // bitwise, not approximately
  }
  EXPECT_EQ(differ, 0u) << what
                        << ": logits differ from the single-threaded run";
}

void SessionsOnThreadsMatchTheSequentialRun(edgemma_weight_type weights) {
  edgemma_model_params mp = edgemma_model_default_params();
  mp.weights = weights;
  edgemma_model* model = nullptr;
  ASSERT_EQ(edgemma_model_load(kTiny.c_str(), &mp, &model), EDGEMMA_OK)
      << edgemma_last_error();

  std::vector<Outcome> want;
  for (int c = 0; c < kConversations; ++c) {
    want.push_back(Converse(model, c, 1));  // one thread in all
    ASSERT_EQ(want.back().status, EDGEMMA_OK) << want.back().error;
    ASSERT_FALSE(want.back().generated.empty());
  }

  std::vector<std::vector<Outcome>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        got[t].push_back(Converse(model, (t + r) % kConversations, 2));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int r = 0; r < kRounds; ++r) {
      const int c = (t + r) % kConversations;
      ExpectSame(
          got[t][r], want[c],
          "thread " + std::to_string(t) + " conversation " + std::to_string(c));
    }
  }
  edgemma_model_free(model);
}

TEST(CapiThreads, SessionsOnThreadsMatchTheSequentialRunWeightsAsStored) {
  SessionsOnThreadsMatchTheSequentialRun(EDGEMMA_WEIGHTS_AS_STORED);
}

TEST(CapiThreads, SessionsOnThreadsMatchTheSequentialRunWeightsQ4_0) {
  SessionsOnThreadsMatchTheSequentialRun(EDGEMMA_WEIGHTS_Q4_0);
}

TEST(CapiThreads, LastErrorIsPerThread) {
  std::vector<std::string> messages(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string path = "/nonexistent/thread-" + std::to_string(t);
      for (int i = 0; i < 20; ++i) {
        edgemma_model* m = nullptr;
        if (edgemma_model_load(path.c_str(), nullptr, &m) == EDGEMMA_OK) {
          edgemma_model_free(m);
        }
        std::this_thread::yield();
      }
      messages[t] = edgemma_last_error();
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_NE(messages[t].find("thread-" + std::to_string(t)),
              std::string::npos)
        << "thread " << t << " read: " << messages[t];
  }
}

}  // namespace
