#!/usr/bin/env python3
"""Checks tests/text/testdata/chat_jinja_values.jsonl against real Jinja2.

    python3 tests/tools/jinja_render.py tests/text/testdata/chat_jinja_values.jsonl

Renders each line's request with the model's chat template the way Hugging
Face transformers' apply_chat_template does (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, bos_token "<bos>") and compares it
with the line's "expected". Needs jinja2 (python3-jinja2); the C++ test that
reads the file does not. Exit status 1 on any difference.
"""
import json
import sys

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE = "/work/shared/testdata/chat/gemma4-e2b-e4b.chat_template.jinja"


def raise_exception(message):
    raise Exception(message)


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[loopcontrols])
    env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
    env.globals["raise_exception"] = raise_exception
    template_path = sys.argv[2] if len(sys.argv) > 2 else TEMPLATE
    with open(template_path) as f:
        t = env.from_string(f.read())
    bad = 0
    for n, line in enumerate(open(sys.argv[1]), 1):
        if not line.strip():
            continue
        c = json.loads(line)
        got = t.render(messages=c["messages"], tools=c.get("tools"), documents=None,
                       add_generation_prompt=c.get("add_generation_prompt", True),
                       bos_token="<bos>", enable_thinking=c.get("enable_thinking", False))
        if got != c["expected"]:
            bad += 1
            print(f"line {n} ({c['name']}): Jinja2 renders {json.dumps(got, ensure_ascii=False)}")
    print(f"{n} lines, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
