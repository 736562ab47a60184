#!/usr/bin/env python3
"""Weight bytes read per decoded token and MACs per prefill token of Gemma 4
E2B/E4B under edgemma's default quantize mix, derived from the real configs.

Sources (nothing hard-coded here but the GGUF block sizes):
  - the config: the kE2BConfig JSON literal in core/convert/known_configs.cc
    (the real google/gemma-4-E2B-it config.json); E4B applies the same field
    overrides as E4bConfig() there (parsed from that file too);
  - the mix: core/convert/gguf_gemma4.h (kDefaultEmbeddingType,
    kDefaultPleType; every other 2-D tensor Q4_0, F16 if its rows are not a
    multiple of 32; 1-D tensors F32).
What a decode step reads (as bench/e2e ComputeWeightTraffic counts it): every
layer matrix (K/V only on layers that own their cache), per_layer_model_proj,
the whole tied embedding as LM head, one embedding row, one PLE row, the norm
vectors. Not the PLE table.

Optionally checks the enumeration against a GGUF's tensor table (--gguf).
"""
import argparse
import json
import re
import struct
import sys
from pathlib import Path

# bytes per block, elements per block (GGUF)
TYPES = {"Q4_0": (18, 32), "Q4_1": (20, 32), "Q5_0": (22, 32), "Q8_0": (34, 32),
         "Q4_K": (144, 256), "Q5_K": (176, 256), "Q6_K": (210, 256),
         "F16": (2, 1), "BF16": (2, 1), "F32": (4, 1)}
GGUF_TYPE_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 8: "Q8_0",
                   12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 30: "BF16"}


def row_bytes(t, n):
    b, e = TYPES[t]
    assert n % e == 0, (t, n)
    return n // e * b


def read_configs(root):
    src = (root / "core/convert/known_configs.cc").read_text()
    m = re.search(r'kE2BConfig\[\] = R"json\((.*?)\)json"', src, re.S)
    if not m:
        sys.exit("e2b_traffic: kE2BConfig not found in core/convert/known_configs.cc")
    e2b = json.loads(m.group(1))
    # E4B: the overrides of E4bConfig(), read from the same file.
    body = re.search(r"std::string E4bConfig\(\) \{(.*?)\n\}", src, re.S).group(1)
    e4b = json.loads(m.group(1))
    t = e4b["text_config"]
    for k, v in re.findall(r't\["(\w+)"\] = ([^;]+);', body):
        v = v.strip()
        if v in ("true", "false"):
            t[k] = v == "true"
        elif re.fullmatch(r"[\d\s*]+", v):
            t[k] = eval(v)  # "4 * 2560"
    every = int(re.search(r"\(i \+ 1\) % (\d+)", body).group(1))
    t["layer_types"] = ["sliding_attention" if (i + 1) % every else "full_attention"
                        for i in range(t["num_hidden_layers"])]
    return {"e2b": e2b["text_config"], "e4b": t}


def read_mix(root):
    h = (root / "core/convert/gguf_gemma4.h").read_text()
    def one(name):
        m = re.search(name + r" = DType::k(\w+);", h)
        if not m:
            sys.exit(f"e2b_traffic: {name} not found in core/convert/gguf_gemma4.h")
        t = m.group(1).upper()
        if t not in TYPES:
            sys.exit(f"e2b_traffic: {name} = {t}: block size unknown here (add it to TYPES)")
        return t
    return {"linear": "Q4_0", "embedding": one("kDefaultEmbeddingType"),
            "ple": one("kDefaultPleType")}


def matrix_type(mix, cols):
    return mix["linear"] if cols % TYPES[mix["linear"]][1] == 0 else "F16"


