#!/usr/bin/env python3
"""llvm-mca projection of edgemma's NEON Q4_0 x Q8_0 kernels on Raspberry Pi
class cores (no ARM hardware needed). PROJECTIONS, not measurements.

For each kernel variant (quant/arm/neon, neondot, neoni8mm) the real kernel
translation unit is compiled for aarch64 with clang (or a cross g++, --cxx;
-O3 -mcpu=<core>+<the variant's extensions>, as cmake/EdgemmaKernels.cmake
does with EDGEMMA_CPU), the block loop of each hot function is cut out of the
assembly (its outermost loop doing int8 work whose nested loops, if the
compiler kept any, have constant trip counts and are unrolled here: one pass =
one Q4_0 block of R rows x T tokens), and llvm-mca simulates it for the core.
From cycles per pass:

  decode:  cycles per Q4_0 block (32 weights, 18 bytes) of the gemv tile, the
           weight bytes per second one core consumes at the board clock, x4
           cores against the board's practical DRAM bandwidth, and the E2B
           decode rate that implies (bench/arm/e2b_traffic.py: bytes/token of
           the real E2B config under the default quantize mix);
  prefill: int8 MACs per cycle of the prefill tile, x clock x 4 cores, and the
           E2B prefill rate that bounds (body MACs per token);
  quantize: cycles per 32 activations of QuantizeQ8_0 (run once per matmul,
           serially, before the row-parallel gemv).

Limits, stated with the table: llvm-mca models the core's pipes with every
load hitting L1 (DRAM is the separate bandwidth column); a call inside a loop
is simulated as one branch, the callee's work is not (flagged "calls");
LLVM's cortex-a76 scheduling model is its Cortex-A57 one, so the A76 rows use
LLVM's Neoverse N1 model (the A76's infrastructure twin: same core pipeline),
with the A57-model figure shown beside it.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import e2b_traffic  # noqa: E402

# Boards: clock (GHz), practical DRAM read bandwidth (GB/s) with 4 threads.
BOARDS = {
    "cortex-a76": {"board": "Pi 5 (BCM2712)", "ghz": 2.4, "dram": 9.5,
                   "mca": "neoverse-n1", "mca_alt": "cortex-a76", "ext": "+dotprod"},
    "cortex-a72": {"board": "Pi 4 (BCM2711)", "ghz": 1.8, "ghz_alt": 1.5, "dram": 4.0,
                   "mca": "cortex-a72", "ext": ""},
    "cortex-a55": {"board": "RK3566-class A55", "ghz": 1.8, "dram": None,
                   "mca": "cortex-a55", "ext": "+dotprod"},
}
THREADS = 4
Q4_BLOCK_BYTES = 18

# The block-product policy each variant's tiles are instantiated with.
POLICY = {"neon": "NeonDot", "neondot": "SdotDot", "neoni8mm": "SdotDot"}


def kernels(variant):
    """role -> (regex on the demangled function name, rows R, tokens T)."""
    p = POLICY[variant]
    k = {"gemv": (rf"QTile<edgemma::\(anonymous namespace\)::{p}, true, 4, 1>", 4, 1),
         "quantize": (r"QuantizeQ8_0Neon\(", 1, 1)}
    if variant == "neoni8mm":
        k["gemm"] = (r"^void edgemma::\(anonymous namespace\)::MmlaTile<true>\(", 4, 4)
    elif variant == "neondot":
        k["gemm"] = (r"^void edgemma::\(anonymous namespace\)::SdotLaneTile<true, 8>\(", 4, 8)
    else:
        k["gemm"] = (rf"QTile<edgemma::\(anonymous namespace\)::{p}, true, 4, 2>", 4, 2)
    return k


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"mca: command failed: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def find_tool(names):
    for n in names:
        if shutil.which(n):
            return n
    return None


def compile_asm(cxx, root, variant, cpu, ext, out):
    src = root / "quant/arm" / variant / "kernels.cc"
    target = ["--target=aarch64-linux-gnu"] if "clang" in cxx else []  # else a cross g++
    run([cxx, *target, "-O3", "-std=c++17", f"-mcpu={cpu}{ext}",
         "-I", str(root), "-S", "-o", str(out), str(src)])
    return out.read_text().splitlines()


def functions(lines, demangle):
    """{demangled name: [asm lines]} for every function in an asm file."""
    starts = [(i, m.group(1)) for i, l in enumerate(lines)
              for m in [re.match(r"^([_A-Za-z][\w.$]*):(\s*//.*)?$", l)] if m]
    names = demangle([s for _, s in starts])
    out = {}
    for (i, _), name in zip(starts, names):
        j = i + 1
        while j < len(lines) and ".cfi_endproc" not in lines[j]:
            j += 1
        out[name] = lines[i + 1:j]
    return out


# b, b.cond (clang) / bcond (GCC), cbz/cbnz, tbz/tbnz to a local label.
BRANCH = re.compile(r"^\s*(b(?:\.?(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le))?"
                    r"|cbn?z|tbn?z)\s+(?:.*,\s*)?(\.L\w+)\s*$")


def trips(body, lp):
    """Trip count of a nested loop, from its latch: `add x, x, #s; cmp x, #n; b.ne`
    (n / s, counting from 0) or the two-pass toggle on bit 0 of a register that
    clang emits for a 2-trip loop. None if neither."""
    latch = body[lp[1]].split("//")[0]
    if re.match(r"^\s*tbnz\s+w\d+, #0,", latch):
        return 2
    # The same toggle with the exit test inside (`tbz w, #0, out` ... `b top`);
    # the few instructions after the exit are then counted twice, not once.
    if re.match(r"^\s*b\s", latch) and any(
            re.match(r"^\s*tbn?z\s+w\d+, #0,", l) for l in body[lp[0]:lp[1]]):
        return 2
    text = [l.split("//")[0] for l in body[lp[0]:lp[1]]]
    for l in reversed(text[-4:]):
        m = re.match(r"^\s*cmp\s+(\w+), #(\d+)\s*$", l)
        if m:
            for a in text:
                s = re.match(rf"^\s*add\s+{m.group(1)}, {m.group(1)}, #(\d+)\s*$", a)
                if s:
                    return int(m.group(2)) // int(s.group(1))
    return None


def hot_loop(body):
    """Instructions of one pass of the function's outermost loop (the block
    loop of a tile), nested loops (a row or token loop the compiler did not
    unroll) replicated by their trip counts. Returns (insns, expanded)."""
    labels = {}
    loops = []
    for i, l in enumerate(body):
        m = re.match(r"^(\.L\w+):", l)
        if m:
            labels[m.group(1)] = i
        b = BRANCH.match(l.split("//")[0])
        if b and b.group(2) in labels:
            loops.append((labels[b.group(2)], i))
    if not loops:
        return None, []
    def flat(lp, expanded):
        """lp's instructions with nested loops replicated; None if a nested
        loop's trip count is not a constant (lp is then a walk over tiles)."""
        kids = [o for o in loops if o != lp and lp[0] <= o[0] and o[1] <= lp[1]]
        kids = [k for k in kids
                if not any(o != k and o in kids and o[0] <= k[0] and k[1] <= o[1] for o in kids)]
        out, i = [], lp[0]
        while i <= lp[1]:
            k = next((k for k in kids if k[0] == i), None)
            if k:
                n = trips(body, k)
                inner = flat(k, expanded) if n else None
                if inner is None:
                    return None
                expanded.append(n)
                out += inner * n
                i = k[1] + 1
                continue
            s = body[i].split("//")[0].strip()
            if s and not s.endswith(":") and not s.startswith("."):
                out.append(s)
            i += 1
        return out
    # The block loop: the outermost loop doing int8/convert work whose nested
    # loops (if any) have constant trip counts.
    work = re.compile(r"^\s*(sdot|smmla|smull|smlal|fcvtas|fcvtns|sqxtn|xtn)")
    for lp in sorted(loops, key=lambda lp: lp[0] - lp[1]):
        if not any(work.match(l) for l in body[lp[0]:lp[1] + 1]):
            continue
        expanded = []
        out = flat(lp, expanded)
        if out is not None:
            return out, expanded
    return None, []


