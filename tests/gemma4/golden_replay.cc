#include "tests/gemma4/golden_replay.h"

#include <algorithm>

namespace edgemma::test {
namespace {

bool IsLogitsKind(const std::string& kind) {
  return kind == "text_logits" || kind == "mm_text_logits";
}

// Inputs of a logits case: ids, soft tokens (may be empty) and their positions
// (may be empty).
struct LogitsInputs {
  std::vector<int32_t> ids, mm_positions;
  std::vector<float> soft;
};

Result<LogitsInputs> ReadLogitsInputs(const GoldenCase& c) {
  LogitsInputs in;
  EM_ASSIGN_OR_RETURN(in.ids, ReadIds(c.input("input_ids")));
  if (!c.input("soft_tokens").empty()) {
    EM_ASSIGN_OR_RETURN(in.soft, ReadFloats(c.input("soft_tokens"), nullptr));
  }
  if (!c.input("mm_positions").empty()) {
    EM_ASSIGN_OR_RETURN(in.mm_positions, ReadIds(c.input("mm_positions")));
  }
  return in;
}

Status CompareRows(const float* ours, const std::string& expected_path,
                   int64_t n, float* max_abs) {
  EM_ASSIGN_OR_RETURN(std::vector<float> want,
                      ReadFloats(expected_path, nullptr));
  if (static_cast<int64_t>(want.size()) != n) {
    return InvalidArgument(expected_path + ": " + std::to_string(want.size()) +
                           " values, produced " + std::to_string(n));
  }
  *max_abs = std::max(*max_abs, MaxAbsDiff(ours, want.data(), n));
  return Status::Ok();
}

Status ReplayLogits(const Model& model, const GoldenCase& c,
                    const RunOptions& o, CaseResult* r) {
  EM_ASSIGN_OR_RETURN(LogitsInputs in, ReadLogitsInputs(c));
  EM_ASSIGN_OR_RETURN(std::vector<float> got,
                      RunLogits(model, in.ids, o, in.soft, in.mm_positions));
  return CompareRows(got.data(), c.expected("logits"),
                     static_cast<int64_t>(got.size()), &r->max_abs);
}

Result<std::unique_ptr<Session>> MakeSession(const Model& model, int ctx,
                                             const RunOptions& o) {
  SessionOptions so;
  so.ctx = ctx;
  so.max_batch = o.chunk > 0 ? o.chunk : ctx;
  so.n_threads = o.threads;
  so.kv_type = o.kv;
  return Session::Create(model, so);
}

// Prefill ids[:P] (in chunks), then decode the rest one at a time.
Status ReplayIncremental(const Model& model, const GoldenCase& c,
                         const RunOptions& o, CaseResult* r) {
  EM_ASSIGN_OR_RETURN(std::vector<int32_t> ids, ReadIds(c.input("input_ids")));
  const int P = static_cast<int>(c.param_int("prefill_len", 1));
  const int64_t V = model.text().vocab;
  EM_ASSIGN_OR_RETURN(std::unique_ptr<Session> s,
                      MakeSession(model, static_cast<int>(ids.size()), o));
  Batch b;
  b.tokens = ids.data();
  b.n = P;
  EM_RETURN_IF_ERROR(s->Prefill(b));
  std::vector<float> steps(s->logits(), s->logits() + V);  // [N - P + 1, V]
  for (size_t t = P; t < ids.size(); ++t) {
    EM_RETURN_IF_ERROR(s->Decode(ids[t]));
    steps.insert(steps.end(), s->logits(), s->logits() + V);
  }
  EM_RETURN_IF_ERROR(CompareRows(steps.data(), c.expected("step_logits"),
                                 static_cast<int64_t>(steps.size()),
                                 &r->max_abs));
  return CompareRows(s->logits(), c.expected("last_logits"), V, &r->max_abs);
}

// Greedy decoding from the prompt; ids must match exactly, step logits within
// tolerance.
Status ReplayGreedy(const Model& model, const GoldenCase& c,
                    const RunOptions& o, CaseResult* r) {
  EM_ASSIGN_OR_RETURN(std::vector<int32_t> prompt,
                      ReadIds(c.input("prompt_ids")));
  EM_ASSIGN_OR_RETURN(std::vector<int32_t> want,
                      ReadIds(c.expected("generated_ids")));
  const int n_new =
      static_cast<int>(c.param_int("max_new_tokens", want.size()));
  const int64_t V = model.text().vocab;
  EM_ASSIGN_OR_RETURN(
      std::unique_ptr<Session> s,
      MakeSession(model, static_cast<int>(prompt.size()) + n_new, o));
  Batch b;
  b.tokens = prompt.data();
  b.n = static_cast<int>(prompt.size());
  EM_RETURN_IF_ERROR(s->Prefill(b));
  std::vector<float> steps;
  std::vector<int32_t> got;
  for (int j = 0; j < n_new; ++j) {
    steps.insert(steps.end(), s->logits(), s->logits() + V);
    got.push_back(ArgMax(s->logits(), V));
    if (j + 1 < n_new) EM_RETURN_IF_ERROR(s->Decode(got.back()));
  }
  r->ids_match = got == want;
  return CompareRows(steps.data(), c.expected("step_logits"),
                     static_cast<int64_t>(steps.size()), &r->max_abs);
}

}  // namespace

std::vector<CaseResult> ReplayGolden(const Model& model,
                                     const std::string& golden_dir,
                                     const RunOptions& options) {
  std::vector<CaseResult> out;
  Result<std::vector<GoldenCase>> cases = LoadManifest(golden_dir);
  if (!cases.ok()) {
    out.push_back(
        CaseResult{"manifest", true, 0.f, false, cases.status().ToString()});
    return out;
  }
  for (const GoldenCase& c : cases.value()) {
    CaseResult r;
    r.name = c.name;
    Status st = Status::Ok();
    if (IsLogitsKind(c.kind)) {
      r.ran = true;
      st = ReplayLogits(model, c, options, &r);
    } else if (c.kind == "text_incremental") {
      r.ran = true;
      st = ReplayIncremental(model, c, options, &r);
    } else if (c.kind == "greedy_generate") {
      r.ran = true;
      st = ReplayGreedy(model, c, options, &r);
    }
    if (!st.ok()) r.error = st.ToString();
    out.push_back(r);
  }
  return out;
}

Result<CompareResult> CompareOnGoldenInputs(const Model& model,
                                            const Model& reference,
                                            const std::string& golden_dir,
                                            float margin) {
  EM_ASSIGN_OR_RETURN(std::vector<GoldenCase> cases, LoadManifest(golden_dir));
  CompareResult r;
  const int64_t V = model.text().vocab;
  for (const GoldenCase& c : cases) {
    if (!IsLogitsKind(c.kind)) continue;
    EM_ASSIGN_OR_RETURN(LogitsInputs in, ReadLogitsInputs(c));
    EM_ASSIGN_OR_RETURN(std::vector<float> got,
                        RunLogits(model, in.ids, {}, in.soft, in.mm_positions));
    EM_ASSIGN_OR_RETURN(
        std::vector<float> ref,
        RunLogits(reference, in.ids, {}, in.soft, in.mm_positions));
    r.max_abs =
        std::max(r.max_abs, MaxAbsDiff(got.data(), ref.data(), got.size()));
    for (size_t t = 0; t < in.ids.size(); ++t) {
      const float* g = got.data() + t * V;
      std::vector<float> row(ref.data() + t * V, ref.data() + (t + 1) * V);
      const bool agree = ArgMax(g, V) == ArgMax(row.data(), V);
      std::partial_sort(row.begin(), row.begin() + 2, row.end(),
                        std::greater<float>());
      ++r.rows;
      r.top1_agree += agree;
      if (row[0] - row[1] > margin) {
        ++r.decisive_rows;
        r.decisive_agree += agree;
      }
    }
  }
  return r;
}

}  // namespace edgemma::test
