#!/usr/bin/python3
"""Write an HF checkpoint directory whose audio tower has the real E2B/E4B
shapes (gemma4ref AUDIO_CONFIG_DEFAULTS: 1024 wide, 12 layers, 8 heads,
channels [128, 32], output 1536) with random weights (gemma4ref
init_audio_weights), and a tiny text model of the real text width (1536 for
E2B, 2560 for E4B) so that embed_audio has its real shape. For the audio
benchmark only (`edgemma quantize DIR m.gguf` then writes mmproj-m.gguf).

    make_full_tower.py SHARED_DIR OUT_DIR e2b|e4b
"""
import os
import sys

import numpy as np


def main():
    shared, out, variant = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.path.insert(0, os.path.join(shared, "reference"))
    import make_tiny
    from gemma4ref import audio
    from gemma4ref import config as gconfig
    from gemma4ref.text import init_text_weights

    cfg, weights, extra = make_tiny.build("tiny-e2b", 5)
    cfg["text_config"]["hidden_size"] = {"e2b": 1536, "e4b": 2560}[variant]
    cfg["audio_config"] = dict(audio.AUDIO_CONFIG_DEFAULTS)
    weights = {k: v for k, v in weights.items()
               if not k.startswith(("model.language_model.", "model.audio_tower.", "model.embed_"))}
    weights.update(init_text_weights(gconfig.TextConfig(cfg), np.random.default_rng(1)))
    weights.update(audio.init_audio_weights(cfg, np.random.default_rng(2)))
    from gemma4ref.text import init_multimodal_embedder_weights
    for k, v in init_multimodal_embedder_weights(cfg, np.random.default_rng(3)).items():
        weights.setdefault(k, v)
    make_tiny.write_model_dir(out, cfg, weights, extra)


if __name__ == "__main__":
    main()
