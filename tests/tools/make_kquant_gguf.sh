#!/usr/bin/env bash
# Regenerates the K-quant interop test data in tests/gemma4/data/kquant/:
# a tiny Gemma 4 text model (config.json there, seeded random weights) written
# by `edgemma synth` as an F16 GGUF with a tiny 300-token BPE tokenizer, then
# quantized by llama.cpp's own llama-quantize to Q4_K_M, Q5_K_M, Q6_K and Q8_0.
# edgemma's precomputed tokenizer tables are dropped first (tests/tools/
# gguf_drop_keys.py): the files stay small and, like GGUFs made by llama.cpp's
# converter, carry the tokenizer only as tokenizer.ggml.* keys.
#
#   tests/tools/make_kquant_gguf.sh [--quantize PATH/llama-quantize] [--bin DIR]
#
# Without --quantize, scripts/build-llama-quantize.sh builds llama-quantize from
# the llama.cpp source the pinned npm package node-llama-cpp ships (cache outside
# the repo). CI never runs this; it runs tests/gemma4/kquant_interop_test.cc on
# the committed files. The F16 source is not committed (the test does not need
# it: it compares each file against f32 math on its own dequantized weights).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${EDGEMMA_BIN_DIR:-$repo/build/bin}"
quantize=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quantize) quantize="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "make_kquant_gguf.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -x "$bin/edgemma" ]] || { echo "make_kquant_gguf.sh: $bin/edgemma not built" >&2; exit 1; }
if [[ -z "$quantize" ]]; then
  quantize="$("$repo/scripts/build-llama-quantize.sh" | tail -1)"
fi
[[ -x "$quantize" ]] || { echo "make_kquant_gguf.sh: $quantize is not executable" >&2; exit 1; }

data="$repo/tests/gemma4/data/kquant"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 4 specials, the 256 byte-fallback tokens, "▁", a-z and 13 merges: 300 tokens.
/usr/bin/python3 - "$tmp/tokenizer.json" <<'EOF'
import json, sys
specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
vocab = {s: i for i, s in enumerate(specials)}
for b in range(256):
    vocab["<0x%02X>" % b] = len(vocab)
for s in ["\u2581"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]:
    vocab[s] = len(vocab)
merges = [("\u2581", "t"), ("t", "h"), ("h", "e"), ("\u2581t", "h"), ("th", "e"),
          ("\u2581th", "e"), ("i", "n"), ("a", "n"), ("e", "r"), ("o", "n"),
          ("r", "e"), ("\u2581", "a"), ("a", "t")]
for a, b in merges:
    vocab[a + b] = len(vocab)
assert len(vocab) == 300
j = {
    "version": "1.0",
    "added_tokens": [{"id": i, "content": s, "special": True} for i, s in enumerate(specials)],
    "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
    "pre_tokenizer": {"type": "Split", "pattern": {"String": " "},
                      "behavior": "MergedWithPrevious", "invert": False},
    "decoder": {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}]},
    "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
              "vocab": vocab, "merges": [[a, b] for a, b in merges]},
}
json.dump(j, open(sys.argv[1], "w"), ensure_ascii=False)
EOF

"$bin/edgemma" synth --config "$data/config.json" --tokenizer "$tmp/tokenizer.json" \
  --type f16 --seed 19 "$tmp/tiny-k-f16-full.gguf"
/usr/bin/python3 "$repo/tests/tools/gguf_drop_keys.py" "$tmp/tiny-k-f16-full.gguf" \
  "$tmp/tiny-k-f16.gguf" edgemma.tokenizer
for t in Q4_K_M Q5_K_M Q6_K Q8_0; do
  lower="$(echo "$t" | tr 'A-Z' 'a-z')"
  "$quantize" "$tmp/tiny-k-f16.gguf" "$tmp/tiny-k-$lower.gguf" "$t" >"$tmp/$t.log" 2>&1 ||
    { tail -20 "$tmp/$t.log" >&2; exit 1; }
  grep -E "llama_model_quantize_impl: (model size|quant size)|fallback" "$tmp/$t.log" >&2 || true
  mv "$tmp/tiny-k-$lower.gguf" "$data/tiny-k-$lower.gguf"
done
ls -l "$data"/*.gguf >&2
