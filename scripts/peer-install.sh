# Sourced by scripts/bench-peer.sh and scripts/build-llama-quantize.sh: installs
# the pinned npm package node-llama-cpp (llama.cpp as users get it prebuilt) into
# a cache directory outside the repo. Never a product dependency.
#
#   peer_install CACHE_DIR
#
# Only the CPU binaries of this machine's platform are installed (the CUDA and
# Vulkan variants are hundreds of MB and unused here); the package's postinstall
# step (which may try to download or build) is skipped. Idempotent.

EDGEMMA_PEER_VERSION="${EDGEMMA_PEER_VERSION:-3.22.1}"

peer_platform() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64) echo linux-arm64 ;;
    armv7l) echo linux-armv7l ;;
    *) echo "peer-install: no node-llama-cpp binaries for $(uname -m)" >&2; return 1 ;;
  esac
}

peer_install() {
  local cache="$1" platform stamp
  platform="$(peer_platform)" || return 1
  stamp="$cache/.installed-$EDGEMMA_PEER_VERSION-$platform"
  [[ -f "$stamp" ]] && return 0
  command -v npm >/dev/null || { echo "peer-install: npm not found (apt install npm)" >&2; return 1; }
  mkdir -p "$cache"
  [[ -f "$cache/package.json" ]] || echo '{"name":"edgemma-peer","private":true}' >"$cache/package.json"
  echo "peer-install: npm install node-llama-cpp@$EDGEMMA_PEER_VERSION into $cache" >&2
  (cd "$cache" && npm install --no-audit --no-fund --ignore-scripts --omit=optional \
    "node-llama-cpp@$EDGEMMA_PEER_VERSION" "@node-llama-cpp/$platform@$EDGEMMA_PEER_VERSION" >&2) ||
    return 1
  touch "$stamp"
}

# Prints the node-llama-cpp package directory whose llama.cpp loads the CPU
# backend VARIANT ("best": its loader's own pick among all variants; else e.g.
# "haswell" for the AVX2 build). A variant other than best gets a hard-linked
# copy of the install (no extra disk) holding only that libggml-cpu-VARIANT.so.
peer_package() {
  local cache="$1" variant="$2" platform tree bins
  platform="$(peer_platform)" || return 1
  if [[ "$variant" == best ]]; then
    echo "$cache/node_modules/node-llama-cpp"
    return 0
  fi
  bins="$cache/node_modules/@node-llama-cpp/$platform/bins/$platform"
  [[ -f "$bins/libggml-cpu-$variant.so" ]] ||
    { echo "peer-install: no CPU variant '$variant' in $bins" >&2; return 1; }
  tree="$cache/variants/$variant"
  if [[ ! -d "$tree/node_modules" ]]; then
    mkdir -p "$tree"
    cp -al "$cache/node_modules" "$tree/"
    find "$tree/node_modules/@node-llama-cpp/$platform/bins" -name 'libggml-cpu-*.so' \
      ! -name "libggml-cpu-$variant.so" -delete
  fi
  echo "$tree/node_modules/node-llama-cpp"
}
