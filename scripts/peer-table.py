#!/usr/bin/env python3
"""Ratio table (markdown) from one scripts/bench-peer.sh output directory.

usage: scripts/peer-table.py DIR KERNELS:VARIANT...

Reads DIR/edgemma-<kernels>-<i>.json (edgemma bench), DIR/llama-<variant>-<i>.json
(scripts/peer-llama-bench.mjs) and DIR/edgemma-info.txt. Per pair one table: median [min-max] over the runs of each engine, and the ratio
edgemma / llama.cpp of the same run (each run is one alternated A/B round).
CPU-time rows (process user+system time) are what to read on a shared machine,
where wall-clock rates mostly measure the other tenants.
llama.cpp's peak RSS excludes the Node runtime's own RSS before the model opened.
"""
import glob
import json
import os
import re
import statistics
import sys


def edgemma_row(j):
    dec = j["decode"][0]
    return {
        "prefill tok/s": j["prefill"]["tok_s"],
        "prefill tokens per CPU s": j["prefill"]["tokens"] / j["prefill"]["cpu_s"],
        "decode tok/s": dec["tok_s"],
        "CPU s per decoded token": dec["cpu_s_per_token"],
        "peak RSS GB": j["memory"]["after_run"]["vm_hwm"] / 1e9,
        "open s": j["open_s"],
    }


def llama_row(j):
    mem = j["memory"]
    return {
        "prefill tok/s": j["prefill"]["tok_s"],
        "prefill tokens per CPU s": j["prefill"]["tokens"] / j["prefill"]["cpu_s"],
        "decode tok/s": j["decode"]["tok_s"],
        "CPU s per decoded token": j["decode"]["cpu_s_per_token"],
        "peak RSS GB": (mem["after_run"]["vm_hwm"] - mem["before_open"]["vm_hwm"]) / 1e9,
        "open s": j["open_s"],
    }


def pmd_share(runs):
    """edgemma's mapped model pages held in 2 MiB pages (page-cache state)."""
    shares = []
    for j in runs:
        mem = j["memory"]["after_run"]
        if mem.get("file_pmd_mapped", -1) >= 0 and mem["rss_file"] > 0:
            shares.append(100.0 * mem["file_pmd_mapped"] / mem["rss_file"])
    if not shares:
        return ""
    return ("; edgemma's mapped model pages in 2 MiB pages: "
            + ", ".join(f"{x:.0f}%" for x in shares))


def num(x):
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def span(values):
    med = statistics.median(values)
    if len(values) == 1:
        return num(med)
    return f"{num(med)} [{num(min(values))}–{num(max(values))}]"


def runs_of(out, prefix):
    runs = {}
    for path in glob.glob(os.path.join(out, prefix + "-*.json")):
        m = re.search(r"-(\d+)\.json$", path)
        if m and os.path.basename(path) == f"{prefix}-{m.group(1)}.json":
            runs[int(m.group(1))] = json.load(open(path))
    return runs


def main(out, pairs):
    info = open(os.path.join(out, "edgemma-info.txt")).read()
    cpu = re.search(r"^cpu:\s*(.*)$", info, re.M).group(1)
    feats = re.search(r"^features:\s*(.*)$", info, re.M).group(1)
    first = True
    for pair in pairs:
        k, v = pair.split(":")
        runs, llama = runs_of(out, "edgemma-" + k), runs_of(out, "llama-" + v)
        rounds = sorted(i for i in runs if i in llama)
        if not rounds:
            sys.exit(f"peer-table.py: no runs of {pair} in {out}")
        e0, l0 = runs[rounds[0]], llama[rounds[0]]
        if first:
            print(f"CPU: {cpu} ({feats}); {l0['threads']} threads; model "
                  f"{os.path.basename(l0['model']['path'])}; prompt {e0['prefill']['tokens']} "
                  f"tokens, {e0['decode'][0]['tokens']} greedy tokens decoded at ctx "
                  f"{e0['decode'][0]['ctx']}; llama.cpp with flash attention and mmap, its peak "
                  "RSS without the Node runtime's own (measured before the model opened)")
            first = False
        print()
        print(f"edgemma kernels {e0['kernel_variant']} (EDGEMMA_KERNELS={k}) vs llama.cpp "
              f"CPU backend {l0['cpu_backend_variant']} ({l0['tensors_repacked']} tensors "
              f"repacked at load); {len(rounds)} alternated runs; load average (1 min) at "
              "the runs' starts: edgemma "
              + ", ".join(runs[i]["loadavg_start"].split()[0] for i in rounds) + "; llama.cpp "
              + ", ".join(llama[i]["loadavg_start"].split()[0] for i in rounds)
              + pmd_share(runs[i] for i in rounds))
        print()
        print("| | edgemma | llama.cpp | ratio edgemma/llama.cpp |")
        print("|---|---|---|---|")
        for metric in edgemma_row(e0):
            ev = [edgemma_row(runs[i])[metric] for i in rounds]
            lv = [llama_row(llama[i])[metric] for i in rounds]
            ratios = [e / l for e, l in zip(ev, lv) if l > 0]
            print(f"| {metric} | {span(ev)} | {span(lv)} | {span(ratios) if ratios else 'n/a'} |")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
