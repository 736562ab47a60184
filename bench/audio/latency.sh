#!/bin/sh
# End-of-speech -> first answer token latency of `edgemma assistant`, speech
# fed in real time (issues 16 and 17).
#
#   latency.sh MODEL.gguf MMPROJ.gguf OUT.json [GAP_S] [THREADS] [MAX_TOKENS]
#
# Speaks 8 utterances (5-7 s each) with espeak-ng, GAP_S seconds of silence
# after each (default 2), 16 kHz mono; runs `edgemma assistant --input
# utt.wav --realtime --stats` under /usr/bin/time -v and writes, per run:
# p50/p95 of end_of_speech_to_first_token_ms over the turns that produced a
# token, how many turns barged in (the next utterance arrived before the first
# answer token: the pipeline fell behind real time), the capture lag (speech_ms
# minus the utterance length), peak RSS, the CPU and the load average at start.
# EDGEMMA names the binary (default: edgemma on PATH).
# Needs espeak-ng, sox, /usr/bin/time, python3.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 MODEL.gguf MMPROJ.gguf OUT.json [GAP_S] [THREADS] [MAX_TOKENS]" >&2; exit 2; }
model=$(readlink -f "$1"); mmproj=$(readlink -f "$2"); out=$3
gap=${4:-2}; threads=${5:-2}; ntok=${6:-8}
edgemma=${EDGEMMA:-edgemma}
for f in "$model" "$mmproj"; do [ -f "$f" ] || { echo "$0: $f: no such file" >&2; exit 2; }; done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# The assistant finds the tower as mmproj-<model name> beside the model.
ln -s "$model" "$work/m.gguf"; ln -s "$mmproj" "$work/mmproj-m.gguf"
i=0
for s in "What is the weather like in Paris today, and will it rain tomorrow?" \
  "Please set a timer for ten minutes and remind me to check the oven." \
  "Tell me a short story about a small robot who learns to paint pictures of the sea." \
  "How many kilometers are there between London and Edinburgh by train?" \
  "Turn off the lights in the living room and lock the front door." \
  "Can you explain in simple words why the sky looks blue during the day?" \
  "What time is it in Tokyo right now, and is it already evening there?" \
  "Read me the latest news headlines about science and technology please."; do
  espeak-ng -v en -s 120 -w "$work/s$i.wav" "$s"
  sox "$work/s$i.wav" -r 16000 -c 1 -b 16 "$work/p$i.wav" pad 0 "$gap"
  soxi -D "$work/s$i.wav" >> "$work/lengths.txt"
  i=$((i + 1))
done
sox "$work"/p?.wav "$work/cat.wav"
sox "$work/cat.wav" "$work/utt.wav" pad 1 0
"$edgemma" info > "$work/info.txt" 2>&1
load=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -v "$edgemma" assistant -m "$work/m.gguf" --input "$work/utt.wav" \
  --realtime --stats --threads "$threads" -n "$ntok" \
  > "$work/answers.txt" 2> "$work/stderr.txt"
/usr/bin/python3 - "$work" "$out" "$load" "$gap" "$threads" "$ntok" "$model" "$mmproj" <<'PY'
import json, re, sys
work, out, load, gap, threads, ntok, model, mmproj = sys.argv[1:]
err = open(f"{work}/stderr.txt").read()
turns = [json.loads(l) for l in err.splitlines() if l.startswith("{")]
lengths = [float(x) for x in open(f"{work}/lengths.txt")]
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
cpu = re.search(r"^cpu:\s*(.*)$", open(f"{work}/info.txt").read(), re.M)
lat = sorted(t["end_of_speech_to_first_token_ms"] for t in turns
             if t["end_of_speech_to_first_token_ms"] >= 0)
def pct(p):  # nearest rank
    return lat[max(0, -(-p * len(lat) // 100) - 1)] if lat else None
lag = [t["speech_ms"] - 1000 * l for t, l in zip(turns, lengths)]
res = {"model": model, "mmproj": mmproj, "cpu": cpu.group(1) if cpu else "?",
       "load_avg_at_start": load, "threads": int(threads), "max_tokens": int(ntok),
       "utterances": len(lengths), "gap_s": float(gap), "turns": len(turns),
       "turns_with_token": len(lat),
       "barged_in": sum(1 for t in turns if t["barged_in"]),
       "eos_to_first_token_ms_p50": pct(50), "eos_to_first_token_ms_p95": pct(95),
       "eos_to_first_token_ms_all": lat,
       "capture_lag_ms": [round(x) for x in lag],
       "peak_rss_mib": round(rss / 1024, 1), "per_turn": turns}
json.dump(res, open(out, "w"), indent=1)
print(f"cpu {res['cpu']}  load {load}  threads {threads}  gap {gap} s")
print(f"{'turn':>4} {'speech s':>8} {'lag ms':>8} {'eos->tok ms':>11} barged")
for i, t in enumerate(turns):
    print(f"{i + 1:>4} {lengths[i] if i < len(lengths) else 0:8.2f} "
          f"{lag[i] if i < len(lag) else 0:8.0f} "
          f"{t['end_of_speech_to_first_token_ms']:11.0f} {t['barged_in']}")
print(f"turns {len(turns)} (of {len(lengths)} utterances), with a token {len(lat)}, "
      f"p50 {pct(50)} ms, p95 {pct(95)} ms, peak RSS {res['peak_rss_mib']} MiB")
PY
