#include "bench/e2e/step_profile_report.h"

#include <cstdio>

namespace edgemma {

using Json = nlohmann::ordered_json;

Json StepProfileJson(const StepProfile& p, int steps, double wall_s) {
  const double n = steps > 0 ? steps : 1;
  const double step_s = wall_s / n;
  auto per_step = [&](int64_t ns) {
    return 1e-9 * static_cast<double>(ns) / n;
  };
  auto share = [&](double s) { return step_s > 0 ? s / step_s : 0.0; };
  Json parts = Json::object();
  for (int i = 0; i < kStepParts; ++i) {
    const double s = per_step(p.ns[i]);
    parts[StepPartName(static_cast<StepPart>(i))] = {
        {"s", s}, {"share", share(s)}, {"calls", p.calls[i] / n}};
  }
  const double wait = per_step(p.pool.wait_ns);
  const double other = step_s - per_step(p.PartsNs()) - wait;
  Json busy = Json::array();
  for (size_t t = 0; t < p.busy.size(); ++t) {
    busy.push_back(t == 0 ? step_s - wait : per_step(p.busy[t]));
  }
  return Json{{"steps", steps},
              {"step_s", step_s},
              {"parts", parts},
              {"pool_wait_s", wait},
              {"pool_wait_share", share(wait)},
              {"pool_dispatches", p.pool.dispatches / n},
              {"other_s", other},
              {"other_share", share(other)},
              {"thread_busy_s", busy}};
}

void PrintStepProfiles(const Json& phases) {
  std::printf("\nstep profile (ms per step, share of the step)\n%-16s", "part");
  for (const auto& [name, ph] : phases.items()) {
    std::printf(" %22s", name.c_str());
  }
  std::printf("\n");
  auto row = [&](const char* label, auto get) {
    std::printf("%-16s", label);
    for (const Json& ph : phases) {
      const double s = get(ph);
      const double step = ph["step_s"].get<double>();
      std::printf(" %14.3f (%4.1f%%)", 1e3 * s, step > 0 ? 100 * s / step : 0);
    }
    std::printf("\n");
  };
  for (int i = 0; i < kStepParts; ++i) {
    const char* part = StepPartName(static_cast<StepPart>(i));
    row(part,
        [&](const Json& ph) { return ph["parts"][part]["s"].get<double>(); });
  }
  row("pool_wait",
      [](const Json& ph) { return ph["pool_wait_s"].get<double>(); });
  row("other", [](const Json& ph) { return ph["other_s"].get<double>(); });
  row("step", [](const Json& ph) { return ph["step_s"].get<double>(); });
  const size_t threads = phases.begin()->at("thread_busy_s").size();
  for (size_t t = 0; t < threads; ++t) {
    const std::string label = "busy thread " + std::to_string(t);
    row(label.c_str(),
        [t](const Json& ph) { return ph["thread_busy_s"][t].get<double>(); });
  }
}

}  // namespace edgemma
