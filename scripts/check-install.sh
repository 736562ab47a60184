#!/usr/bin/env bash
# Checks what an integrator gets (issue 18), reusing a configured native build directory:
#   1. `cmake --install BUILD` into a scratch prefix: header, libedgemma, the CLI, edgemma.pc,
#      edgemmaConfig.cmake + version file;
#   2. tests/install/consumer (a C99 program) built against that prefix with pkg-config and with
#      find_package(edgemma), and against the source tree with add_subdirectory(edgemma) as a
#      shared library (BUILD_SHARED_LIBS=ON: SONAME, versioned file, only edgemma_* exported);
#      each consumer loads the tiny model and evaluates a token;
#   3. `cpack -G DEB` in BUILD (and in build/aarch64, build/armv7 when those were built):
#      edgemma_<version>_<arch>.deb with the expected architecture and files.
# Usage: scripts/check-install.sh [BUILD=build] (EDGEMMA_SHARED_DIR as for scripts/test.sh,
# JOBS=2). Exits non-zero on the first failed check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "${1:-$ROOT/build}/CMakeCache.txt" ]]; then
  echo "check-install: ${1:-$ROOT/build} is not a configured build directory (run the" \
    "native stage of scripts/test.sh first)" >&2
  exit 1
fi
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
JOBS="${JOBS:-2}"
SHARED="${EDGEMMA_SHARED_DIR:-$ROOT/../shared}"
MODEL="$SHARED/testdata/tiny-e2b"
WORK="$BUILD/install-check"
CONSUMER="$ROOT/tests/install/consumer"
rm -rf "$WORK"
mkdir -p "$WORK"

fail() {
  echo "check-install: FAILED: $*" >&2
  exit 1
}
step() { echo "--- check-install: $*"; }

LAUNCH=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCH=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
VERSION=$(sed -nE 's/^project\(edgemma VERSION ([0-9.]+).*/\1/p' "$ROOT/CMakeLists.txt")
[[ -n "$VERSION" ]] || fail "no project version in CMakeLists.txt"

step "no network fetch in the build"
# The library (and everything else) builds offline: no download at configure or build time.
if grep -rnE "FetchContent|ExternalProject|file\(DOWNLOAD" --include=CMakeLists.txt \
  --include="*.cmake" "$ROOT" --exclude-dir=build --exclude-dir=.git; then
  fail "a CMake file downloads something"
fi

step "install from $BUILD"
cmake --build "$BUILD" -j "$JOBS" --target edgemma edgemma_cli
PREFIX="$WORK/prefix"
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
LIBDIR=$(dirname "$(find "$PREFIX" -name libedgemma.a | head -1)")
[[ -f "$LIBDIR/libedgemma.a" ]] || fail "libedgemma.a not installed"
for f in include/edgemma.h bin/edgemma; do
  [[ -f "$PREFIX/$f" ]] || fail "$f not installed"
done
for f in pkgconfig/edgemma.pc cmake/edgemma/edgemmaConfig.cmake \
  cmake/edgemma/edgemmaConfigVersion.cmake; do
  [[ -f "$LIBDIR/$f" ]] || fail "$LIBDIR/$f not installed"
done
# One self-contained archive: the C API and the runtime behind it (loader, kernels, sessions).
nm -C "$LIBDIR/libedgemma.a" 2>/dev/null >"$WORK/nm.txt"
for sym in "T edgemma_model_load" "T edgemma_session_create" "edgemma::Session::Create" \
  "edgemma::Tokenizer::"; do
  grep -q "$sym" "$WORK/nm.txt" || fail "libedgemma.a lacks $sym"
done
"$PREFIX/bin/edgemma" --help >/dev/null || fail "installed CLI does not run"

step "pkg-config consumer"
PKG_FLAGS=$(PKG_CONFIG_PATH="$LIBDIR/pkgconfig" pkg-config --cflags --libs edgemma)
# shellcheck disable=SC2086
cc -std=c99 -pedantic -Wall -Werror "$CONSUMER/consumer.c" -o "$WORK/consumer-pc" $PKG_FLAGS
"$WORK/consumer-pc" "$MODEL" | tee "$WORK/pc.log"
grep -q "consumer ok" "$WORK/pc.log" || fail "pkg-config consumer"