def loop_macs(insns):
    """int8 multiply-accumulates one pass of a loop does (sdot 16, smmla 32,
    smull/smlal 8 per instruction): checks that the loop cut out is one block."""
    per = {"sdot": 16, "smmla": 32, "smull": 8, "smull2": 8, "smlal": 8, "smlal2": 8}
    return sum(per.get(i.split()[0], 0) for i in insns)


def mca(tool, cpu, insns, iterations=300):
    txt = run([tool, "-mtriple=aarch64-linux-gnu", f"-mcpu={cpu}",
               "-mattr=+dotprod,+i8mm,+fullfp16", f"-iterations={iterations}"],
              input="\n".join(insns) + "\n")
    cyc = int(re.search(r"Total Cycles:\s+(\d+)", txt).group(1))
    it = int(re.search(r"Iterations:\s+(\d+)", txt).group(1))
    return cyc / it


def analyse(args):
    root = Path(args.root)
    cxx = args.cxx or find_tool(["clang++-19", "clang++", "clang++-14"])
    tool = args.mca or find_tool(["llvm-mca-19", "llvm-mca-18", "llvm-mca-17", "llvm-mca"])
    if not cxx or not tool:
        sys.exit("mca: needs clang++ and llvm-mca (Debian: apt-get install clang llvm-19)")
    probe = subprocess.run([tool, "-mtriple=aarch64", "-mcpu=neoverse-n1"], input="nop\n",
                           capture_output=True, text=True)
    if probe.returncode != 0 or "not a recognized" in probe.stderr:
        sys.exit(f"mca: {tool} has no neoverse-n1 model (Debian: apt-get install llvm-19)")
    filt = find_tool(["llvm-cxxfilt-19", "c++filt", "llvm-cxxfilt"])
    demangle = lambda names: run([filt], input="\n".join(names) + "\n").splitlines()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cpu, bd in BOARDS.items():
            for variant in ("neon", "neondot", "neoni8mm"):
                ext = bd["ext"]
                if variant != "neon" and "dotprod" not in ext:
                    continue  # no dot product on this core: only plain NEON runs
                if variant == "neoni8mm":
                    ext += "+i8mm"  # no Pi core has i8mm: what-if row
                asm = compile_asm(cxx, root, variant, cpu, ext,
                                  Path(tmp) / f"{variant}-{cpu}.s")
                fns = functions(asm, demangle)
                for role, (pat, r, t) in kernels(variant).items():
                    if variant == "neoni8mm" and role != "gemm":
                        continue  # gemv and quantizer are the neondot ones
                    hits = [n for n in fns if re.search(pat, n)]
                    if len(hits) != 1:
                        sys.exit(f"mca: {variant}: {len(hits)} functions match {pat}")
                    loop, expanded = hot_loop(fns[hits[0]])
                    if loop is None:
                        sys.exit(f"mca: {variant}: no loop in {hits[0]}")
                    if role != "quantize" and loop_macs(loop) != r * t * 32:
                        sys.exit(f"mca: {variant} {cpu}: the loop cut from {hits[0]} does "
                                 f"{loop_macs(loop)} int8 MACs, not one block of {r} x {t} "
                                 f"({r * t * 32}): not the block loop")
                    calls = [re.sub(r"^bl\s+", "", i) for i in loop
                             if re.match(r"^bl\s", i)]
                    c = mca(tool, bd["mca"], loop)
                    alt = mca(tool, bd["mca_alt"], loop) if "mca_alt" in bd else None
                    rows.append({"cpu": cpu, "variant": variant, "role": role,
                                 "function": hits[0].split("(")[0], "rows": r, "tokens": t,
                                 "insns": len(loop), "cycles_per_iter": c,
                                 "nested_expanded": expanded,
                                 "cycles_per_iter_alt": alt,
                                 "calls": demangle(calls) if calls else []})
                    if args.dump:
                        d = Path(args.dump)
                        d.mkdir(parents=True, exist_ok=True)
                        (d / f"{cpu}-{variant}-{role}.s").write_text("\n".join(loop) + "\n")
    return rows, cxx, tool


