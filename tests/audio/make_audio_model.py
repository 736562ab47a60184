#!/usr/bin/python3
"""Write a random-weight Gemma 4 model whose audio tower has another config,
plus the reference's soft tokens for generated audio.

    make_audio_model.py SHARED_DIR OUT_DIR '{"hidden_size": 40, ...}'

OUT_DIR/model        HF checkpoint directory (config.json, model.safetensors in
                     BF16), text part = tiny-e2b, audio_config = the tiny one
                     with the given overrides (gemma4ref.audio.init_audio_weights)
OUT_DIR/clipN_mel.npy, clipN_mask.npy   gemma4ref.audio.log_mel of clip N
OUT_DIR/clipN_emb.npy                   gemma4ref.audio.forward_audio (float32
                                        [n_tokens, text_hidden], from the
                                        BF16-rounded weights, float64 math)
Clip lengths are chosen so that frame counts are not multiples of 4 and one
clip has masked (padding) frames.
"""
import json
import os
import sys

import numpy as np


def main():
    shared, out, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    sys.path.insert(0, os.path.join(shared, "reference"))
    import make_tiny
    from gemma4ref import audio, st

    cfg, weights, extra = make_tiny.build("tiny-e2b", 11)
    cfg["audio_config"].update(overrides)
    weights = {k: v for k, v in weights.items()
               if not k.startswith(("model.audio_tower.", "model.embed_audio."))}
    weights.update(audio.init_audio_weights(cfg, np.random.default_rng(23)))
    model_dir = os.path.join(out, "model")
    make_tiny.write_model_dir(model_dir, cfg, weights, extra)
    # The reference runs on what the file holds (BF16-rounded values).
    stored = st.read_safetensors(os.path.join(model_dir, "model.safetensors"))
    stored = {k: np.asarray(v, dtype=np.float64) for k, v in stored.items()}
    sr = 16000
    for i, n in enumerate((4900, 17003)):
        t = np.arange(n) / sr
        wav = (0.4 * np.sin(2 * np.pi * (300 + 900 * t) * t)
               + 0.05 * np.random.default_rng(i).normal(size=n)).astype(np.float32)
        mel, mask = audio.log_mel(cfg, wav)
        emb = audio.forward_audio(stored, cfg, mel, mask)
        np.save(os.path.join(out, f"clip{i}_mel.npy"), mel)
        np.save(os.path.join(out, f"clip{i}_mask.npy"), mask)
        np.save(os.path.join(out, f"clip{i}_emb.npy"), emb.astype(np.float32))
        np.save(os.path.join(out, f"clip{i}_wav.npy"), wav)


if __name__ == "__main__":
    main()
