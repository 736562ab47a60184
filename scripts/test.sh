#!/usr/bin/env bash
# Runs the source checks (scripts/check-deps.sh, scripts/check-format.sh), then configures,
# builds and tests edgemma in four configurations (run from anywhere):
#   native   build/          Release, -Werror; build/bin/edgemma is the Release CLI
#   asan     build/asan      -O1, AddressSanitizer + UndefinedBehaviorSanitizer
#   aarch64  build/aarch64   cross-compiled (toolchains/aarch64-linux-gnu.cmake), ctest runs
#                            the tests under qemu-aarch64
#   armv7    build/armv7     cross-compiled libraries only (EDGEMMA_LIB_ONLY=ON)
#   fuzz     build/fuzz      clang libFuzzer targets (tests/fuzz), FUZZ_SECONDS (13) each;
#                            any crash, leak or timeout fails (scripts/fuzz.sh)
#   tsan     build/tsan      ThreadSanitizer: only the thread pool and C API thread tests
#   install  (uses build/)   cmake --install, consumer builds (pkg-config, find_package,
#                            add_subdirectory), DEB packages (scripts/check-install.sh)
# Environment: STAGES="native asan fuzz tsan aarch64 armv7 install" (subset/order), JOBS=2,
# EDGEMMA_SHARED_DIR (default ../shared), SKIP_INSTALL=1 (skip scripts/install-deps.sh, which
# otherwise runs first when root). Every stage runs; the script exits non-zero if any
# stage failed (configure, build or a test), after printing the summary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${SKIP_INSTALL:-0}" != 1 && "$(id -u)" == 0 ]]; then
  bash scripts/install-deps.sh
fi
STAGES="${STAGES:-native asan fuzz tsan aarch64 armv7 install}"
JOBS="${JOBS:-2}"
SHARED="${EDGEMMA_SHARED_DIR:-$ROOT/../shared}"

COMMON=(-G Ninja "-DEDGEMMA_SHARED_DIR=$SHARED")
if command -v ccache >/dev/null 2>&1; then
  COMMON+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

SUMMARY=()
DETAILS=()  # what failed, repeated after the summary (a CI log may keep only its tail)
stage_start=0

begin() {
  echo
  echo "=== [$1] $2 ==="
  stage_start=$SECONDS
}

FAILED=0
N_PASSED=0
N_FAILED=0

finish() {  # name status
  local result=ok
  if [[ "$2" != 0 ]]; then
    result=FAILED
    FAILED=1
  fi
  local line="[$1] $result in $((SECONDS - stage_start)) s"
  SUMMARY+=("$line")
  echo "$line"
}

# The names ctest lists under "The following tests FAILED:" in a log, on one line.
failed_tests() {
  sed -n '/The following tests FAILED/,$p' "$1" | grep -E '^[[:space:]]+[0-9]+ - ' |
    head -20 | tr -s ' ' | paste -sd';' - || true
}

