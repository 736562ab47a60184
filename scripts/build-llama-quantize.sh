#!/usr/bin/env bash
# Builds llama.cpp's `llama-quantize` (CPU only, nothing else) from the llama.cpp
# source that the npm package node-llama-cpp ships, into a cache outside the repo.
#
#   scripts/build-llama-quantize.sh [--cache DIR] [--jobs N]
#
# Not part of the product and not run by CI: it exists to regenerate the K-quant
# interop test data (tests/io/data/kquant, see tests/tools/make_kquant_gguf.sh).
# The package (pinned, the same one scripts/bench-peer.sh measures against) is
# installed with npm into $EDGEMMA_PEER_CACHE (default ~/.cache/edgemma-peer);
# its llama/gitRelease.bundle is a git bundle of the llama.cpp tree it was built
# from. Prints the path of the built binary on its last line.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${EDGEMMA_PEER_CACHE:-$HOME/.cache/edgemma-peer}"
jobs=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build-llama-quantize.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$(realpath -m "$cache")/" in
  "$repo"/*) echo "build-llama-quantize.sh: cache $cache is inside the repo" >&2; exit 2 ;;
esac
for tool in npm git cmake c++; do
  command -v "$tool" >/dev/null || { echo "build-llama-quantize.sh: '$tool' not found" >&2; exit 1; }
done

# shellcheck source=scripts/peer-install.sh
source "$repo/scripts/peer-install.sh"
peer_install "$cache"

bundle="$cache/node_modules/node-llama-cpp/llama/gitRelease.bundle"
[[ -f "$bundle" ]] || { echo "build-llama-quantize.sh: $bundle missing from the package" >&2; exit 1; }
src="$cache/llama.cpp"
if [[ ! -d "$src/.git" ]]; then
  rm -rf "$src"
  git clone --quiet "$bundle" "$src"
fi
echo "llama.cpp source: $src @ $(git -C "$src" rev-parse --short HEAD)" >&2

build="$cache/llama.cpp-build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DLLAMA_BUILD_TOOLS=ON >"$cache/llama.cpp-build.log" 2>&1 ||
  { tail -20 "$cache/llama.cpp-build.log" >&2; exit 1; }
nice cmake --build "$build" -j"$jobs" --target llama-quantize >>"$cache/llama.cpp-build.log" 2>&1 ||
  { tail -20 "$cache/llama.cpp-build.log" >&2; exit 1; }
bin="$build/bin/llama-quantize"
[[ -x "$bin" ]] || { echo "build-llama-quantize.sh: $bin was not built" >&2; exit 1; }
echo "$bin"
