#!/usr/bin/env bash
# Runs one libFuzzer target (or all) for a bounded time:
#   scripts/fuzz.sh TARGET|all SECONDS [extra libFuzzer flags...]
# TARGET is a tests/fuzz/fuzz_<TARGET>.cc name (gguf, safetensors, safetensors_index, config,
# tokenizer_json, tokenizer_encode, chat_format, response, sound_file, image_file, log_mel,
# image_preprocess; the first two of the last four need the media libraries). Configures and builds build/fuzz
# (clang, EDGEMMA_FUZZ=ON: only the fuzz targets and what they link) when needed. New inputs
# grow build/fuzz/corpus/<TARGET> (the committed seeds in tests/fuzz/corpus/<TARGET> are read,
# never written); a crash, leak or timeout (> FUZZ_TIMEOUT s per input, default 10) leaves
# build/fuzz/artifacts/<TARGET>/ and makes the script exit non-zero. Each run appends
# "date target seconds executions status" to build/fuzz/history.tsv (tests/fuzz/summarize.sh
# sums it). A failing target's diagnosis (the error lines and its inputs of <= 8 KB in base64,
# enough to reproduce it from a CI log alone) is also appended to build/fuzz/failures.txt, which each run
# starts afresh.
# Environment: EDGEMMA_SHARED_DIR (default ../shared), JOBS=2, FUZZ_BUILD=0 skips the build,
# FUZZ_TIMEOUT, FUZZ_RSS_MB (default 2048).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL="gguf safetensors safetensors_index config tokenizer_json tokenizer_encode chat_format response
  sound_file image_file log_mel image_preprocess"
ALL=$(echo $ALL)
if [[ $# -lt 2 ]]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer flags]   (targets: $ALL)" >&2
  exit 2
fi
TARGET=$1 SECONDS_EACH=$2
shift 2
if [[ "$TARGET" == all ]]; then
  TARGETS=$ALL
elif [[ " $ALL " == *" $TARGET "* ]]; then
  TARGETS=$TARGET
else
  echo "fuzz.sh: unknown target '$TARGET' (targets: $ALL)" >&2
  exit 2
fi
BUILD="$ROOT/build/fuzz"
SHARED="${EDGEMMA_SHARED_DIR:-$ROOT/../shared}"

if [[ "${FUZZ_BUILD:-1}" != 0 ]]; then
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  # -O1 with assertions on (Debug without -g: the sanitizers' line tables come from
  # -gline-tables-only); no tests, examples or benchmarks; media on (sound and image
  # decoding targets: libsndfile, libjpeg-turbo, libpng themselves are not instrumented).
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DEDGEMMA_FUZZ=ON -DEDGEMMA_BUILD_TESTS=OFF -DEDGEMMA_BUILD_EXAMPLES=OFF \
    -DEDGEMMA_BUILD_BENCH=OFF -DEDGEMMA_WITH_MEDIA=ON -DEDGEMMA_WERROR=ON \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O1 -DCMAKE_C_FLAGS_DEBUG=-O1 \
    "-DEDGEMMA_SHARED_DIR=$SHARED" "${launcher[@]}" >/dev/null
  targets=()
  for t in $TARGETS; do targets+=("fuzz_$t"); done
  cmake --build "$BUILD" -j "${JOBS:-2}" --target "${targets[@]}"
fi

dict_of() {
  case "$1" in
    response) echo "$ROOT/tests/fuzz/dict/response.dict" ;;
    gguf) echo "$ROOT/tests/fuzz/dict/gguf.dict" ;;
    tokenizer_encode | log_mel | image_preprocess) echo "" ;;
    sound_file) echo "$ROOT/tests/fuzz/dict/sound.dict" ;;
    image_file) echo "$ROOT/tests/fuzz/dict/image.dict" ;;
    *) echo "$ROOT/tests/fuzz/dict/json.dict" ;;
  esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export EDGEMMA_SHARED_DIR="$SHARED"
failed=0
FAILURES="$BUILD/failures.txt"
rm -f "$FAILURES"
for t in $TARGETS; do
  corpus="$BUILD/corpus/$t" artifacts="$BUILD/artifacts/$t/" log="$BUILD/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  flags=(-max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-10}"
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -print_final_stats=1 -artifact_prefix="$artifacts")
  dict=$(dict_of "$t")
  [[ -n "$dict" ]] && flags+=(-dict="$dict")
  echo "--- fuzz_$t for ${SECONDS_EACH}s"
  rc=0 start=$SECONDS
  "$BUILD/bin/fuzz_$t" "${flags[@]}" "$@" "$corpus" "$ROOT/tests/fuzz/corpus/$t" \
    >"$log" 2>&1 || rc=$?
  elapsed=$((SECONDS - start))
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  status=ok
  if [[ $rc != 0 ]]; then
    status=FAILED
    failed=1
    tail -60 "$log"
    {
      echo "fuzz_$t (exit $rc):"
      grep -E "fuzz property failed|ERROR:|SUMMARY:" "$log" | head -6 | cut -c1-2000 || true
      # The input itself (libFuzzer prints base64 only for small ones).
      for f in "$artifacts"*; do
        [[ -f "$f" && $(stat -c %s "$f") -le 8192 ]] || continue
        echo "input $(basename "$f") in base64: $(base64 -w0 "$f")"
      done
    } >>"$FAILURES"
    echo "fuzz_$t: FAILED (exit $rc); inputs in $artifacts" >&2
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$elapsed" "${execs:-0}" \
    "$status" >>"$BUILD/history.tsv"
  echo "fuzz_$t: $status, ${execs:-0} executions in ${elapsed}s"
done
exit $failed
