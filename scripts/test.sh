#!/usr/bin/env bash
# Configures, builds and tests edgemma in four configurations (run from anywhere):
#   native   build/          Release, -Werror; build/bin/edgemma is the Release CLI
#   asan     build/asan      RelWithDebInfo, AddressSanitizer + UndefinedBehaviorSanitizer
#   aarch64  build/aarch64   cross-compiled (toolchains/aarch64-linux-gnu.cmake), ctest runs
#                            the tests under qemu-aarch64
#   armv7    build/armv7     cross-compiled libraries only (EDGEMMA_LIB_ONLY=ON)
# Environment: STAGES="native asan aarch64 armv7" (subset/order), JOBS=2,
# EDGEMMA_SHARED_DIR (default ../shared). Exits non-zero on the first failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAGES="${STAGES:-native asan aarch64 armv7}"
JOBS="${JOBS:-2}"
SHARED="${EDGEMMA_SHARED_DIR:-$ROOT/../shared}"

COMMON=(-G Ninja "-DEDGEMMA_SHARED_DIR=$SHARED")
if command -v ccache >/dev/null 2>&1; then
  COMMON+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

SUMMARY=()
stage_start=0

begin() {
  echo
  echo "=== [$1] $2 ==="
  stage_start=$SECONDS
}

finish() {
  local line="[$1] ok in $((SECONDS - stage_start)) s"
  SUMMARY+=("$line")
  echo "$line"
}

build_and_test() {  # name dir ctest? cmake-args...
  local name=$1 dir=$2 run_tests=$3
  shift 3
  cmake -S "$ROOT" -B "$dir" "${COMMON[@]}" "$@"
  cmake --build "$dir" -j "$JOBS"
  if [[ "$run_tests" == yes ]]; then
    # ctest prints "N% tests passed, M tests failed out of T" as its summary.
    ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --timeout 600
  fi
}

for stage in $STAGES; do
  case "$stage" in
    native)
      begin native "Release, -Werror (build/)"
      build_and_test native build yes -DCMAKE_BUILD_TYPE=Release -DEDGEMMA_WERROR=ON
      finish native
      ;;
    asan)
      begin asan "RelWithDebInfo, ASan+UBSan (build/asan)"
      export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:strict_string_checks=1}"
      export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
      build_and_test asan build/asan yes -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "-DEDGEMMA_SANITIZE=address;undefined" -DEDGEMMA_BUILD_BENCH=OFF
      finish asan
      ;;
    aarch64)
      begin aarch64 "cross aarch64, tests under qemu (build/aarch64)"
      build_and_test aarch64 build/aarch64 yes -DCMAKE_BUILD_TYPE=Release \
        -DEDGEMMA_WERROR=ON "-DCMAKE_TOOLCHAIN_FILE=$ROOT/toolchains/aarch64-linux-gnu.cmake" \
        -DEDGEMMA_WITH_MEDIA=OFF -DEDGEMMA_BUILD_BENCH=OFF
      finish aarch64
      ;;
    armv7)
      begin armv7 "cross armv7, libraries only (build/armv7)"
      build_and_test armv7 build/armv7 no -DCMAKE_BUILD_TYPE=Release -DEDGEMMA_WERROR=ON \
        "-DCMAKE_TOOLCHAIN_FILE=$ROOT/toolchains/armv7-linux-gnueabihf.cmake" \
        -DEDGEMMA_LIB_ONLY=ON -DEDGEMMA_WITH_MEDIA=OFF
      finish armv7
      ;;
    *)
      echo "test.sh: unknown stage '$stage' (native asan aarch64 armv7)" >&2
      exit 2
      ;;
  esac
done

echo
echo "=== summary ==="
printf '%s\n' "${SUMMARY[@]}"
