// `edgemma bench --profile`: turns a StepProfile (core/nn/profile.h) gathered
// over a timed phase (the prompt's prefill chunks, or the decode steps at one
// context depth) into per-step JSON and a printed table.
#ifndef EDGEMMA_BENCH_E2E_STEP_PROFILE_REPORT_H_
#define EDGEMMA_BENCH_E2E_STEP_PROFILE_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/nn/profile.h"

namespace edgemma {

// Per-step figures of a phase of `steps` steps (decode tokens or prefill
// chunks) that took `wall_s` in all, measured outside the profile: seconds and
// share of the step per part, the pool's synchronisation/idle, the untimed
// rest ("other"), and each thread's busy seconds per step (thread 0, the
// caller, is busy whenever it is not waiting on the pool).
nlohmann::ordered_json StepProfileJson(const StepProfile& p, int steps,
                                       double wall_s);

// Prints the phases side by side: one row per part, one column per phase
// (ms per step and share), then pool wait, other, the step and thread busy.
void PrintStepProfiles(const nlohmann::ordered_json& phases);

}  // namespace edgemma

#endif  // EDGEMMA_BENCH_E2E_STEP_PROFILE_REPORT_H_
