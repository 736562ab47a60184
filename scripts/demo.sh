#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine as root, in one command:
#   1. installs the build dependencies (scripts/install-deps.sh),
#   2. builds edgemma (Release) into build/,
#   3. proves the decoder against the reference: `edgemma logits` on the tiny random-weight E2B
#      model from ../shared/testdata, compared with the golden logits of the numpy reference,
#   4. makes a small demo model with `edgemma synth` (random weights, the real 262,144-token
#      Gemma 4 tokenizer, a small audio tower and a small vision tower; its answers are
#      meaningless by construction), converts it with `edgemma quantize` (GGUF + mmproj GGUF
#      for the towers) and runs a chat prompt through the whole pipeline: chat template ->
#      tokenizer -> decoder -> sampler,
#   5. transcribes a sentence spoken by espeak-ng through the audio path: sound file -> 16 kHz
#      -> log-mel -> Conformer encoder -> soft tokens in the user turn -> greedy decoding,
#   6. asks about a generated picture: image file -> exact preprocessing (`image-preprocess`
#      shows the plan) -> vision tower -> decoder (gibberish answers too: random weights).
# Running it twice is fine: the build is incremental and the demo model is reused.
# Environment: EDGEMMA_SHARED_DIR (default ../shared), JOBS (default 2), SKIP_INSTALL=1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SHARED="${EDGEMMA_SHARED_DIR:-$ROOT/../shared}"
JOBS="${JOBS:-2}"
PY=/usr/bin/python3  # Debian's python3 with python3-numpy (not a pyenv/venv shim)
[[ -x "$PY" ]] || PY=python3

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
  if [[ "$(id -u)" == 0 ]]; then
    bash scripts/install-deps.sh
  else
    echo "demo.sh: not root, skipping apt-get (set SKIP_INSTALL=1 to silence)" >&2
  fi
fi

echo "=== build (Release, build/) ==="
cmake -S "$ROOT" -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "-DEDGEMMA_SHARED_DIR=$SHARED"
cmake --build build -j "$JOBS" --target edgemma_cli
EDGEMMA="$ROOT/build/bin/edgemma"
mkdir -p build/demo

echo
echo "=== decoder vs the reference: tiny-e2b, text_cross_window (40 tokens, 8-token window) ==="
golden="$SHARED/testdata/tiny-e2b-golden/text_cross_window"
ids=$("$PY" -c "import numpy as np; print(','.join(map(str, np.load('$golden/input_ids.npy'))))")
"$EDGEMMA" logits --model "$SHARED/testdata/tiny-e2b" --tokens "$ids" --chunk 3 \
  --out build/demo/tiny-e2b-logits.npy
"$PY" - "$golden/logits.npy" build/demo/tiny-e2b-logits.npy <<'PY'
import sys, numpy as np
want, got = np.load(sys.argv[1]), np.load(sys.argv[2])
err = float(np.abs(want - got).max())
print(f"logits {got.shape}: max |ours - reference| = {err:.2e} (tolerance 2e-3); "
      f"greedy tokens agree: {bool((want.argmax(1) == got.argmax(1)).all())}")
sys.exit(0 if err <= 2e-3 else 1)
PY

model=build/demo/demo-e2b-mm.gguf
mmproj=build/demo/mmproj-demo-e2b-mm.gguf
if [[ ! -f "$model" || ! -f "$mmproj" ]]; then
  echo
  echo "=== synth + quantize: small E2B-structured demo model with audio and vision towers, random weights"
  echo "    + real tokenizer (HF checkpoint -> GGUF + mmproj GGUF) ==="
  rm -rf build/demo/demo-hf
  "$EDGEMMA" synth --config scripts/demo-config.json --format hf \
    --tokenizer "$SHARED/testdata/tokenizer/gemma4/tokenizer.json" --seed 1 build/demo/demo-hf
  "$EDGEMMA" quantize build/demo/demo-hf "$model" --type default --mmproj "$mmproj" --force
  rm -rf build/demo/demo-hf
fi

echo
echo "=== run (random weights: the text is gibberish by construction) ==="
"$EDGEMMA" run -m "$model" -p "Why is the sky blue? Answer in one sentence." -n 32 --seed 42 \
  --threads "$JOBS"

echo
echo "=== transcribe: a sentence spoken by espeak-ng (random weights: gibberish text expected) ==="
if command -v espeak-ng > /dev/null; then
  espeak-ng -w build/demo/speech.wav "Hello! This sentence was spoken by a machine for the edgemma demo."
  "$EDGEMMA" transcribe -m "$model" -n 24 --threads "$JOBS" build/demo/speech.wav
else
  echo "demo.sh: espeak-ng is not installed (scripts/install-deps.sh installs it): skipping" >&2
fi

echo
echo "=== image: a generated picture -> exact preprocessing -> vision tower -> decoder ==="
"$PY" - build/demo/demo-picture.jpg <<'PY'
import sys
import numpy as np
from PIL import Image
h, w = 480, 640
y, x = np.mgrid[0:h, 0:w]
img = np.zeros((h, w, 3), np.uint8)
img[...] = np.stack([90 + y * 80 // h, 150 + y * 60 // h, 255 - y * 40 // h], -1)  # sky
img[(x - 500) ** 2 + (y - 100) ** 2 < 50 ** 2] = (255, 220, 60)                    # sun
img[y > 330 + 30 * np.sin(x / 90.0)] = (60, 150, 70)                                 # hills
img[(x > 180) & (x < 300) & (y > 260) & (y < 360)] = (200, 40, 40)                   # house
Image.fromarray(img).save(sys.argv[1], quality=90)
print(f"wrote {sys.argv[1]} ({w}x{h})")
PY
"$EDGEMMA" image-preprocess --image build/demo/demo-picture.jpg --budget 70 \
  --out build/demo/picture-patches.npy --pos-out build/demo/picture-positions.npy
"$EDGEMMA" run -m "$model" --image build/demo/demo-picture.jpg --budget 70 \
  -p "What is in this picture?" -n 24 --seed 42 --threads "$JOBS"
