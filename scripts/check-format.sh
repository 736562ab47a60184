#!/usr/bin/env bash
# Fails when a tracked C/C++ source (*.cc, *.h, *.c; not the *.inc data tables) is not
# clang-format clean (.clang-format at the root).
# Usage: scripts/check-format.sh [repo root]; CLANG_FORMAT overrides the binary. Prints the
# offending files with the first differences; fix with `clang-format -i <file>`.
set -euo pipefail
ROOT="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$ROOT"
CF="${CLANG_FORMAT:-clang-format}"
if ! command -v "$CF" >/dev/null 2>&1; then
  echo "check-format: $CF not found (apt-get install clang-format)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files -- '*.cc' '*.h' '*.c')
bad=0
for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue  # deleted in the work tree
  if ! "$CF" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "check-format: $f is not clang-format clean:"
    "$CF" "$f" | diff -u "$f" - | head -20 || true
    bad=1
  fi
done
if ((bad)); then
  echo "check-format: run clang-format -i on the files above" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files clean ($("$CF" --version))"
