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

# ---- sound files (media: any bytes as a file libsndfile reads) -------------
import io
import math
import wave


def tone(n, rate, freq=440.0, amp=0.5):
    return [amp * math.sin(2 * math.pi * freq * i / rate) for i in range(n)]


def wav(rate, channels, width, frames):
    b = io.BytesIO()
    with wave.open(b, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        x = tone(frames * channels, rate)
        if width == 1:
            w.writeframes(bytes(int(128 + 100 * v) for v in x))
        else:
            w.writeframes(b"".join(struct.pack("<h", int(30000 * v)) for v in x))
    return b.getvalue()


def wav_f32(rate, channels, samples):
    data = b"".join(struct.pack("<f", v) for v in samples)
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels, 4 * channels, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def sox(src, *args):
    """Converts the WAV bytes `src` with sox (output type and options in args)."""
    with tempfile.TemporaryDirectory() as d:
        a = os.path.join(d, "in.wav")
        with open(a, "wb") as f:
            f.write(src)
        out = os.path.join(d, "out." + args[-1])
        subprocess.run(["sox", a] + list(args[:-1]) + [out], check=True)
        with open(out, "rb") as f:
            return f.read()


s16 = wav(16000, 1, 2, 320)
put("sound_file", "s16-16k-mono.wav", s16)
put("sound_file", "u8-8k-stereo.wav", wav(8000, 2, 1, 200))
put("sound_file", "s16-44k-stereo.wav", wav(44100, 2, 2, 300))
put("sound_file", "f32-22k-mono.wav", wav_f32(22050, 1, tone(300, 22050)))
put("sound_file", "f32-48k-3ch.wav", wav_f32(48000, 3, tone(3 * 100, 48000)))
put("sound_file", "s24-48k.wav", sox(s16, "-b", "24", "-r", "48000", "wav"))
put("sound_file", "16k.flac", sox(s16, "flac"))
put("sound_file", "stereo-22k.flac", sox(wav(22050, 2, 2, 400), "flac"))
put("sound_file", "s16.aiff", sox(s16, "aiff"))
put("sound_file", "s16.au", sox(s16, "au"))

# ---- image files (media: JPEG, PNG, PPM/PGM by magic bytes) ----------------
from PIL import Image  # noqa: E402


def picture(w, h, mode="RGB"):
    im = Image.new("RGB", (w, h))
    im.putdata([((x * 37) % 256, (y * 53) % 256, (x * y) % 256)
                for y in range(h) for x in range(w)])
    return im.convert(mode) if mode != "RGB" else im


def encode(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def exif_orientation(v):
    e = Image.Exif()
    e[0x0112] = v
    return e.tobytes()


put("image_file", "baseline.jpg", encode(picture(8, 8), "JPEG", quality=90))
put("image_file", "progressive-420.jpg",
    encode(picture(17, 11), "JPEG", progressive=True, subsampling=2))
put("image_file", "gray.jpg", encode(picture(9, 7, "L"), "JPEG"))
put("image_file", "cmyk.jpg", encode(picture(8, 6, "CMYK"), "JPEG"))
put("image_file", "exif-rot6.jpg",
    encode(picture(6, 4), "JPEG", exif=exif_orientation(6)))
put("image_file", "rgb.png", encode(picture(7, 5), "PNG"))
put("image_file", "gray-1bit.png", encode(picture(9, 3, "1"), "PNG"))
pal = picture(6, 6, "P")
pal.info["transparency"] = 0
put("image_file", "palette-trns.png", encode(pal, "PNG"))
put("image_file", "rgba.png", encode(picture(5, 4, "RGBA"), "PNG"))
g16 = Image.new("I;16", (4, 4))
g16.putdata([i * 4001 for i in range(16)])
put("image_file", "gray16.png", encode(g16, "PNG"))
put("image_file", "exif-rot8.png",
    encode(picture(5, 3), "PNG", exif=exif_orientation(8)))
put("image_file", "rgb.ppm", b"P6\n# c\n3 2\n255\n" + bytes(range(18)))
put("image_file", "gray.pgm", b"P5 4 2 255\n" + bytes(range(8)))

# ---- log-mel front end: byte 0 flags (bit 0: JSON params follow, byte 1 =
# its length), then float32 PCM ---------------------------------------------


def pcm(values):
    return b"".join(struct.pack("<f", v) for v in values)


put("log_mel", "tone-16k", b"\x00" + pcm(tone(1000, 16000)))
put("log_mel", "short", b"\x06" + pcm(tone(7, 16000)))
put("log_mel", "nan-inside", b"\x00" + pcm(tone(400, 16000) + [float("nan")] + tone(50, 16000)))
put("log_mel", "inf-and-huge", b"\x10" + pcm([3e38, -3e38, float("inf")] + tone(300, 16000)))
put("log_mel", "denormal-odd-bytes", b"\x22" + pcm([1e-40] * 333) + b"\x01\x02")
for name, params, n in [
        ("json-8k-40mels", {"sampling_rate": 8000, "feature_size": 40}, 600),
        ("json-44k-overdrive", {"sampling_rate": 44100, "feature_size": 64,
                                "fft_overdrive": True, "max_length": 900,
                                "pad_to_multiple_of": 100}, 1000),
        ("json-preemph-norm", {"feature_size": 3, "preemphasis": 0.97,
                               "per_bin_mean": [0.1, 0.2, 0.3],
                               "per_bin_stddev": [1, 2, 0.5],
                               "window": "float32_cos"}, 700)]:
    j = json.dumps(params, separators=(",", ":")).encode()
    assert len(j) < 256
    put("log_mel", name, bytes([0x05, len(j)]) + j + pcm(tone(n, 16000, 1000)))

# ---- vision preprocessing: int16 height, width, flags, budget, p, k, pixels -


def prep(h, w, flags=0, budget=0, p=0, k=0, pixels=b""):
    return struct.pack("<hhBBBB", h, w, flags, budget, p, k) + pixels


put("image_preprocess", "24x32-b70", prep(24, 32, pixels=bytes(range(200))))
put("image_preprocess", "48x48-b70-padded", prep(48, 48, flags=2))
put("image_preprocess", "1x300-wide", prep(1, 300, pixels=b"\x00\xff"))
put("image_preprocess", "600x2-tall-b140", prep(600, 2, budget=1))
put("image_preprocess", "huge-sides", prep(20000, 30000, flags=1, budget=4))
put("image_preprocess", "p5-k2", prep(40, 30, budget=0, p=11, k=17, pixels=b"\x10\x80"))
put("image_preprocess", "bad-budget", prep(10, 10, budget=7))
