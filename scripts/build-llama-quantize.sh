#!/usr/bin/env bash
# Builds llama.cpp's `llama-quantize` from the llama.cpp source that the npm
# package node-llama-cpp ships, into a cache outside the repo.
#
#   scripts/build-llama-quantize.sh [--cache DIR] [--full]
#
# Not part of the product and not run by CI: it exists to regenerate the K-quant
# interop test data (tests/gemma4/data/kquant, see tests/tools/make_kquant_gguf.sh).
# The package (pinned, the same one scripts/bench-peer.sh measures against) is
# installed with npm into $EDGEMMA_PEER_CACHE (default ~/.cache/edgemma-peer);
# its llama/gitRelease.bundle is a git bundle of the llama.cpp tree its binaries
# were built from. By default only the tool's two source files are compiled
# (seconds) and linked against the package's own prebuilt libllama/libggml, so
# the quantizer is exactly the llama.cpp users run. --full instead builds the
# `llama-quantize` target with cmake (CPU only, static, -j2, niced: tens of
# minutes on 2 cores). Prints the path of the binary on its last line.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${EDGEMMA_PEER_CACHE:-$HOME/.cache/edgemma-peer}"
full=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --full) full=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
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
  git -c advice.detachedHead=false clone --quiet "$bundle" "$src"
fi
echo "llama.cpp source: $src @ $(git -C "$src" rev-parse --short HEAD)" >&2

if [[ "$full" == 0 ]]; then
  libs="$cache/node_modules/@node-llama-cpp/$(peer_platform)/bins/$(peer_platform)"
  for lib in libllama-common.so libllama.v0.5.0.so libggml.v0.5.0.so libggml-base.so; do
    [[ -f "$libs/$lib" ]] || { echo "build-llama-quantize.sh: $libs/$lib missing (package layout changed? try --full)" >&2; exit 1; }
  done
  bin="$cache/bin/llama-quantize"
  mkdir -p "$cache/bin"
  nice c++ -O2 -std=c++17 -I"$src/include" -I"$src/ggml/include" -I"$src/common" \
    -I"$src/tools/quantize" -I"$src/vendor" "$src/tools/quantize/main.cpp" \
    "$src/tools/quantize/quantize.cpp" -o "$bin" -L"$libs" -l:libllama-common.so \
    -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so -Wl,-rpath,"$libs" -lpthread
else
  build="$cache/llama.cpp-build"
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_TOOLS=ON >"$cache/llama.cpp-build.log" 2>&1 ||
    { tail -20 "$cache/llama.cpp-build.log" >&2; exit 1; }
  nice cmake --build "$build" -j2 --target llama-quantize >>"$cache/llama.cpp-build.log" 2>&1 ||
    { tail -20 "$cache/llama.cpp-build.log" >&2; exit 1; }
  bin="$build/bin/llama-quantize"
fi
[[ -x "$bin" ]] || { echo "build-llama-quantize.sh: $bin was not built" >&2; exit 1; }
echo "$bin"
