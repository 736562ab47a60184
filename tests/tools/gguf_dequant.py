#!/usr/bin/python3
"""Rewrites a GGUF with every tensor dequantized to F32 (numpy only).

    /usr/bin/python3 tests/tools/gguf_dequant.py IN.gguf OUT.gguf

Metadata is copied byte for byte (general.file_type, when present, is set to 0 =
all F32); tensor order, names and shapes are kept. Types: F32, F16, BF16, Q4_0,
Q8_0, Q4_K, Q5_K, Q6_K. The block decoders follow ggml's reference
dequantize_row_* (ggml/src/ggml-quants.c) and are written independently of
edgemma's quant/ code, so the interop test's f32 model does not share a
dequantizer with the runtime under test.
"""

import struct
import sys

import numpy as np

QK_K = 256
# ggml type id -> (name, elements per block, bytes per block)
TYPES = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 8: ("Q8_0", 32, 34),
    12: ("Q4_K", QK_K, 144), 13: ("Q5_K", QK_K, 176), 14: ("Q6_K", QK_K, 210),
    30: ("BF16", 1, 2),
}
SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return v[0]

    def string(self):
        n = self.take("Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def skip_value(self, vtype):
        if vtype == 8:
            self.string()
        elif vtype == 9:
            item, n = self.take("I"), self.take("Q")
            if item in SCALAR_SIZES:
                self.pos += SCALAR_SIZES[item] * n
            else:
                for _ in range(n):
                    self.skip_value(item)
        elif vtype in SCALAR_SIZES:
            self.pos += SCALAR_SIZES[vtype]
        else:
            raise ValueError(f"unknown GGUF value type {vtype}")


def f16(raw, offset):
    """Little-endian f16 fields at byte `offset` of every block row -> f32 [n]."""
    return raw[:, offset:offset + 2].copy().view(np.float16)[:, 0].astype(np.float32)


def scale_min_k4(scales):
    """ggml's get_scale_min_k4 for j = 0..7: [n, 12] u8 -> sc, m [n, 8] f32."""
    q = scales.astype(np.uint8)
    sc = np.empty((q.shape[0], 8), np.uint8)
    m = np.empty_like(sc)
    sc[:, :4] = q[:, 0:4] & 63
    m[:, :4] = q[:, 4:8] & 63
    sc[:, 4:] = (q[:, 8:12] & 0xF) | ((q[:, 0:4] >> 6) << 4)
    m[:, 4:] = (q[:, 8:12] >> 4) | ((q[:, 4:8] >> 6) << 4)
    return sc.astype(np.float32), m.astype(np.float32)


def deq_q4_0(raw):
    d = f16(raw, 0)[:, None]
    qs = raw[:, 2:18]
    q = np.concatenate([qs & 0xF, qs >> 4], axis=1).astype(np.float32) - 8
    return q * d


def deq_q8_0(raw):
    return raw[:, 2:34].copy().view(np.int8).astype(np.float32) * f16(raw, 0)[:, None]


def deq_q4_k(raw):
    d, dmin = f16(raw, 0)[:, None], f16(raw, 2)[:, None]
    sc, m = scale_min_k4(raw[:, 4:16])
    qs = raw[:, 16:144].reshape(-1, 4, 32)  # 4 chunks of 64 values
    lo, hi = (qs & 0xF).astype(np.float32), (qs >> 4).astype(np.float32)
    y = np.empty((raw.shape[0], 4, 2, 32), np.float32)
    y[:, :, 0] = (d * sc[:, 0::2])[:, :, None] * lo - (dmin * m[:, 0::2])[:, :, None]
    y[:, :, 1] = (d * sc[:, 1::2])[:, :, None] * hi - (dmin * m[:, 1::2])[:, :, None]
    return y.reshape(-1, QK_K)


def deq_q5_k(raw):
    d, dmin = f16(raw, 0)[:, None], f16(raw, 2)[:, None]
    sc, m = scale_min_k4(raw[:, 4:16])
    qh = raw[:, 16:48]
    qs = raw[:, 48:176].reshape(-1, 4, 32)
    y = np.empty((raw.shape[0], 4, 2, 32), np.float32)
    for j in range(4):
        h_lo = ((qh >> (2 * j)) & 1).astype(np.float32) * 16
        h_hi = ((qh >> (2 * j + 1)) & 1).astype(np.float32) * 16
        lo = (qs[:, j] & 0xF).astype(np.float32) + h_lo
        hi = (qs[:, j] >> 4).astype(np.float32) + h_hi
        y[:, j, 0] = (d[:, 0] * sc[:, 2 * j])[:, None] * lo - (dmin[:, 0] * m[:, 2 * j])[:, None]
        y[:, j, 1] = (d[:, 0] * sc[:, 2 * j + 1])[:, None] * hi - (dmin[:, 0] * m[:, 2 * j + 1])[:, None]
    return y.reshape(-1, QK_K)


def deq_q6_k(raw):
    ql, qh = raw[:, 0:128], raw[:, 128:192]
    sc = raw[:, 192:208].copy().view(np.int8).astype(np.float32)
    d = f16(raw, 208)
    y = np.empty((raw.shape[0], 2, 4, 32), np.float32)
    for half in range(2):
        l = ql[:, 64 * half:64 * half + 64]
        h = qh[:, 32 * half:32 * half + 32]
        q = [(l[:, 0:32] & 0xF) | (((h >> 0) & 3) << 4), (l[:, 32:64] & 0xF) | (((h >> 2) & 3) << 4),
             (l[:, 0:32] >> 4) | (((h >> 4) & 3) << 4), (l[:, 32:64] >> 4) | (((h >> 6) & 3) << 4)]
        for k in range(4):
            # scales for elements l < 16 and l >= 16 of this 32-run
            s = sc[:, 8 * half + 2 * k:8 * half + 2 * k + 2]
            vals = q[k].astype(np.float32) - 32
            y[:, half, k, :16] = (d * s[:, 0])[:, None] * vals[:, :16]
            y[:, half, k, 16:] = (d * s[:, 1])[:, None] * vals[:, 16:]
    return y.reshape(-1, QK_K)


def dequantize(ttype, buf, n):
    name, block, size = TYPES[ttype]
    raw = np.frombuffer(buf, np.uint8, count=n // block * size)
    if name == "F32":
        return raw.view(np.float32)
    if name == "F16":
        return raw.view(np.float16).astype(np.float32)
    if name == "BF16":
        return (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    decode = {"Q4_0": deq_q4_0, "Q8_0": deq_q8_0, "Q4_K": deq_q4_k, "Q5_K": deq_q5_k,
              "Q6_K": deq_q6_k}[name]
    return decode(raw.reshape(-1, size)).reshape(-1)


def parse(data, src, drop_prefix=None):
    """Header of a GGUF: (version, kv count, kv bytes, alignment, tensors, data
    start). Keys starting with drop_prefix are left out of the kv bytes;
    general.file_type's value is located as file_type_at (offset in kv bytes)."""
    r = Reader(data)
    if data[:4] != b"GGUF":
        sys.exit(f"{src}: not a GGUF file")
    r.pos = 4
    version, n_tensors, n_kv = r.take("I"), r.take("Q"), r.take("Q")
    alignment, file_type_at, kv, kept = 32, None, bytearray(), 0
    for _ in range(n_kv):
        start = r.pos
        key = r.string()
        vtype = r.take("I")
        if key == "general.alignment":
            alignment = struct.unpack_from("<I", data, r.pos)[0]
        if key == "general.file_type" and vtype == 4:
            file_type_at = len(kv) + (r.pos - start)
        r.skip_value(vtype)
        if drop_prefix and key.startswith(drop_prefix):
            continue
        kv += data[start:r.pos]
        kept += 1
    tensors = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.take("Q") for _ in range(r.take("I"))]
        ttype, offset = r.take("I"), r.take("Q")
        if ttype not in TYPES:
            sys.exit(f"{src}: tensor {name} has unsupported type {ttype}")
        tensors.append((name, dims, ttype, offset))
    base = (r.pos + alignment - 1) // alignment * alignment
    return dict(version=version, n_kv=kept, kv=kv, alignment=alignment,
                file_type_at=file_type_at, tensors=tensors, base=base)


def rewrite(data, h, dst, convert):
    """Writes header h and every tensor of `data` as convert(type, raw bytes,
    elements) -> (new type, new bytes) to dst, offsets re-aligned."""
    infos, blobs, offset = bytearray(), [], 0
    for name, dims, ttype, toff in h["tensors"]:
        n = int(np.prod(dims))
        block, size = TYPES[ttype][1], TYPES[ttype][2]
        start = h["base"] + toff
        otype, blob = convert(ttype, data[start:start + n // block * size], n)
        enc = name.encode("utf-8")
        infos += struct.pack("<Q", len(enc)) + enc + struct.pack("<I", len(dims))
        infos += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", otype, offset)
        pad = (-len(blob)) % h["alignment"]
        blobs.append(blob + b"\0" * pad)
        offset += len(blob) + pad
    head = b"GGUF" + struct.pack("<IQQ", h["version"], len(h["tensors"]), h["n_kv"])
    head += bytes(h["kv"]) + bytes(infos)
    head += b"\0" * ((-len(head)) % h["alignment"])
    with open(dst, "wb") as f:
        f.write(head)
        for blob in blobs:
            f.write(blob)


def main(src, dst):
    data = open(src, "rb").read()
    h = parse(data, src)
    if h["file_type_at"] is not None:
        struct.pack_into("<I", h["kv"], h["file_type_at"], 0)
    rewrite(data, h, dst,
            lambda t, raw, n: (0, dequantize(t, raw, n).astype("<f4").tobytes()))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
