"""Writes log-mel test cases computed by the reference (gemma4ref.audio.log_mel).

usage: make_log_mel_cases.py SHARED_DIR OUT_DIR
For each case NAME: NAME.wave.npy (float32 input), NAME.mel.npy, NAME.mask.npy (uint8) and
NAME.json (the feature-extractor block, {} for the defaults). Cases cover lengths that are not
multiples of 128 or 160, the empty and very short clips, truncation past 30 s, pure tones
(near-floor bins) and a non-default front end (other rate, widths, preemphasis, per-bin norm).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(sys.argv[1], "reference"))
from gemma4ref import audio as A  # noqa: E402

out = sys.argv[2]
rng = np.random.default_rng(5)
t = np.arange(48000) / 16000.0


def case(name, wave, fe=None):
    cfg = {"feature_extractor": fe} if fe else None
    feats, mask = A.log_mel(cfg, np.asarray(wave, dtype=np.float32))
    np.save(os.path.join(out, name + ".wave.npy"), np.asarray(wave, dtype=np.float32))
    np.save(os.path.join(out, name + ".mel.npy"), feats.astype(np.float32))
    np.save(os.path.join(out, name + ".mask.npy"), mask.astype(np.uint8))
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump({"feature_extractor": fe or {}}, f)


noise = (0.3 * rng.standard_normal(48000)).astype(np.float32)
for n in (0, 1, 100, 160, 161, 320, 321, 641, 4900, 16037):
    case("noise_%d" % n, noise[:n])
case("tone_1k", 0.5 * np.sin(2 * np.pi * 1000 * t[:16000]))
case("chirp", 0.8 * np.sin(2 * np.pi * (100 + 2500 * t[:20011]) * t[:20011]))
case("quiet", 1e-4 * rng.standard_normal(9999))
case("clipped", np.clip(3 * noise[:12345], -1, 1))
long = (0.1 * rng.standard_normal(480000 + 2000)).astype(np.float32)
case("over_30s", long)
other = {"sampling_rate": 8000, "feature_size": 80, "frame_length_ms": 25.0,
         "hop_length_ms": 12.5, "min_frequency": 60.0, "max_frequency": 3800.0,
         "preemphasis": 0.97, "preemphasis_htk_flavor": True, "mel_floor": 1e-5,
         "max_length": 20000, "pad_to_multiple_of": 64, "window": "float32_cos",
         "per_bin_mean": list(rng.standard_normal(80) * 0.1),
         "per_bin_stddev": list(1 + rng.random(80))}
case("other_htk", noise[:23456], other)
other2 = dict(other, preemphasis_htk_flavor=False, pad_to_multiple_of=0, fft_overdrive=True,
              max_length=None, truncation=False, input_scale_factor=0.5, window="numpy_hanning")
other2.pop("per_bin_mean")
case("other_plain", noise[:7001], other2)
