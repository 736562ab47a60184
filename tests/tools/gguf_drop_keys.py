#!/usr/bin/python3
"""Copies a GGUF without the metadata keys that start with PREFIX.

    /usr/bin/python3 tests/tools/gguf_drop_keys.py IN.gguf OUT.gguf PREFIX

Tensors are copied unchanged (same types, order and data). Used by
make_kquant_gguf.sh to drop edgemma's precomputed tokenizer tables
(edgemma.tokenizer.*, ~280 KB, mostly a 64 Ki-entry table) so the test files stay
small and carry only llama.cpp's tokenizer.ggml.* keys, as downloaded GGUFs do.
"""

import sys

from gguf_dequant import parse, rewrite


def main(src, dst, prefix):
    data = open(src, "rb").read()
    rewrite(data, parse(data, src, drop_prefix=prefix), dst, lambda t, raw, n: (t, raw))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
