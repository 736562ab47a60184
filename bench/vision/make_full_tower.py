#!/usr/bin/python3
"""Write an HF checkpoint directory whose vision tower has the real E2B/E4B
shapes (gemma4ref VISION_CONFIG_DEFAULTS with the release's clipped linears:
768 wide, 16 layers, 12 heads of 64, MLP 3072, 10240-entry position table,
patch 16, pooling 3) with random weights (gemma4ref init_vision_weights), and a
tiny text model of the real text width (1536 for E2B, 2560 for E4B) so that
embed_vision has its real shape. For the vision benchmark only
(`edgemma quantize DIR m.gguf --type q8_0` then writes mmproj-m.gguf).

    make_full_tower.py SHARED_DIR OUT_DIR e2b|e4b
"""
import os
import sys

import numpy as np


def main():
    shared, out, variant = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.path.insert(0, os.path.join(shared, "reference"))
    import make_tiny
    from gemma4ref import config as gconfig
    from gemma4ref import vision
    from gemma4ref.text import init_multimodal_embedder_weights, init_text_weights

    cfg, weights, extra = make_tiny.build("tiny-e2b", 5)
    cfg["text_config"]["hidden_size"] = {"e2b": 1536, "e4b": 2560}[variant]
    cfg["vision_config"] = dict(vision.VISION_CONFIG_DEFAULTS, use_clipped_linears=True)
    cfg.pop("audio_config", None)
    weights = {k: v for k, v in weights.items()
               if not k.startswith(("model.language_model.", "model.vision_tower.",
                                    "model.audio_tower.", "model.embed_"))}
    weights.update(init_text_weights(gconfig.TextConfig(cfg), np.random.default_rng(1)))
    weights.update(vision.init_vision_weights(cfg, np.random.default_rng(2)))
    for k, v in init_multimodal_embedder_weights(cfg, np.random.default_rng(3)).items():
        weights.setdefault(k, v)
    make_tiny.write_model_dir(out, cfg, weights, extra)


if __name__ == "__main__":
    main()
