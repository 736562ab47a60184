#!/usr/bin/env bash
# Side-by-side benchmark of edgemma and llama.cpp on the same GGUF.
#
#   scripts/bench-peer.sh [--model GGUF] [--threads N] [--prompt N] [--gen N]
#                         [--runs N] [--pairs "native:best avx2:haswell"] [--out DIR]
#                         [--bin DIR]
#
# llama.cpp is measured as users get it prebuilt: the npm package node-llama-cpp
# (pinned, see scripts/peer-install.sh) is installed into $EDGEMMA_PEER_CACHE
# (default ~/.cache/edgemma-peer, never inside the repo) and driven through Node
# by scripts/peer-llama-bench.mjs. Both engines get the same threads, the same
# prompt length (seeded random ids), the same greedy tokens decoded right after
# the prompt (decode at ctx = prompt), runs alternated A/B. --pairs lists what is
# compared, KERNELS:VARIANT each: edgemma with EDGEMMA_KERNELS=KERNELS ("native":
# its own choice) against llama.cpp with CPU backend VARIANT ("best": its
# loader's pick; "haswell": its AVX2 build; any libggml-cpu-<variant>.so the
# package ships). For every run OUT/ gets edgemma-<kernels>-<i>.json (edgemma
# bench) and llama-<variant>-<i>.json; OUT/table.md gets one ratio table per pair
# (median and range over the runs) with the CPU, load averages and llama.cpp's
# variant. Without --model an E2B Q4_0 GGUF is written with `edgemma synth` into
# $EDGEMMA_BENCH_CACHE (default ~/.cache/edgemma/bench) when missing.
# Builds edgemma into build/ first when build/bin/edgemma is missing (a fresh
# checkout). Needs node + npm (Debian: apt install nodejs npm) and python3.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${EDGEMMA_BIN_DIR:-$repo/build/bin}"
cache="${EDGEMMA_PEER_CACHE:-$HOME/.cache/edgemma-peer}"
bench_cache="${EDGEMMA_BENCH_CACHE:-$HOME/.cache/edgemma/bench}"
shared="${EDGEMMA_SHARED_DIR:-$repo/../shared}"
model=""
threads=2
prompt=1024
gen=128
runs=3
pairs="native:best"
out="$repo/bench/results/peer-$(date -u +%Y%m%d-%H%M)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --prompt) prompt="$2"; shift 2 ;;
    --gen) gen="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "bench-peer.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for n in "$threads" "$prompt" "$gen" "$runs"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench-peer.sh: '$n' is not a positive integer" >&2; exit 2; }
done
if [[ ! -x "$bin/edgemma" && "$bin" == "$repo/build/bin" ]]; then
  echo "== building edgemma (Release) into $repo/build" >&2
  gen_args=()
  command -v ninja >/dev/null && gen_args=(-G Ninja)
  cmake -S "$repo" -B "$repo/build" "${gen_args[@]}" -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$repo/build" -j"$(nproc)" --target edgemma_cli >&2
fi
[[ -x "$bin/edgemma" ]] || { echo "bench-peer.sh: $bin/edgemma not found" >&2; exit 1; }
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "bench-peer.sh: '$tool' not found" >&2; exit 1; }
done
case "$(realpath -m "$cache")/" in
  "$repo"/*) echo "bench-peer.sh: cache $cache is inside the repo" >&2; exit 2 ;;
esac

# shellcheck source=scripts/peer-install.sh
source "$repo/scripts/peer-install.sh"
peer_install "$cache"
for p in $pairs; do
  [[ "$p" =~ ^[a-z0-9_]+:[a-z0-9_]+$ ]] || { echo "bench-peer.sh: pair '$p' is not KERNELS:VARIANT" >&2; exit 2; }
  peer_package "$cache" "${p#*:}" >/dev/null
done

if [[ -z "$model" ]]; then
  model="$bench_cache/synth-e2b-q4_0-seed1.gguf"
  if [[ ! -f "$model" ]]; then
    tokenizer="$shared/testdata/tokenizer/gemma4/tokenizer.json"
    [[ -f "$tokenizer" ]] || { echo "bench-peer.sh: tokenizer $tokenizer missing (set EDGEMMA_SHARED_DIR)" >&2; exit 1; }
    mkdir -p "$bench_cache"
    echo "== writing $model" >&2
    "$bin/edgemma" synth --config e2b --tokenizer "$tokenizer" --type q4_0 --seed 1 "$model"
  fi
fi
[[ -f "$model" ]] || { echo "bench-peer.sh: model $model not found" >&2; exit 1; }

mkdir -p "$out"
"$bin/edgemma" info >"$out/edgemma-info.txt"
{
  echo "model: $model"
  echo "threads: $threads  prompt: $prompt  gen: $gen  runs: $runs  pairs: $pairs"
  echo "node-llama-cpp: $EDGEMMA_PEER_VERSION  node: $(node --version)"
  echo "edgemma: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} >"$out/setup.txt"

# The model's page cache is dropped and read back in one sequential pass first:
# the state a first run after boot leaves. How the cache holds the file (4 KiB
# pages, or 2 MiB folios on kernels and file systems with large folios) moves
# edgemma's decode by ~20% (its weights are streamed from the mapping; see
# platform/mapped_file.cc), and a file just written in small pieces (a
# download) keeps small pages until dropped. Both engines see the same cache.
python3 - "$model" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
while os.read(fd, 8 << 20):
    pass
PY
echo "page cache: dropped and read back sequentially before the runs" >>"$out/setup.txt"

load() { cut -d' ' -f1-3 /proc/loadavg; }
for ((i = 1; i <= runs; i++)); do
  for p in $pairs; do
    k="${p%%:*}" v="${p#*:}"
    echo "== run $i edgemma kernels=$k (load $(load))" >&2
    env_k=()
    [[ "$k" == native ]] || env_k=(EDGEMMA_KERNELS="$k")
    env "${env_k[@]}" "$bin/edgemma" bench -m "$model" --threads "$threads" --prompt "$prompt" \
      --gen "$gen" --ctx "$prompt" --seed "$i" --json "$out/edgemma-$k-$i.json" >"$out/edgemma-$k-$i.log"
    echo "== run $i llama.cpp variant=$v (load $(load))" >&2
    l0="$(load)"
    node "$repo/scripts/peer-llama-bench.mjs" "$(peer_package "$cache" "$v")" "$model" "$threads" \
      "$prompt" "$gen" "$i" "$l0" >"$out/llama-$v-$i.json" 2>"$out/llama-$v-$i.log"
  done
done

python3 "$repo/scripts/peer-table.py" "$out" $pairs | tee "$out/table.md"