def tensors(c, mix):
    """(name, rows, cols, type, read_fraction) of the text model."""
    d, n_l = c["hidden_size"], c["num_hidden_layers"]
    nh, nkv, dple = c["num_attention_heads"], c["num_key_value_heads"], \
        c["hidden_size_per_layer_input"]
    owners = n_l - c["num_kv_shared_layers"]
    out = []
    def mat(name, rows, cols):
        out.append((name, rows, cols, matrix_type(mix, cols), 1.0))
    def vec(name, n):
        out.append((name, 1, n, "F32", 1.0))
    for i, kind in enumerate(c["layer_types"]):
        hd = c["global_head_dim"] if kind == "full_attention" else c["head_dim"]
        p = f"blk.{i}."
        vec(p + "attn_norm", d)
        mat(p + "attn_q", nh * hd, d)
        if i < owners:
            mat(p + "attn_k", nkv * hd, d)
            mat(p + "attn_v", nkv * hd, d)
            vec(p + "attn_k_norm", hd)
        mat(p + "attn_output", d, nh * hd)
        vec(p + "attn_q_norm", hd)
        for n in ("post_attention_norm", "ffn_norm", "post_ffw_norm", "post_norm"):
            vec(p + n, d)
        ff = c["intermediate_size"] * (2 if c["use_double_wide_mlp"] and i >= owners else 1)
        mat(p + "ffn_gate", ff, d)
        mat(p + "ffn_up", ff, d)
        mat(p + "ffn_down", d, ff)
        mat(p + "inp_gate", dple, d)
        mat(p + "proj", d, dple)
        vec(p + "layer_output_scale", 1)
    mat("per_layer_model_proj", n_l * dple, d)
    vec("per_layer_proj_norm", dple)
    vec("output_norm", d)
    vocab = c["vocab_size"]
    out.append(("token_embd", vocab, d, mix["embedding"], 1.0))  # tied LM head
    out.append(("token_embd(row)", 1, d, mix["embedding"], 1.0))
    out.append(("per_layer_token_embd(row)", 1, n_l * dple, mix["ple"], 1.0))
    return out


def traffic(c, mix):
    ts = tensors(c, mix)
    total = sum(r * row_bytes(t, n) for _, r, n, t, _ in ts)
    head = next(r * row_bytes(t, n) for nm, r, n, t, _ in ts if nm == "token_embd")
    body_macs = sum(r * n for nm, r, n, t, _ in ts
                    if t != "F32" and nm.startswith(("blk.", "per_layer_model_proj")))
    q4 = sum(r * row_bytes(t, n) for nm, r, n, t, _ in ts if t == "Q4_0")
    return {"bytes_per_token": total, "lm_head_bytes": head, "q4_0_bytes": q4,
            "body_macs": body_macs, "lm_head_macs": c["vocab_size"] * c["hidden_size"],
            "tensors": ts}


def gguf_tensors(path):
    f = open(path, "rb")
    rd = lambda fmt: struct.unpack("<" + fmt, f.read(struct.calcsize(fmt)))[0]
    string = lambda: f.read(rd("Q")).decode()
    assert f.read(4) == b"GGUF", path
    rd("I")
    nt, nkv = rd("Q"), rd("Q")
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    def skip(t):
        if t == 8:
            string()
        elif t == 9:
            et, n = rd("I"), rd("Q")
            for _ in range(n):
                skip(et)
        else:
            f.read(sizes[t])
    for _ in range(nkv):
        string()
        skip(rd("I"))
    out = {}
    for _ in range(nt):
        name = string()
        dims = [rd("Q") for _ in range(rd("I"))]
        typ = rd("I")
        rd("Q")
        out[name.removesuffix(".weight")] = (dims, GGUF_TYPE_NAMES.get(typ, str(typ)))
    return out


def check_gguf(ts, path):
    g = gguf_tensors(path)
    bad = 0
    for nm, r, n, t, _ in ts:
        if "(row)" in nm:
            continue
        if nm not in g:
            print(f"  missing in GGUF: {nm}")
            bad += 1
            continue
        dims, gt = g[nm]
        want = [n] if r == 1 and t == "F32" else [n, r]
        if dims != want or gt != t:
            print(f"  differs: {nm}: derived {want} {t}, GGUF {dims} {gt}")
            bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--gguf", help="check the derived tensor list against this GGUF")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    root = Path(a.root)
    mix = read_mix(root)
    res = {}
    for name, c in read_configs(root).items():
        t = traffic(c, mix)
        res[name] = {k: v for k, v in t.items() if k != "tensors"}
        if a.gguf and name == "e2b":
            bad = check_gguf(t["tensors"], a.gguf)
            print(f"e2b: derived tensor table vs {a.gguf}: "
                  f"{'identical' if bad == 0 else f'{bad} differences'}", file=sys.stderr)
    res["mix"] = mix
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        for name in ("e2b", "e4b"):
            r = res[name]
            print(f"{name}: {r['bytes_per_token'] / 1e9:.3f} GB/token "
                  f"(LM head {r['lm_head_bytes'] / 1e9:.3f} GB {mix['embedding']}), "
                  f"{r['body_macs'] / 1e9:.3f} G MAC/prefill token")


if __name__ == "__main__":
    main()
