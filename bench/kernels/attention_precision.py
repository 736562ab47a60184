#!/usr/bin/python3
"""Precision of cheaper attention products, against f32 math.

One query row against 512 keys (head_dim 256; random normal q, K, V with 8
keys leaning towards q so the softmax is peaked), 20 trials. Prints the mean
and max over trials of the attention output's largest error relative to its
largest element, for: the f16 KV cache alone (what edgemma does), q and K in
bf16 with P . V in bf16 on top (AVX512-BF16 / AMX products), and q quantized
to Q8_0 blocks (an int8 Q . K^T). Usage: bench/kernels/attention_precision.py
(Debian's python3-numpy).
"""
import numpy as np


def bf16(x):
    """Round to bfloat16 (nearest even), back as float32."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32)


def f16(x):
    return np.asarray(x, np.float32).astype(np.float16).astype(np.float32)


def q8_0(x):
    b = x.reshape(-1, 32)
    d = np.abs(b).max(1, keepdims=True) / 127
    q = np.round(b / np.where(d == 0, 1, d))  # ties differ from Q8_0: harmless
    return (q * d).reshape(-1).astype(np.float32)


def attend(q, k, v, mode):
    if mode == "f32":
        s = k @ q
    elif mode == "bf16":
        s = bf16(f16(k)) @ bf16(q)
    elif mode == "q8_0 q":
        s = f16(k) @ q8_0(q)
    else:  # f16 cache
        s = f16(k) @ q
    p = np.exp(s - s.max())
    p /= p.sum()
    if mode == "bf16":
        return bf16(p) @ bf16(f16(v))
    return p @ (v if mode == "f32" else f16(v))


def main():
    rng = np.random.default_rng(0)
    hd, keys = 256, 512
    errs = {"f16 cache": [], "bf16": [], "q8_0 q": []}
    for _ in range(20):
        q = rng.standard_normal(hd).astype(np.float32)
        k = rng.standard_normal((keys, hd)).astype(np.float32)
        v = rng.standard_normal((keys, hd)).astype(np.float32)
        k[:8] += 0.3 * q
        ref = attend(q, k, v, "f32").astype(np.float64)
        for mode, e in errs.items():
            out = attend(q, k, v, mode)
            e.append(np.abs(out - ref).max() / np.abs(ref).max())
    for mode, e in errs.items():
        print(f"{mode:10s} mean {np.mean(e):.2e} max {np.max(e):.2e}")


if __name__ == "__main__":
    main()