def note(r):
    """Marks for a row: calls inside the loop, nested loops that were expanded."""
    s = f" +{len(r['calls'])} calls" if r["calls"] else ""
    if r["nested_expanded"]:
        s += " (nested loop x" + "/".join(map(str, r["nested_expanded"])) + ")"
    return s


def decode_row(r, bpt):
    """One decode-table row: per-core weight bandwidth from cycles per block."""
    bd = BOARDS[r["cpu"]]
    cpb = r["cycles_per_iter"] / r["rows"]
    gbs = Q4_BLOCK_BYTES / cpb * bd["ghz"]
    alt = ""
    if r["cycles_per_iter_alt"]:
        alt = f" (A57 model: {r['cycles_per_iter_alt'] / r['rows']:.2f})"
    clock = f"{bd['ghz']} GHz" + (f" / {bd['ghz_alt']}" if "ghz_alt" in bd else "")
    gbs_s = f"{gbs:.1f}"
    if "ghz_alt" in bd:
        gbs_s += f" ({Q4_BLOCK_BYTES / cpb * bd['ghz_alt']:.1f} at {bd['ghz_alt']})"
    four = THREADS * gbs
    dram = bd["dram"]
    if dram:
        tok = f"{min(four, dram) * 1e9 / bpt:.1f}"
        bound = "DRAM" if four >= dram else "compute"
        dram_s, cores = f"{dram} GB/s", f"{dram / gbs:.1f}"
    else:
        tok, bound = f"<= {four * 1e9 / bpt:.1f} (compute)", "n/a"
        dram_s, cores = "n/a", "n/a"
    return (f"| {r['cpu']} ({bd['board']}, {clock}) | {r['variant']} | {bd['mca']} "
            f"| {r['insns']}{note(r)} | {cpb:.2f}{alt} | {gbs_s} | {cores} | {four:.1f} "
            f"| {dram_s} | {tok} | {bound} |")