# build_and_test dir "ctest args" cmake-args... ; "ctest args" = "none" skips the tests.
build_and_test() {
  local dir=$1 ctest_args=$2
  shift 2
  cmake -S "$ROOT" -B "$dir" "${COMMON[@]}" "$@" || return 1
  # shellcheck disable=SC2086
  cmake --build "$dir" -j "$JOBS" ${BUILD_TARGETS:+--target $BUILD_TARGETS} || return 1
  if [[ "$ctest_args" != none ]]; then
    # ctest prints "N% tests passed, M tests failed out of T" as its summary; keep it
    # for the overall count.
    local log="$dir/ctest-summary.log" rc=0
    # shellcheck disable=SC2086
    ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --timeout 600 $ctest_args \
      2>&1 | tee "$log" || rc=1
    local line failed total
    line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
    if [[ -n "$line" ]]; then
      failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
      total=$(sed -E 's/.*passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
      N_FAILED=$((N_FAILED + failed))
      [[ "$failed" != 0 ]] && DETAILS+=("$dir: $(failed_tests "$log")")
      N_PASSED=$((N_PASSED + total - failed))
    else
      rc=1  # no summary: ctest did not run
    fi
    return $rc
  fi
}

# Source checks first (seconds): includes follow the module graph (cmake/modules.txt), and
# every C/C++ file is clang-format clean.
begin checks "include graph (scripts/check-deps.sh), format (scripts/check-format.sh)"
rc=0
bash scripts/check-deps.sh || rc=$?
bash scripts/check-format.sh || rc=$?
finish checks $rc

for stage in $STAGES; do
  case "$stage" in
    install)
      # scripts/check-install.sh on build/ (run native first; after aarch64/armv7 it packages
      # those too): install, consumer builds (pkg-config, find_package, add_subdirectory), DEB.
      begin install "install, consumers, DEB (scripts/check-install.sh on build/)"
      rc=0
      JOBS="$JOBS" EDGEMMA_SHARED_DIR="$SHARED" bash scripts/check-install.sh build || rc=$?
      finish install $rc
      ;;
    native)
      begin native "Release, -Werror (build/)"
      rc=0
      build_and_test build "" -DCMAKE_BUILD_TYPE=Release -DEDGEMMA_WERROR=ON || rc=$?
      finish native $rc
      ;;
    asan)
      begin asan "-O1, ASan+UBSan (build/asan)"
      export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:strict_string_checks=1}"
      export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
      rc=0
      # -O1 without debug info: the sanitizers need no more, and it compiles much faster
      # on a 2-core CI machine (ASan reports still name functions and lines via symbols).
      build_and_test build/asan "" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1" \
        "-DCMAKE_C_FLAGS_DEBUG=-O1" "-DEDGEMMA_SANITIZE=address;undefined" \
        -DEDGEMMA_BUILD_BENCH=OFF || rc=$?
      finish asan $rc
      ;;
    aarch64)
      begin aarch64 "cross aarch64, tests under qemu (build/aarch64)"
      # The CLI end-to-end tests (label cli) are covered natively and under ASan; under qemu
      # they would dominate the run time.
      rc=0
      build_and_test build/aarch64 "-LE cli" -DCMAKE_BUILD_TYPE=Release \
        -DEDGEMMA_WERROR=ON "-DCMAKE_TOOLCHAIN_FILE=$ROOT/toolchains/aarch64-linux-gnu.cmake" \
        -DEDGEMMA_WITH_MEDIA=OFF -DEDGEMMA_BUILD_BENCH=OFF -DEDGEMMA_BUILD_EXAMPLES=OFF || rc=$?
      finish aarch64 $rc
      ;;
    armv7)
      begin armv7 "cross armv7, libraries only (build/armv7)"
      rc=0
      build_and_test build/armv7 none -DCMAKE_BUILD_TYPE=Release -DEDGEMMA_WERROR=ON \
        "-DCMAKE_TOOLCHAIN_FILE=$ROOT/toolchains/armv7-linux-gnueabihf.cmake" \
        -DEDGEMMA_LIB_ONLY=ON -DEDGEMMA_WITH_MEDIA=OFF || rc=$?
      finish armv7 $rc
      ;;
    fuzz)
      begin fuzz "libFuzzer, ${FUZZ_SECONDS:-13} s per target (build/fuzz)"
      rc=0
      EDGEMMA_SHARED_DIR="$SHARED" JOBS="$JOBS" bash scripts/fuzz.sh all "${FUZZ_SECONDS:-13}" ||
        rc=$?
      if [[ $rc != 0 && -s build/fuzz/failures.txt ]]; then
        DETAILS+=("$(cat build/fuzz/failures.txt)")
      fi
      finish fuzz $rc
      ;;
    tsan)
      begin tsan "-O1, ThreadSanitizer, thread tests only (build/tsan)"
      export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
      rc=0
      BUILD_TARGETS="platform_test capi_threads_test" build_and_test build/tsan \
        "-R ^(ThreadPool|CapiThreads)\." -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1" \
        "-DCMAKE_C_FLAGS_DEBUG=-O1" -DEDGEMMA_SANITIZE=thread -DEDGEMMA_WITH_MEDIA=OFF \
        -DEDGEMMA_BUILD_BENCH=OFF -DEDGEMMA_BUILD_EXAMPLES=OFF || rc=$?
      finish tsan $rc
      ;;
    *)
      echo "test.sh: unknown stage '$stage' (native asan fuzz tsan aarch64 armv7)" >&2
      exit 2
      ;;
  esac
done

echo
echo "=== summary (total $SECONDS s) ==="
printf '%s\n' "${SUMMARY[@]}"
echo "Total: $N_PASSED passed, $N_FAILED failed"
if [[ ${#DETAILS[@]} -gt 0 ]]; then
  echo "=== what failed ==="
  printf '%s\n' "${DETAILS[@]}"
fi
exit "$FAILED"
