#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (a few KB each).

Usage: make_seeds.py SHARED_DIR EDGEMMA_BIN OUT_DIR
GGUF seeds come from the project's own writer (`edgemma synth` of a very small
config) plus hand-packed files for the tokenizer keys; safetensors seeds are
packed by hand; text seeds are cut from shared/testdata. Regression inputs
(crashes found by fuzzing) are added by hand next to the seeds as
regress-<what>.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

SHARED, EDGEMMA, OUT = sys.argv[1], sys.argv[2], sys.argv[3]


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- GGUF (v3, little-endian) packed by hand -------------------------------
U32, I32, F32, BOOL, STRING, ARRAY, U64 = 4, 5, 6, 7, 8, 9, 10


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    if t == U32:
        return struct.pack("<I", v)
    if t == I32:
        return struct.pack("<i", v)
    if t == F32:
        return struct.pack("<f", v)
    if t == BOOL:
        return struct.pack("<B", v)
    if t == STRING:
        return gstr(v)
    if t == U64:
        return struct.pack("<Q", v)
    et, items = v
    return struct.pack("<IQ", et, len(items)) + b"".join(gval(et, x) for x in items)


def gguf(kvs, tensors=(), align=32):
    """kvs: [(key, type, value)]; tensors: [(name, ne list, ggml type, bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += gstr(k) + struct.pack("<I", t) + gval(t, v)
    off = 0
    offs = []
    for name, ne, ty, data in tensors:
        offs.append(off)
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(
            struct.pack("<Q", n) for n in ne) + struct.pack("<IQ", ty, off)
        off += (len(data) + align - 1) // align * align
    out += b"\0" * (-len(out) % align)
    for (_, _, _, data), o in zip(tensors, offs):
        out += data + b"\0" * (-len(data) % align)
    return out


def tiny_vocab():
    toks = ["<pad>", "<eos>", "<bos>", "<unk>"] + ["<0x%02X>" % b for b in range(256)]
    toks += ["a", "b", "ab", "\u2581", "\u2581ab", "<|turn>", "<turn|>"]
    types = [3, 3, 3, 2] + [6] * 256 + [1] * 5 + [3, 3]
    return toks, types


def tokenizer_kvs(model="gemma4"):
    toks, types = tiny_vocab()
    return [
        ("general.architecture", STRING, "gemma4"),
        ("tokenizer.ggml.model", STRING, model),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, toks)),
        ("tokenizer.ggml.scores", ARRAY, (F32, [0.0] * len(toks))),
        ("tokenizer.ggml.token_type", ARRAY, (I32, types)),
        ("tokenizer.ggml.merges", ARRAY, (STRING, ["a b", "\u2581 ab"])),
        ("tokenizer.ggml.bos_token_id", U32, 2),
        ("tokenizer.ggml.eos_token_id", U32, 1),
        ("tokenizer.ggml.padding_token_id", U32, 0),
        ("tokenizer.ggml.add_bos_token", BOOL, 1),
    ]


put("gguf", "tokenizer-keys.gguf", gguf(tokenizer_kvs()))
put("gguf", "tokenizer-llama.gguf", gguf(tokenizer_kvs("llama")[:6]))
put("gguf", "tensors-aligned.gguf", gguf(
    [("general.alignment", U32, 64), ("x.u64", U64, 7)],
    [("w", [4, 2], 0, struct.pack("<8f", *range(8))),   # F32 [2, 4]
     ("q", [32, 1], 8, b"\x00\x3c" + bytes(range(32))),  # Q8_0 [1, 32]
     ("h", [3], 1, struct.pack("<3e", 1, 2, 3))],        # F16 [3]
    align=64))
put("gguf", "empty.gguf", gguf([]))

# A very small Gemma 4 text config through the project's own writer.
with open(os.path.join(SHARED, "testdata/tiny-e2b/config.json")) as f:
    full = json.load(f)
text = dict(full["text_config"])
text.update(hidden_size=8, intermediate_size=16, num_hidden_layers=3,
            num_attention_heads=2, num_key_value_heads=1, head_dim=4,
            global_head_dim=8, vocab_size=264, vocab_size_per_layer_input=264,
            hidden_size_per_layer_input=2, num_kv_shared_layers=1,
            sliding_window=4, layer_types=["sliding_attention",
                                           "full_attention", "full_attention"])
micro = {"model_type": "gemma4_text", **text}
for k in ("bos_token_id", "eos_token_id", "pad_token_id"):
    micro[k] = min(micro.get(k, 0) if not isinstance(micro.get(k), list) else 1, 3)
put("config", "micro-text.json", json.dumps(micro, indent=1))
with tempfile.TemporaryDirectory() as tmp:
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump(micro, f)
    gg = os.path.join(tmp, "micro.gguf")
    subprocess.run([EDGEMMA, "synth", "--config", cfg, "--type", "q8_0", gg],
                   check=True, stdout=subprocess.DEVNULL)
    with open(gg, "rb") as f:
        put("gguf", "synth-micro-q8_0.gguf", f.read())

# ---- config.json ------------------------------------------------------------
put("config", "tiny-e2b.json", json.dumps(full))
with open(os.path.join(SHARED, "testdata/tiny-e4b/config.json")) as f:
    put("config", "tiny-e4b-text.json", json.dumps(
        {"model_type": "gemma4_text", **json.load(f)["text_config"]}))

# ---- safetensors (single file) ---------------------------------------------


def safetensors(header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "two.safetensors", safetensors(
    {"__metadata__": {"format": "pt"},
     "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
     "b": {"dtype": "BF16", "shape": [3], "data_offsets": [16, 22]}},
    bytes(range(22))))
put("safetensors", "scalar-and-empty.safetensors", safetensors(
    {"s": {"dtype": "I64", "shape": [], "data_offsets": [0, 8]},
     "e": {"dtype": "F16", "shape": [0, 4], "data_offsets": [8, 8]},
     "u": {"dtype": "U8", "shape": [2], "data_offsets": [8, 10]}},
    bytes(10)))

# ---- sharded index (shards fixed by fuzz_safetensors_index.cc) -------------
s1, s2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
put("safetensors_index", "valid.json", json.dumps(
    {"metadata": {"total_size": 15}, "weight_map": {"a": s1, "b": s1, "c": s2}}))
put("safetensors_index", "one-shard.json", json.dumps({"weight_map": {"c": s2}}))
put("safetensors_index", "wrong-shard.json", json.dumps(
    {"weight_map": {"a": s2, "b": "../x", "c": 3}}))

# ---- tokenizer.json ---------------------------------------------------------
toks, types = tiny_vocab()
vocab = {t: i for i, t in enumerate(toks)}
tj = {"version": "1.0",
      "added_tokens": [{"id": i, "content": t, "special": types[i] == 3,
                        "single_word": False, "lstrip": False, "rstrip": False,
                        "normalized": False}
                       for i, t in enumerate(toks) if types[i] in (2, 3)],
      "normalizer": {"type": "Replace", "pattern": {"String": " "},
                     "content": "\u2581"},
      "pre_tokenizer": None,
      "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>",
                "fuse_unk": True, "vocab": vocab,
                "merges": [["a", "b"], ["\u2581", "ab"]]}}
put("tokenizer_json", "tiny.json", json.dumps(tj, ensure_ascii=False))
tj2 = dict(tj)
tj2["model"] = dict(tj["model"], merges=["a b", "\u2581 ab"])
put("tokenizer_json", "tiny-string-merges.json", json.dumps(tj2))

# ---- tokenizer input text (first byte: bit 0 = parse_special) -------------
put("tokenizer_encode", "hello", b"\x00Hello world, how are you?")
put("tokenizer_encode", "special", b"\x01<bos><|turn>user\nHi<turn|>\n")
put("tokenizer_encode", "mixed", "\x00  Ünïcödé 日本語 😀 tabs\t\tand\nnewlines  ".encode())
put("tokenizer_encode", "invalid-utf8", b"\x00abc\xff\xfe\xc3(\xe2\x82 end")
put("tokenizer_encode", "code", b"\x00def f(x):\n    return x ** 2  # square\n")

# ---- chat-format requests ---------------------------------------------------
with open(os.path.join(SHARED, "testdata/chat/golden.jsonl")) as f:
    rows = [json.loads(l) for l in f if l.strip()]
picked = {}
for r in rows:
    key = (bool(r.get("tools")), any(isinstance(m.get("content"), list)
                                     for m in r["messages"]),
           any("tool_calls" in m for m in r["messages"]), r.get("enable_thinking"))
    picked.setdefault(key, r)
for i, r in enumerate(picked.values()):
    req = {k: r[k] for k in ("messages", "tools", "enable_thinking",
                              "add_generation_prompt") if k in r}
    put("chat_format", "golden-%02d.json" % i, json.dumps(req, ensure_ascii=False))

# ---- raw responses (first byte: piece-length seed for the stream) ---------
with open(os.path.join(SHARED, "testdata/chat/parse_golden.jsonl")) as f:
    for i, l in enumerate(f):
        if l.strip():
            put("response", "golden-%02d" % i,
                bytes([i * 37 % 256]) + json.loads(l)["text"].encode())
