"""Writes WAV files and the reference log-mel of the samples they hold.

usage: make_wav_cases.py SHARED_DIR OUT_DIR
pcm16.wav (16-bit PCM, 16 kHz mono, 21111 samples: not a multiple of 128 or 160) and
float.wav (32-bit float, 16 kHz mono, 9999 samples), each with NAME.mel.npy / NAME.mask.npy
computed by gemma4ref.audio.log_mel on the decoded samples (int16 / 32768, as libsndfile and
soundfile decode them).
"""
import os
import sys

import numpy as np
from scipy.io import wavfile

sys.path.insert(0, os.path.join(sys.argv[1], "reference"))
from gemma4ref import audio as A  # noqa: E402

out = sys.argv[2]
rng = np.random.default_rng(11)
t = np.arange(21111) / 16000.0
speechy = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
           + 0.05 * rng.standard_normal(t.size))
pcm16 = np.clip(np.round(speechy * 32767), -32768, 32767).astype(np.int16)
wavfile.write(os.path.join(out, "pcm16.wav"), 16000, pcm16)
flt = (0.2 * rng.standard_normal(9999)).astype(np.float32)
wavfile.write(os.path.join(out, "float.wav"), 16000, flt)
for name, x in (("pcm16", pcm16.astype(np.float32) / 32768.0), ("float", flt)):
    feats, mask = A.log_mel(None, x)
    np.save(os.path.join(out, name + ".mel.npy"), feats)
    np.save(os.path.join(out, name + ".mask.npy"), mask)
