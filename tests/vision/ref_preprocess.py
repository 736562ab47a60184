"""Writes preprocessing cases through the reference (gemma4ref.vision) for
tests/vision/preprocess_test.cc.

usage: ref_preprocess.py SHARED_DIR OUT_DIR

Random images (noise, hard 0/255 blocks, gradients) of odd sizes: portrait,
landscape, tiny (1x1, 1xN), up- and downscales, one axis unchanged, an exact
fit, and processor parameters other than p=16, k=3. For each case OUT_DIR gets
<name>.rgb.npy (input), <name>.resized.npy (the reference's PIL resize, when the
size changes) and, for the named cases under 3 MB, <name>.pv.npy / <name>.pos.npy (int32);
manifest.txt has one line per case: name H W budget p k th tw n_soft has_pv.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(sys.argv[1], "reference"))
from gemma4ref import vision  # noqa: E402

out = sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20)


def image(h, w, kind):
    if kind == "noise":
        return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    if kind == "blocks":  # saturated edges: the filter overshoots, clipping matters
        b = rng.integers(0, 2, size=((h + 2) // 3, (w + 2) // 3, 3)) * 255
        return np.repeat(np.repeat(b, 3, 0), 3, 1)[:h, :w].astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    g = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1),
                  (xx * 7 + yy * 3) % 256], -1)
    return g.astype(np.uint8)


cases = [
    ("golden_like", 80, 112, 70, 16, 3, "noise"),
    ("portrait", 517, 263, 280, 16, 3, "noise"),
    ("portrait2", 1001, 333, 140, 16, 3, "blocks"),
    ("landscape", 263, 517, 70, 16, 3, "blocks"),
    ("landscape2", 333, 1001, 560, 16, 3, "noise"),
    ("px1x1", 1, 1, 70, 16, 3, "noise"),
    ("px1x7", 1, 7, 70, 16, 3, "noise"),
    ("px7x1", 7, 1, 140, 16, 3, "noise"),
    ("row1x1000", 1, 1000, 70, 16, 3, "noise"),
    ("col1000x2", 1000, 2, 280, 16, 3, "gradient"),
    ("up10x10", 10, 10, 280, 16, 3, "blocks"),
    ("up50x37", 50, 37, 1120, 16, 3, "noise"),
    ("down1600x1200", 1600, 1200, 70, 16, 3, "noise"),
    ("down1200x1600", 1200, 1600, 140, 16, 3, "gradient"),
    ("skip_v", 336, 440, 70, 16, 3, "noise"),
    ("skip_h", 440, 336, 70, 16, 3, "blocks"),
    ("exact", 384, 384, 70, 16, 3, "noise"),
    ("p8k2", 77, 123, 140, 8, 2, "noise"),
    ("p14k4", 200, 150, 70, 14, 4, "blocks"),
]
for i in range(24):  # a random sweep of shapes
    h, w = (int(v) for v in rng.integers(1, 700, size=2))
    b = int(rng.choice([70, 140, 280]))
    cases.append((f"sweep{i}", h, w, b, 16, 3, ["noise", "blocks", "gradient"][i % 3]))

with open(os.path.join(out, "manifest.txt"), "w") as m:
    for name, h, w, budget, p, k, kind in cases:
        cfg = {"vision_config": {"patch_size": p, "pooling_kernel_size": k}}
        img = image(h, w, kind)
        th, tw = vision.target_size(h, w, p, budget * k * k, k)
        np.save(os.path.join(out, name + ".rgb.npy"), img)
        if (th, tw) != (h, w):
            np.save(os.path.join(out, name + ".resized.npy"),
                    vision._pil_bicubic_resize(img, th, tw))
        has_pv = int(not name.startswith("sweep") and budget * k * k * 3 * p * p * 4 <= 3_000_000)
        n_soft = vision.n_image_tokens(cfg, h, w, budget)
        if has_pv:
            pv, pid, n = vision.preprocess_image(cfg, img, budget)
            assert n == n_soft
            np.save(os.path.join(out, name + ".pv.npy"), pv)
            np.save(os.path.join(out, name + ".pos.npy"), pid.astype(np.int32))
        m.write(f"{name} {h} {w} {budget} {p} {k} {th} {tw} {n_soft} {has_pv}\n")
