// `edgemma assistant` end to end (fixture: listen_cli_fixture.h): one answer
// and one --stats line per utterance from a WAV, the same from an ALSA `file`
// plugin PCM (same turns and answers; with barge-in still one whole turn per
// utterance), and barge-in on paced input.
#include <gtest/gtest.h>

#include "tests/audio/listen_cli_fixture.h"

namespace edgemma::listen_test {
namespace {

TEST_F(ListenCli, AssistantAnswersEachUtteranceWithStats) {
  const std::string cmd =
      std::string(EDGEMMA_BIN_DIR) + "/edgemma assistant -m '" + Path("model") +
      "' -n 4 --threads 2 --stats --say 'cat >> " + Path("said.txt") +
      "' --input '" + Path("in.wav") + "' > '" + Path("as.out") + "' 2> '" +
      Path("as.err") + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream out(Path("as.out")), err(Path("as.err"));
  std::string line;
  int answers = 0;
  while (std::getline(out, line)) ++answers;
  EXPECT_EQ(answers, 4);  // one answer line per utterance
  std::vector<nlohmann::json> stats;
  while (std::getline(err, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("end_of_speech_to_first_token_ms"))
      stats.push_back(j);
  }
  ASSERT_EQ(stats.size(), 4u);
  std::ifstream said(Path("said.txt"));
  std::string spoken((std::istreambuf_iterator<char>(said)),
                     std::istreambuf_iterator<char>());
  EXPECT_FALSE(spoken.empty()) << "--say received nothing";
  for (size_t i = 0; i < stats.size(); ++i) {
    EXPECT_EQ(stats[i]["turn"], i + 1);
    EXPECT_GE(stats[i]["end_of_speech_to_first_token_ms"].get<double>(), 0.0);
    // ~1.2-1.9 s of speech at 25 tokens/s, streamed before the end.
    EXPECT_GT(stats[i]["audio_tokens"].get<int>(), 25);
    // Later turns extend the conversation, earlier turns (with their audio)
    // stay in the KV cache.
    if (i > 0) {
      EXPECT_GT(stats[i]["prompt_tokens"].get<int>(),
                stats[i - 1]["prompt_tokens"].get<int>());
      EXPECT_GT(stats[i]["reused_tokens"].get<int>(),
                stats[i - 1]["audio_tokens"].get<int>());
    }
  }
}

// The assistant on the ALSA capture path (capture thread, ring, conversion),
// from the same samples as in.wav: the same turns and, without barge-in, the
// same answers as from the file.
TEST_F(ListenCli, AssistantFromAlsaFilePluginAnswersEachUtterance) {
  const std::string home = AlsaHome();
  if (home.empty()) GTEST_SKIP() << "alsa-lib has no plugin configuration";
  ASSERT_EQ(
      std::system((Assistant("--input '" + Path("in.wav") + "'") + " > '" +
                   Path("ref.out") + "' 2> '" + Path("ref.err") + "'")
                      .c_str()),
      0);
  const auto ref = Stats(Path("ref.err"));
  const auto ref_answers = TextLines(Path("ref.out"));
  ASSERT_EQ(ref.size(), 4u);
  ASSERT_EQ(ref_answers.size(), 4u);
  // The unpaced device never ends: SIGTERM once the fourth turn is done.
  auto run = [&](const std::string& more, const std::string& name) {
    const std::string err = Path(name + ".err");
    const pid_t pid = Spawn(Assistant("--device edgemma_test " + more), home,
                            Path(name + ".out"), err);
    EXPECT_GT(pid, 0);
    for (int i = 0; i < 600 && Stats(err).size() < 4; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << name << ": status " << status;
    return Stats(err);
  };
  const auto got = run("--no-barge-in", "alsa_as");
  ASSERT_EQ(got.size(), 4u);  // one turn per utterance, no more
  EXPECT_EQ(TextLines(Path("alsa_as.out")), ref_answers);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["turn"], i + 1);
    EXPECT_FALSE(got[i]["barged_in"].get<bool>());
    EXPECT_GE(got[i]["end_of_speech_to_first_token_ms"].get<double>(), 0.0);
    for (const char* k :
         {"audio_tokens", "prompt_tokens", "reused_tokens", "generated_tokens"})
      EXPECT_EQ(got[i][k], ref[i][k]) << k << " in turn " << i + 1;
  }
  // With barge-in (the default on a device): this plugin delivers the next
  // utterance while the answer runs, so answers may be cut, but every
  // utterance is still one whole turn (the speech read while answering goes
  // back to the capture loop).
  const auto barged = run("", "alsa_barge");
  ASSERT_EQ(barged.size(), 4u);
  for (size_t i = 0; i < barged.size(); ++i)
    EXPECT_EQ(barged[i]["audio_tokens"], ref[i]["audio_tokens"]) << i + 1;
  EXPECT_FALSE(barged[3]["barged_in"].get<bool>());  // nothing follows it
}

TEST_F(ListenCli, AssistantBargeInStopsTheAnswerAndKeepsTheSpeech) {
  const std::string two = Path("two.wav");
  ASSERT_EQ(std::system(("sox '" + Path("p.wav") + "' '" + Path("p.wav") +
                         "' '" + two + "'")
                            .c_str()),
            0);
  // Paced: the second utterance starts ~1.4 s into a long answer (1500
  // tokens at most).
  const char* home = getenv("HOME");
  const pid_t pid =
      Spawn(Assistant("-n 1500 --ctx 4096 --realtime --input '" + two + "'"),
            home ? home : "/", Path("barge.out"), Path("barge.err"));
  ASSERT_GT(pid, 0);
  // The second answer is not needed whole: once it is being printed (its
  // turn has all of its audio) SIGTERM stops it, which saves its up to 1500
  // tokens of test time. "Being printed" is output past what stdout held when
  // the first turn's stats line appeared: the first answer itself may hold
  // newlines (random weights), so the first newline does not end it.
  int status = 0;
  bool exited = false;
  size_t first_answer_bytes = std::string::npos;
  for (int i = 0; i < 1200 && !exited; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    exited = waitpid(pid, &status, WNOHANG) == pid;
    std::ifstream o(Path("barge.out"));
    const std::string text((std::istreambuf_iterator<char>(o)),
                           std::istreambuf_iterator<char>());
    if (first_answer_bytes == std::string::npos) {
      if (!Stats(Path("barge.err")).empty()) first_answer_bytes = text.size();
    } else if (text.size() > first_answer_bytes) {
      break;
    }
  }
  if (!exited) {
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const auto stats = Stats(Path("barge.err"));
  ASSERT_GE(stats.size(), 1u);
  // Barge-in is judged against the live stream: when taking in the first
  // utterance fell behind real time (a loaded machine: ~1.2-1.9 s of speech
  // plus the end-of-speech silence normally take under 3 s), the interruption
  // was already over before the answer began, and there is nothing to test.
  if (stats[0]["speech_ms"].get<double>() > 4000.0)
    GTEST_SKIP() << "audio intake fell behind real time (speech_ms "
                 << stats[0]["speech_ms"] << ")";
  ASSERT_EQ(stats.size(), 2u);
  if (stats[0]["generated_tokens"].get<int>() < 60)
    GTEST_SKIP() << "the answer ended before the next utterance";
  // The answer (up to 1500 tokens, ~3 s on an idle x86 core) must still be
  // running when the second utterance starts, ~1.4 s in.
  if (!stats[0]["barged_in"].get<bool>() &&
      stats[0]["decode_ms"].get<double>() < 2500.0)
    GTEST_SKIP() << "the answer was over before the interruption (decode_ms "
                 << stats[0]["decode_ms"] << ")";
  EXPECT_TRUE(stats[0]["barged_in"].get<bool>())
      << "speech_ms " << stats[0]["speech_ms"] << ", decode_ms "
      << stats[0]["decode_ms"];
  // The interrupting speech reached the next turn whole.
  EXPECT_EQ(stats[1]["audio_tokens"], stats[0]["audio_tokens"]);
}

}  // namespace
}  // namespace edgemma::listen_test