def quantize_share(rows, traffic):
    """Per core: QuantizeQ8_0 time over gemv time in an E2B decode step at 4
    threads, if every layer matrix quantized its own input (an upper bound:
    inputs shared by several matrices are quantized once per MatMul call)."""
    ts = [t for t in traffic["e2b"]["tensors"] if t[3] == "Q4_0"]
    blocks_in = sum(n // 32 for _, r, n, _, _ in ts)
    blocks_w = sum(r * n // 32 for _, r, n, _, _ in ts)
    out = {}
    for q in rows:
        if q["role"] != "quantize":
            continue
        g = next((r for r in rows if r["role"] == "gemv" and r["cpu"] == q["cpu"]
                  and r["variant"] == q["variant"]), None)
        if g:
            gemv = blocks_w * g["cycles_per_iter"] / g["rows"] / THREADS
            out[(q["cpu"], q["variant"])] = blocks_in * q["cycles_per_iter"] / gemv
    return out


def fmt_table(rows, traffic, cxx, tool):
    e2b = traffic["e2b"]
    bpt = e2b["bytes_per_token"]
    macs = e2b["body_macs"]
    out = []
    cver = run([cxx, "--version"]).splitlines()[0]
    mver = next((l.strip() for l in run([tool, "--version"]).splitlines()
                 if "version" in l.lower()), "?")
    out.append(f"compiler: {cver}; simulator: {tool} ({mver}); "
               f"E2B: {bpt / 1e9:.3f} GB weights/token, {macs / 1e9:.3f} G MAC/token "
               f"(default mix: linears {traffic['mix']['linear']}, tied embedding/LM head "
               f"{traffic['mix']['embedding']})")
    out.append("")
    out.append("Decode (gemv Q4_0 x Q8_0, tile 4 rows x 1 token):")
    out.append("")
    out.append("| core (board, clock) | variant | model | insns/iter | cycles per Q4_0 block "
               "| GB/s of weights per core | cores to reach DRAM | x4 cores | practical DRAM "
               "| E2B decode tok/s (4 threads) | bound by |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["role"] == "gemv":
            out.append(decode_row(r, bpt))
    alt = traffic["e2b_q4_head"]["bytes_per_token"]
    out.append("")
    out.append("neoni8mm decodes with neondot's tile (the same sdot code; smmla needs two "
               "tokens), so it has no row of its own here.")
    out.append("")
    out.append(f"With a Q4_0 tied LM head instead ({alt / 1e9:.3f} GB/token) the DRAM-bound "
               f"rates would be {9.5e9 / alt:.1f} tok/s (Pi 5) and {4.0e9 / alt:.1f} tok/s (Pi 4).")
    out.append("")
    out.append("Prefill (gemm Q4_0 x Q8_0 tile, int8 MACs):")
    out.append("")
    out.append("| core | variant | tile (rows x tokens) | cycles/iter | MAC/cycle | G MAC/s per core "
               "| x4 cores | E2B prefill tok/s bound (matmuls only) |")
    out.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["role"] != "gemm":
            continue
        bd = BOARDS[r["cpu"]]
        m = r["rows"] * r["tokens"] * 32
        mpc = m / r["cycles_per_iter"]
        g = mpc * bd["ghz"]
        i8 = " (no Pi core has i8mm)" if r["variant"] == "neoni8mm" else ""
        calls = note(r)
        out.append(f"| {r['cpu']} {bd['ghz']} GHz | {r['variant']}{i8} | {r['rows']} x "
                   f"{r['tokens']} | {r['cycles_per_iter']:.1f}{calls} | {mpc:.1f} | {g:.1f} "
                   f"| {THREADS * g:.0f} | {THREADS * g * 1e9 / macs:.0f} |")
    out.append("")
    out.append("Activation quantiser (QuantizeQ8_0, serial once per matmul in decode):")
    out.append("")
    out.append("| core | variant | cycles per 32 activations | share of the E2B decode matmul "
               "time at 4 threads (upper bound) |")
    out.append("|---|---|---|---|")
    share = quantize_share(rows, traffic)
    for r in rows:
        if r["role"] == "quantize":
            sh = share.get((r["cpu"], r["variant"]))
            sh = f"{100 * sh:.1f} %" if sh is not None else "n/a"
            out.append(f"| {r['cpu']} | {r['variant']} | {r['cycles_per_iter']:.1f}{note(r)} "
                       f"| {sh} |")
    callees = sorted({c for r in rows for c in r["calls"]})
    if callees:
        out.append("")
        out.append("calls: out-of-line calls inside the loop; llvm-mca counts each as one "
                   "branch, so these figures leave out the callees' work (a lower bound): "
                   + ", ".join(callees))
    if any(r["nested_expanded"] for r in rows):
        out.append("nested loop xN: the compiler kept a row/token loop inside the block loop; "
                   "its body is counted N times per block-loop pass.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=str(HERE.parents[1]))
    ap.add_argument("--cxx", help="clang++ to use (default: newest found)")
    ap.add_argument("--mca", help="llvm-mca to use (default: llvm-mca-19 if present)")
    ap.add_argument("--dump", help="write each analysed loop's assembly into this directory")
    ap.add_argument("--json", help="also write the raw figures here")
    a = ap.parse_args()
    root = Path(a.root)
    mix = e2b_traffic.read_mix(root)
    e2b = e2b_traffic.read_configs(root)["e2b"]
    traffic = {"mix": mix, "e2b": e2b_traffic.traffic(e2b, mix),
               "e2b_q4_head": e2b_traffic.traffic(e2b, dict(mix, embedding="Q4_0"))}
    rows, cxx, tool = analyse(a)
    print(fmt_table(rows, traffic, cxx, tool))
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "boards": BOARDS}, indent=1))


if __name__ == "__main__":
    main()
