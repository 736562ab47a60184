#!/usr/bin/env python3
"""Markdown tables from `edgemma bench` JSON files (bench/results/*.json).

usage: bench/e2e/results_table.py FILE.json...

Prints the measured figures and a Raspberry Pi 5 projection per file:
  decode  = Pi 5 bandwidth (17.1 GB/s theoretical, 9.5 GB/s practical) / weight
            bytes per token (what a roofline-bound decoder reaches),
  prefill = Pi 5 int8 peak (307 G MAC/s, 4x A76 SDOT) x the prefill peak ratio
            measured here / MACs per token (assumes the same kernel efficiency).
"""
import json
import sys

PI5_BW_THEORY, PI5_BW_PRACTICAL, PI5_MACS = 17.1e9, 9.5e9, 307e9


def row(path):
    j = json.load(open(path))
    name = j["model"]["path"].rsplit("/", 1)[-1].replace(".gguf", "")
    dec = {d["ctx"]: d for d in j["decode"]}
    w = j["weight_bytes_per_token"]
    mem = j["memory"]
    pre = j["prefill"]
    return {
        "name": name,
        "threads": j["threads"],
        "load": j.get("loadavg_start", "?").split()[0],
        "open": j["open_s"],
        "ttft": pre["ttft_s"],
        "pp": pre["tok_s"],
        "pp_ratio": pre["peak_ratio"],
        "dec": dec,
        "gb_tok": w["total"] / 1e9,
        "hwm": mem["after_run"]["vm_hwm"] / 1e9,
        "anon": mem["after_run"]["rss_anon"] / 1e9,
        "file": mem["after_run"]["rss_file"] / 1e9,
        "open_rss": mem["after_open"]["vm_rss"] / 1e9,
        "ple_res": mem["tables"]["ple_table_resident"] / 1e6,
        "ple_tab": w["ple_table"] / 1e9,
        "ple_need": mem["tables"].get("ple_touched_row_pages", 0) / 1e6,
        "arena": j["arena_bytes"] / 1e6,
        "bw": j["probes"]["read_gbps"],
        "peak": j["probes"]["int8_peak_gops"],
        "macs": pre["macs_per_token"],
    }


def main(paths):
    rows = [row(p) for p in paths]
    print("| model | thr | load | open s | TTFT s (1024) | prefill tok/s (% int8 peak) "
          "| decode tok/s @1k (% roofline) | decode tok/s @4k (% roofline) "
          "| GB read/token | peak RSS GB (anon + file) | PLE resident MB (touched-row pages MB; table GB) "
          "| arena MB | read GB/s | int8 GOP/s |")
    print("|" + "---|" * 14)
    for r in rows:
        d = [r["dec"].get(c) for c in (1024, 4096)]
        dec = ["%.1f (%.0f%%)" % (x["tok_s"], 100 * x["roofline_ratio"]) if x else "-"
               for x in d]
        print("| %s | %d | %s | %.2f | %.2f | %.1f (%.0f%%) | %s | %s | %.3f | %.2f (%.2f + %.2f) "
              "| %.0f (%.0f; %.2f) | %.0f | %.1f | %.0f |" % (
                  r["name"], r["threads"], r["load"], r["open"], r["ttft"], r["pp"],
                  100 * r["pp_ratio"], dec[0], dec[1], r["gb_tok"], r["hwm"], r["anon"],
                  r["file"], r["ple_res"], r["ple_need"], r["ple_tab"], r["arena"], r["bw"], r["peak"]))
    print()
    print("| model | Pi 5 decode tok/s at 17.1 / 9.5 GB/s | Pi 5 prefill tok/s at the "
          "efficiency measured here | Pi 5 TTFT s (1024) |")
    print("|---|---|---|---|")
    for r in rows:
        pp = PI5_MACS * r["pp_ratio"] / r["macs"]
        print("| %s | %.1f / %.1f | %.0f | %.1f |" % (
            r["name"], PI5_BW_THEORY / 1e9 / r["gb_tok"], PI5_BW_PRACTICAL / 1e9 / r["gb_tok"],
            pp, 1024 / pp if pp > 0 else float("inf")))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
