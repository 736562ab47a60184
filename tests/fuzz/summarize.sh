#!/usr/bin/env bash
# Sums build/fuzz/history.tsv (written by scripts/fuzz.sh) per target: runs, seconds,
# executions, failed runs. Usage: tests/fuzz/summarize.sh [history.tsv]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
awk -F'\t' '{ runs[$2]++; secs[$2] += $3; execs[$2] += $4; if ($5 != "ok") bad[$2]++ }
  END {
    printf "| target | runs | seconds | executions | failed runs |\n|---|---|---|---|---|\n"
    for (t in runs) { printf "| %s | %d | %d | %d | %d |\n", t, runs[t], secs[t], execs[t], bad[t]; ts += secs[t]; te += execs[t] }
    printf "| total | | %d (%.2f h) | %d | |\n", ts, ts / 3600, te
  }' "${1:-$ROOT/build/fuzz/history.tsv}"
