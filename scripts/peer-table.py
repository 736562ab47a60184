#!/usr/bin/env python3
"""Ratio table (markdown) from one scripts/bench-peer.sh output directory.

usage: scripts/peer-table.py DIR

Reads DIR/edgemma-<kernels>-<i>.json (edgemma bench), DIR/llama-<i>.json
(scripts/peer-llama-bench.mjs) and DIR/edgemma-info.txt. Per kernel setting one
table: median [min-max] over the runs of each engine, and the ratio
edgemma / llama.cpp of the same run (each run is one alternated A/B round).
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
        "decode tok/s": dec["tok_s"],
        "CPU s per decoded token": dec["cpu_s_per_token"],
        "peak RSS GB": j["memory"]["after_run"]["vm_hwm"] / 1e9,
        "open s": j["open_s"],
    }


def llama_row(j):
    mem = j["memory"]
    return {
        "prefill tok/s": j["prefill"]["tok_s"],
        "decode tok/s": j["decode"]["tok_s"],
        "CPU s per decoded token": j["decode"]["cpu_s_per_token"],
        "peak RSS GB": (mem["after_run"]["vm_hwm"] - mem["before_open"]["vm_hwm"]) / 1e9,
        "open s": j["open_s"],
    }


def span(values, fmt):
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return (fmt + " [" + fmt + "–" + fmt + "]").format(med, min(values), max(values))


def fmt_for(metric):
    return "{:.3f}" if metric in ("open s", "CPU s per decoded token") else "{:.2f}"


def main(out):
    info = open(os.path.join(out, "edgemma-info.txt")).read()
    cpu = re.search(r"^cpu:\s*(.*)$", info, re.M).group(1)
    feats = re.search(r"^features:\s*(.*)$", info, re.M).group(1)
    llama = {}
    for path in glob.glob(os.path.join(out, "llama-*.json")):
        llama[int(re.search(r"llama-(\d+)\.json$", path).group(1))] = json.load(open(path))
    kernels = {}
    for path in glob.glob(os.path.join(out, "edgemma-*-*.json")):
        k, i = re.search(r"edgemma-(.+)-(\d+)\.json$", path).groups()
        kernels.setdefault(k, {})[int(i)] = json.load(open(path))
    if not llama or not kernels:
        sys.exit(f"peer-table.py: no results in {out}")
    any_llama = next(iter(llama.values()))
    print(f"CPU: {cpu} ({feats}); {any_llama['threads']} threads; "
          f"model {os.path.basename(any_llama['model']['path'])}; "
          f"llama.cpp CPU variant: {any_llama['cpu_backend_variant']} "
          f"({any_llama['tensors_repacked']} tensors repacked), flash attention on")
    for k, runs in sorted(kernels.items()):
        e0 = next(iter(runs.values()))
        rounds = sorted(i for i in runs if i in llama)
        print()
        print(f"edgemma kernels: {e0['kernel_variant']} (EDGEMMA_KERNELS={k}); "
              f"prompt {e0['prefill']['tokens']} tokens, {e0['decode'][0]['tokens']} decoded "
              f"at ctx {e0['decode'][0]['ctx']}; {len(rounds)} alternated runs; load average "
              f"(1 min) at the runs' starts: edgemma "
              + ", ".join(runs[i]["loadavg_start"].split()[0] for i in rounds) + "; llama.cpp "
              + ", ".join(llama[i]["loadavg_start"].split()[0] for i in rounds))
        print()
        print("| | edgemma | llama.cpp | ratio edgemma/llama.cpp |")
        print("|---|---|---|---|")
        for metric in edgemma_row(e0):
            ev = [edgemma_row(runs[i])[metric] for i in rounds]
            lv = [llama_row(llama[i])[metric] for i in rounds]
            ratios = [e / l for e, l in zip(ev, lv) if l > 0]
            f = fmt_for(metric)
            print(f"| {metric} | {span(ev, f)} | {span(lv, f)} | "
                  f"{span(ratios, '{:.2f}') if ratios else 'n/a'} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
