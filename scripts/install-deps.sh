#!/usr/bin/env bash
# Installs everything edgemma needs to build and test on a fresh Debian 12 (run as root).
# Idempotent: apt-get skips what is already installed.
#   native build:  build-essential cmake ninja-build nlohmann-json3-dev
#   tests:         libgtest-dev googletest (source, built for the aarch64 cross tests)
#   cross builds:  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user (runs aarch64 tests)
#   fuzzing:       clang libclang-rt-dev (libFuzzer, the `fuzz` stage of scripts/test.sh)
#   media (optional edgemma_media target): zlib1g-dev libsndfile1-dev libsoxr-dev
#                  libasound2-dev libjpeg62-turbo-dev libpng-dev; espeak-ng sox make test speech
#   reference/golden tooling in ../shared (not used at runtime): python3-numpy python3-scipy
set -euo pipefail

if [[ "$(id -u)" != 0 ]]; then
  echo "install-deps.sh: run as root (apt-get install)" >&2
  exit 1
fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config nlohmann-json3-dev
  libgtest-dev googletest
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
  clang libclang-rt-dev
  zlib1g-dev libsndfile1-dev libsoxr-dev libasound2-dev libjpeg62-turbo-dev libpng-dev
  espeak-ng sox
  python3 python3-numpy python3-scipy python3-pil ccache clang-format
)

# Nothing to do (and no network needed) when every package is already installed.
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: installing ${missing[*]}"
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
