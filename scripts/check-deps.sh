#!/usr/bin/env bash
# Fails when a module #includes a module it may not use. The graph is cmake/modules.txt (the
# same table CMake links the core/ targets from): a module may include itself and the
# transitive closure of the modules its line lists. A file belongs to the longest listed
# directory that holds it (quant/x86/... is quant). Includes of a project directory that is
# not a module (tests/, bench/, examples/, include/) are refused from every module.
# Usage: scripts/check-deps.sh [repo root]; prints each offending include, exits 1 if any.
set -euo pipefail
ROOT="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$ROOT"

declare -A USES
DIRS=()
while read -r dir _target colon uses; do
  [[ -z "$dir" || "$dir" == \#* ]] && continue
  if [[ "$colon" != ":" ]]; then
    echo "check-deps: cmake/modules.txt: cannot parse the line of $dir" >&2
    exit 2
  fi
  DIRS+=("$dir")
  USES[$dir]="$uses"
done < cmake/modules.txt

# module_of <path>: the longest module directory that is a prefix of path ("" if none).
module_of() {
  local best="" d
  for d in "${DIRS[@]}"; do
    if [[ "$1" == "$d/"* && ${#d} -gt ${#best} ]]; then best=$d; fi
  done
  printf '%s' "$best"
}

# closure <module>: the module and everything it may use, space separated.
declare -A CLOSURE
closure() {
  local m=$1 seen=" $1 " todo=($1) u
  while ((${#todo[@]})); do
    local cur=${todo[0]}
    todo=("${todo[@]:1}")
    for u in ${USES[$cur]:-}; do
      if [[ -z "${USES[$u]+x}" ]]; then
        echo "check-deps: $cur uses $u, which is not a module in cmake/modules.txt" >&2
        exit 2
      fi
      if [[ "$seen" != *" $u "* ]]; then
        seen+="$u "
        todo+=("$u")
      fi
    done
  done
  CLOSURE[$m]="$seen"
}
for d in "${DIRS[@]}"; do closure "$d"; done

bad=0
checked=0
for d in "${DIRS[@]}"; do
  [[ -d "$d" ]] || continue
  while IFS= read -r -d '' f; do
    own=$(module_of "$f")
    [[ "$own" == "$d" ]] || continue  # a nested module's file: checked with that module
    checked=$((checked + 1))
    while IFS=: read -r line inc; do
      top=${inc%%/*}
      [[ "$inc" == */* && -d "$top" ]] || continue  # system, local or generated header
      target=$(module_of "$inc")
      if [[ -z "$target" ]]; then
        echo "$f:$line: includes \"$inc\" ($top/ is not a library module)"
        bad=1
      elif [[ "${CLOSURE[$own]}" != *" $target "* ]]; then
        echo "$f:$line: includes \"$inc\": $own may not use $target (cmake/modules.txt)"
        bad=1
      fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
             sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1:\2/')
  done < <(find "$d" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.c' -o -name '*.inc' \) -print0)
done

if ((bad)); then
  echo "check-deps: includes cross the module graph (fix the include or cmake/modules.txt)" >&2
  exit 1
fi
echo "check-deps: ${checked} files in ${#DIRS[@]} modules follow cmake/modules.txt"
