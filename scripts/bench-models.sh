#!/usr/bin/env bash
# Full-size benchmarks with synthetic weights of the real Gemma 4 shapes.
#
#   scripts/bench-models.sh [--threads N] [--models "e2b e4b"] [--types "default q4_0"]
#                           [--out DIR] [--bin DIR] [-- extra edgemma bench args]
#
# For each model x type it makes sure a synthetic GGUF exists in the cache
# ($EDGEMMA_BENCH_CACHE, default ~/.cache/edgemma/bench; never inside the repo),
# writing it with `edgemma synth` only when missing (streamed to disk, never held
# in RAM; the real tokenizer from ../shared gives the real vocabulary), then runs
# `edgemma bench` and writes OUT/<model>-<type>-t<threads>.json.
# The files are several GB each (E2B default ~4 GB, E4B default ~6 GB).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${EDGEMMA_BIN_DIR:-$repo/build/bin}"
cache="${EDGEMMA_BENCH_CACHE:-$HOME/.cache/edgemma/bench}"
shared="${EDGEMMA_SHARED_DIR:-$repo/../shared}"
tokenizer="$shared/testdata/tokenizer/gemma4/tokenizer.json"
out="$repo/bench/results"
threads=2
models="e2b e4b"
types="default q4_0"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --types) types="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-models.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

[[ -x "$bin/edgemma" ]] || { echo "bench-models.sh: $bin/edgemma not built" >&2; exit 1; }
[[ -f "$tokenizer" ]] || { echo "bench-models.sh: tokenizer $tokenizer missing" >&2; exit 1; }
case "$(realpath -m "$cache")/" in
  "$repo"/*) echo "bench-models.sh: cache $cache is inside the repository" >&2; exit 1 ;;
esac
mkdir -p "$cache" "$out"

for m in $models; do
  for t in $types; do
    gguf="$cache/synth-$m-$t-seed1.gguf"
    if [[ ! -f "$gguf" ]]; then
      echo "== writing $gguf"
      "$bin/edgemma" synth --config "$m" --tokenizer "$tokenizer" --type "$t" --seed 1 "$gguf"
    fi
    json="$out/$m-$t-t$threads.json"
    echo "== $m $t, $threads threads (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$bin/edgemma" bench -m "$gguf" --threads "$threads" --json "$json" "${extra[@]}"
  done
done
