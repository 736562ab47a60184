#include "tests/gemma4/model_test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "quant/ops.h"

namespace edgemma::test {

std::string SharedDir() { return EDGEMMA_SHARED_DIR; }

std::string TestdataDir(const std::string& name) {
  return SharedDir() + "/testdata/" + name;
}

const Model* CachedTestModel(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Model>> models;
  auto it = models.find(name);
  if (it != models.end()) return it->second.get();
  Result<std::unique_ptr<Model>> r = Model::Load(TestdataDir(name));
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  std::unique_ptr<Model>& m = models[name];
  if (r.ok()) m = std::move(r).value();
  return m.get();
}

std::string BuildScratchDir(const std::string& name) {
  std::string dir = std::string(EDGEMMA_BIN_DIR) + "/../test-scratch";
  ::mkdir(dir.c_str(), 0755);
  dir += "/" + name;
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

namespace {

std::string Field(const std::string& json, const char* section,
                  const std::string& key) {
  nlohmann::json c = nlohmann::json::parse(json);
  if (!c.contains(section) || !c[section].contains(key)) return "";
  return c[section][key].get<std::string>();
}

}  // namespace

std::string GoldenCase::input(const std::string& key) const {
  std::string rel = Field(json, "inputs", key);
  return rel.empty() ? "" : dir + "/" + rel;
}

std::string GoldenCase::expected(const std::string& key) const {
  std::string rel = Field(json, "expected", key);
  return rel.empty() ? "" : dir + "/" + rel;
}

int64_t GoldenCase::param_int(const std::string& key, int64_t fallback) const {
  nlohmann::json c = nlohmann::json::parse(json);
  if (!c.contains("params") || !c["params"].contains(key)) return fallback;
  return c["params"][key].get<int64_t>();
}

Result<std::vector<GoldenCase>> LoadManifest(const std::string& golden_dir) {
  std::ifstream in(golden_dir + "/manifest.json");
  if (!in) return NotFound(golden_dir + "/manifest.json: cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json m = nlohmann::json::parse(ss.str(), nullptr, false);
  if (m.is_discarded() || !m.contains("cases"))
    return Corrupt(golden_dir + ": bad manifest");
  std::vector<GoldenCase> out;
  for (const auto& c : m["cases"]) {
    GoldenCase g;
    g.name = c.value("name", "");
    g.kind = c.value("kind", "");
    g.dir = golden_dir;
    g.json = c.dump();
    if (c.contains("tolerance") && c["tolerance"].contains("f32")) {
      g.atol = c["tolerance"]["f32"].value("atol", 0.0);
    }
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::vector<int32_t>> ReadIds(const std::string& path) {
  EM_ASSIGN_OR_RETURN(NpyArray a, ReadNpy(path));
  EM_ASSIGN_OR_RETURN(std::vector<int64_t> v, a.ToInt());
  return std::vector<int32_t>(v.begin(), v.end());
}

Result<std::vector<float>> ReadFloats(const std::string& path,
                                      std::vector<int64_t>* shape) {
  EM_ASSIGN_OR_RETURN(NpyArray a, ReadNpy(path));
  if (shape) *shape = a.shape;
  return a.ToFloat();
}

Result<std::vector<float>> RunLogits(const Model& model,
                                     const std::vector<int32_t>& tokens,
                                     const RunOptions& options,
                                     const std::vector<float>& soft_tokens,
                                     std::vector<int32_t> mm_positions) {
  const int T = static_cast<int>(tokens.size());
  const int64_t V = model.text().vocab, D = model.text().d_model;
  const int chunk = options.chunk > 0 ? options.chunk : std::max(T, 1);
  SessionOptions so;
  so.ctx = std::max(T, 1);
  so.max_batch = chunk;
  so.n_threads = options.threads;
  so.kv_type = options.kv;
  so.act_type = options.act;
  so.all_logits = true;
  if (options.attn_parallel_min_work >= 0)
    so.attn_parallel_min_work = options.attn_parallel_min_work;
  EM_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::Create(model, so));

  std::vector<float> emb;
  std::vector<uint8_t> use;
  if (!soft_tokens.empty()) {
    if (mm_positions.empty()) {
      for (int t = 0; t < T; ++t) {
        if (model.IsMultimodalPlaceholder(tokens[t])) mm_positions.push_back(t);
      }
    }
    if (static_cast<int64_t>(mm_positions.size()) * D !=
        static_cast<int64_t>(soft_tokens.size())) {
      return InvalidArgument(
          "soft token count does not match the placeholder positions");
    }
    emb.assign(static_cast<size_t>(T) * D, 0.f);
    use.assign(T, 0);
    for (size_t j = 0; j < mm_positions.size(); ++j) {
      std::copy_n(soft_tokens.data() + j * D, D,
                  emb.data() + mm_positions[j] * D);
      use[mm_positions[j]] = 1;
    }
  }
  std::vector<float> out(static_cast<size_t>(T) * V);
  for (int start = 0; start < T; start += chunk) {
    Batch b;
    b.n = std::min(chunk, T - start);
    b.tokens = tokens.data() + start;
    if (!use.empty()) {
      b.embeddings = emb.data() + start * D;
      b.use_embedding = use.data() + start;
    }
    EM_RETURN_IF_ERROR(s->Prefill(b));
    for (int r = 0; r < b.n; ++r) {
      std::copy_n(s->logits_row(r), V, out.data() + (start + r) * V);
    }
  }
  return out;
}

float MaxAbsDiff(const float* a, const float* b, int64_t n) {
  float m = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    const float d = std::fabs(a[i] - b[i]);
    if (std::isnan(d)) return INFINITY;  // NaN counts as infinitely different
    m = std::max(m, d);
  }
  return m;
}

int ArgMax(const float* x, int64_t n) {
  return static_cast<int>(std::max_element(x, x + n) - x);
}

void AddLogitsComparison(const std::vector<float>& got,
                         const std::vector<float>& ref, int64_t V,
                         float tie_margin, LogitsStats* s) {
  s->max_abs = std::max(
      s->max_abs,
      MaxAbsDiff(got.data(), ref.data(), static_cast<int64_t>(got.size())));
  for (size_t t = 0; t * V < ref.size(); ++t) {
    std::vector<float> row(ref.begin() + t * V, ref.begin() + (t + 1) * V);
    const bool agree = ArgMax(got.data() + t * V, V) == ArgMax(row.data(), V);
    std::partial_sort(row.begin(), row.begin() + 2, row.end(),
                      std::greater<float>());
    ++s->rows;
    s->agree += agree;
    s->ties += !agree && row[0] - row[1] < tie_margin;
  }
}

namespace {

std::string ReadText(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int RunEdgemma(const std::string& args, std::string* err) {
  static int calls = 0;
  const std::string log = BuildScratchDir("cli-stderr") + "/" +
                          std::to_string(::getpid()) + "-" +
                          std::to_string(calls++) + ".txt";
  const std::string cmd = std::string(EDGEMMA_EMULATOR) + " " +
                          EDGEMMA_BIN_DIR + "/edgemma " + args + " 2> '" + log +
                          "' > /dev/null";
  const int status = std::system(cmd.c_str());
  *err = ReadText(log);
  std::remove(log.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string JoinIds(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i)
    s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

bool HavePythonNumpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") ==
         0;
}

Result<std::string> GeneratedVariants(const std::string& scratch_name) {
  static std::once_flag once;
  static Status status;
  static std::string dir;
  std::call_once(once, [&] {
    dir = BuildScratchDir(scratch_name);
    // ctest runs every test case as its own process, possibly in parallel:
    // the first one generates under a lock, the others reuse its files while
    // the generator and the reference are unchanged (the stamp).
    const std::string script =
        std::string(EDGEMMA_SOURCE_DIR) + "/tests/tools/make_model.py";
    std::string inputs = ReadText(script);
    for (const char* f :
         {"/reference/make_tiny.py", "/reference/gemma4ref/config.py",
          "/reference/gemma4ref/text.py", "/reference/gemma4ref/st.py"}) {
      inputs += ReadText(SharedDir() + f);
    }
    const std::string stamp =
        std::to_string(std::hash<std::string>()(inputs)) + "\n";
    const int lock = ::open((dir + "/.lock").c_str(), O_CREAT | O_RDWR, 0644);
    if (lock >= 0) ::flock(lock, LOCK_EX);
    if (ReadText(dir + "/stamp") != stamp) {
      const std::string cmd = "/usr/bin/python3 '" + script + "' --shared '" +
                              SharedDir() + "' --out '" + dir + "' > '" + dir +
                              "/make_model.log' 2>&1";
      if (std::system(cmd.c_str()) == 0) {
        std::ofstream(dir + "/stamp") << stamp;
      } else {
        status = Internal(script + " failed, see " + dir + "/make_model.log");
      }
    }
    if (lock >= 0) ::close(lock);  // releases the lock
  });
  if (!status.ok()) return status;
  return dir;
}

Result<VariantExpectation> LoadVariant(const std::string& dir,
                                       const std::string& name) {
  VariantExpectation v;
  const std::string d = dir + "/" + name;
  v.model_dir = d + "/model";
  EM_ASSIGN_OR_RETURN(v.ids, ReadIds(d + "/input_ids.npy"));
  EM_ASSIGN_OR_RETURN(v.logits, ReadFloats(d + "/logits.npy", nullptr));
  nlohmann::json meta =
      nlohmann::json::parse(ReadText(d + "/meta.json"), nullptr, false);
  if (meta.is_discarded() || !meta.contains("atol"))
    return Corrupt(d + "/meta.json: bad or missing");
  v.atol = meta["atol"].get<double>();
  v.sqrt_d_model_is_bf16 = meta.value("sqrt_d_model_is_bf16", true);
  v.sqrt_d_ple_is_bf16 = meta.value("sqrt_d_ple_is_bf16", true);
  return v;
}

Weights DequantizedCopy(const Weights& w) {
  Weights out;
  auto deq = [&out](WeightMatrix m) {
    if (!IsBlockQuantized(m.type) || !m.data) return m;
    float* data = static_cast<float*>(out.Own(sizeof(float) * m.rows * m.cols));
    for (int64_t r = 0; r < m.rows; ++r) DequantizeRow(m, r, data + r * m.cols);
    return WeightMatrix{DType::kF32, m.rows, m.cols, data,
                        sizeof(float) * m.cols};
  };
  out.embed = deq(w.embed);
  out.lm_head = w.lm_head.data == w.embed.data ? out.embed : deq(w.lm_head);
  out.ple_table = deq(w.ple_table);
  out.ple_model_proj = deq(w.ple_model_proj);
  out.ple_proj_norm = w.ple_proj_norm;
  out.final_norm = w.final_norm;
  out.layers = w.layers;
  for (LayerWeights& l : out.layers) {
    for (WeightMatrix* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down,
                            &l.ple_gate, &l.ple_proj}) {
      *m = deq(*m);
    }
  }
  return out;
}

}  // namespace edgemma::test
