#!/usr/bin/env bash
# llvm-mca projection of the NEON Q4_0 x Q8_0 kernels (quant/arm/neon, neondot,
# neoni8mm) on the Raspberry Pi 5 (Cortex-A76), Pi 4 (Cortex-A72) and Cortex-A55:
# cycles per Q4_0 block, per-core decode bandwidth, prefill MAC rate, and E2B decode /
# prefill rates against the boards' DRAM bandwidth. PROJECTIONS (no ARM hardware):
# see bench/arm/mca.py for the method and its limits.
#
# Needs clang (any recent; it cross-compiles to aarch64 using the
# g++-aarch64-linux-gnu headers) and llvm-mca with a Neoverse N1 model
# (Debian: apt-get install clang llvm-19 g++-aarch64-linux-gnu).
# Usage: bench/arm/mca.sh [--dump DIR] [--json FILE] [--cxx CLANG++] [--mca LLVM-MCA]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec /usr/bin/python3 "$ROOT/bench/arm/mca.py" --root "$ROOT" "$@"