step "find_package consumer"
cmake -S "$CONSUMER" -B "$WORK/fp" -G Ninja "-DCMAKE_PREFIX_PATH=$PREFIX" >/dev/null
cmake --build "$WORK/fp" >/dev/null
"$WORK/fp/consumer" "$MODEL" | tee "$WORK/fp.log"
grep -q "consumer ok" "$WORK/fp.log" || fail "find_package consumer"

step "add_subdirectory consumer (BUILD_SHARED_LIBS=ON)"
# Same compiler flags as the native build, so ccache serves the runtime's objects.
cmake -S "$CONSUMER" -B "$WORK/sub" -G Ninja "${LAUNCH[@]}" "-DEDGEMMA_SOURCE=$ROOT" \
  -DCMAKE_BUILD_TYPE=Release -DEDGEMMA_WERROR=ON -DBUILD_SHARED_LIBS=ON >/dev/null
cmake --build "$WORK/sub" -j "$JOBS" >/dev/null
SO=$(find "$WORK/sub" -name "libedgemma.so.$VERSION" | head -1)
[[ -n "$SO" ]] || fail "no libedgemma.so.$VERSION"
# Outputs are captured before grep: under pipefail, `cmd | grep -q` fails when grep exits at the
# first match while cmd still writes (SIGPIPE), which failed CI once on ldd.
DYN=$(readelf -d "$SO" 2>&1) || fail "readelf -d $SO: $DYN"
grep -q "SONAME.*\[libedgemma.so.${VERSION%%.*}\]" <<<"$DYN" ||
  fail "libedgemma.so has no SONAME libedgemma.so.${VERSION%%.*}"
OTHER=$(nm -D --defined-only "$SO" | awk '$2 ~ /[TDBRW]/ {print $3}' | grep -v '^edgemma_' || true)
[[ -z "$OTHER" ]] || fail "libedgemma.so exports more than the C API: $(head -3 <<<"$OTHER")"
LDD=$(ldd "$WORK/sub/consumer" 2>&1) || fail "ldd consumer: $LDD"
grep -q "libedgemma.so.${VERSION%%.*}" <<<"$LDD" ||
  fail "consumer does not link libedgemma.so: $LDD"
"$WORK/sub/consumer" "$MODEL" | tee "$WORK/sub.log"
grep -q "consumer ok" "$WORK/sub.log" || fail "add_subdirectory consumer"

# cpack_check DIR ARCH: the DEB of a built tree.
cpack_check() {
  local dir=$1 arch=$2 deb="edgemma_${VERSION}_$2.deb"
  step "DEB from $dir ($arch)"
  (cd "$dir" && cpack -G DEB -B "$WORK/deb-$arch" >/dev/null) || fail "cpack in $dir"
  [[ -f "$WORK/deb-$arch/$deb" ]] || fail "no $deb"
  [[ "$(dpkg-deb -f "$WORK/deb-$arch/$deb" Architecture)" == "$arch" ]] ||
    fail "$deb: wrong Architecture"
  dpkg-deb -c "$WORK/deb-$arch/$deb" >"$WORK/deb-$arch.txt"
  for f in usr/include/edgemma.h libedgemma.a pkgconfig/edgemma.pc edgemmaConfig.cmake; do
    grep -q "$f" "$WORK/deb-$arch.txt" || fail "$deb lacks $f"
  done
  echo "$deb: $(stat -c %s "$WORK/deb-$arch/$deb") bytes"
}
cpack_check "$BUILD" "$(dpkg --print-architecture)"
grep -q "usr/bin/edgemma" "$WORK/deb-$(dpkg --print-architecture).txt" || fail "DEB lacks the CLI"
[[ -f "$ROOT/build/aarch64/lib/libedgemma.a" ]] && cpack_check "$ROOT/build/aarch64" arm64
[[ -f "$ROOT/build/armv7/lib/libedgemma.a" ]] && cpack_check "$ROOT/build/armv7" armhf
echo "check-install: all checks passed"
