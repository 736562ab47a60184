#!/usr/bin/python3
"""Write a random-weight Gemma 4 model with ANOTHER vision config, plus the
reference's vision outputs for generated images (run by vision tests).

    make_vision_model.py OUT_DIR --variant a|b

The text part is the tiny-e2b text model (gemma4ref.config.tiny_config); the
vision config is overridden (width, heads, KV heads, layers, head_dim, MLP
width, position-table size, RoPE theta, patch size, pooling kernel,
clipped linears, standardize), weights from gemma4ref.vision.init_vision_weights
with jittered norm weights (so a runtime that ignores a norm weight fails).
No audio tower. Images: a landscape and a portrait gradient whose sides are not
multiples of the grid unit, each preprocessed by the reference at an HF budget.

Writes OUT_DIR/{config.json, generation_config.json, model.safetensors} and
per image i: rgb_<i>.npy uint8 [h, w, 3], budget_<i>.npy int32 [1], pixels_<i>.npy float32 [rows, 3*p*p] (with padding rows),
pos_<i>.npy int32 [rows, 2], tower_<i>.npy float32 [n_soft, d] (vision_tower,
before the embedder) and embed_<i>.npy float32 [n_soft, text_d] (after
embed_vision), computed in float64 on the stored (rounded) weights; and
images.json listing them.
"""

import argparse
import json
import os
import sys

import numpy as np

SHARED = os.environ.get("EDGEMMA_SHARED_DIR", "/work/shared")
sys.path.insert(0, os.path.join(SHARED, "reference"))

from gemma4ref import config as gconfig  # noqa: E402
from gemma4ref import st  # noqa: E402
from gemma4ref import vision  # noqa: E402
from gemma4ref.text import init_multimodal_embedder_weights, init_text_weights  # noqa: E402

VARIANTS = {
    # odd width, 5 heads of 8, 3 layers, small table, theta 37.5, 8-px patches,
    # 2x2 pooling, clipped linears, BF16 storage
    "a": dict(vision={"hidden_size": 40, "intermediate_size": 72, "num_hidden_layers": 3,
                      "num_attention_heads": 5, "num_key_value_heads": 5, "head_dim": 8,
                      "global_head_dim": 8, "position_embedding_size": 64,
                      "rope_parameters": {"rope_type": "default", "rope_theta": 37.5},
                      "patch_size": 8, "pooling_kernel_size": 2, "use_clipped_linears": True,
                      "standardize": False},
              dtype="BF16", images=[(50, 123, 140), (131, 37, 70)]),
    # wider, 4 query heads over 2 KV heads of 24, 2 layers, table 300, theta
    # 1000, 16-px patches, 3x3 pooling, no clipping, standardize, F32 storage
    "b": dict(vision={"hidden_size": 96, "intermediate_size": 160, "num_hidden_layers": 2,
                      "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 24,
                      "global_head_dim": 24, "position_embedding_size": 300,
                      "rope_parameters": {"rope_type": "default", "rope_theta": 1000.0},
                      "patch_size": 16, "pooling_kernel_size": 3, "use_clipped_linears": False,
                      "standardize": True},
              dtype="F32", images=[(70, 301, 70), (257, 90, 70)]),
}


def gradient(h, w, seed):
    yy, xx = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 40, size=(h, w))
    rgb = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1),
                    (xx * 3 + yy * 5 + noise) % 256], -1)
    return rgb.astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    a = ap.parse_args()
    var = VARIANTS[a.variant]
    cfg = gconfig.tiny_config("tiny-e2b", 3)
    cfg.pop("audio_config", None)
    cfg["vision_config"].update(var["vision"])
    cfg["_tiny"]["name"] = "vision-variant-" + a.variant
    rng = lambda comp: np.random.default_rng([11, comp])  # noqa: E731
    weights = dict(init_text_weights(gconfig.TextConfig(cfg), rng(0)))
    weights.update(vision.init_vision_weights(cfg, rng(2), norm_jitter=0.2))
    for k, v in init_multimodal_embedder_weights(cfg, rng(1)).items():
        weights.setdefault(k, v)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    tc = cfg["text_config"]
    with open(os.path.join(a.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": tc["bos_token_id"], "eos_token_id": cfg["eos_token_id"],
                   "pad_token_id": tc["pad_token_id"]}, f)
    path = os.path.join(a.out, "model.safetensors")
    st.write_safetensors(path, weights, metadata={"format": "pt"}, default_float=var["dtype"])
    stored = st.read_safetensors(path)  # the rounded values the runtime reads
    listing = []
    for i, (h, w, budget) in enumerate(var["images"]):
        rgb = gradient(h, w, i)
        pv, pos, n_soft = vision.preprocess_image(cfg, rgb, budget)
        tower = vision.vision_tower(stored, cfg, pv, pos)
        emb = vision.embed_vision(stored, cfg, tower)
        assert tower.shape[0] == n_soft and emb.shape[0] == n_soft
        np.save(os.path.join(a.out, f"rgb_{i}.npy"), rgb)
        np.save(os.path.join(a.out, f"budget_{i}.npy"), np.array([budget], np.int32))
        np.save(os.path.join(a.out, f"pixels_{i}.npy"), pv.astype(np.float32))
        np.save(os.path.join(a.out, f"pos_{i}.npy"), pos.astype(np.int32))
        np.save(os.path.join(a.out, f"tower_{i}.npy"), tower.astype(np.float32))
        np.save(os.path.join(a.out, f"embed_{i}.npy"), emb.astype(np.float32))
        listing.append({"height": h, "width": w, "budget": budget, "n_soft": int(n_soft),
                        "grid": [int(pos[:, 1].max()) + 1, int(pos[:, 0].max()) + 1]})
    with open(os.path.join(a.out, "images.json"), "w") as f:
        json.dump(listing, f, indent=1)


if __name__ == "__main__":
    main()
