// Measures llama.cpp, as the npm package node-llama-cpp ships it prebuilt, on one
// GGUF the way `edgemma bench` measures edgemma: open time, prefill of a seeded
// random prompt, greedy decode right after it, peak RSS. Driven by
// scripts/bench-peer.sh (the package ships a Node addon, not llama.cpp's CLI).
//
//   node scripts/peer-llama-bench.mjs PACKAGE_DIR MODEL.gguf THREADS PROMPT GEN SEED [LOAD]
//
// LOAD: the load average to record as loadavg_start (default: read now).
// Prints one JSON object on stdout. The CPU backend variant llama.cpp's loader
// picked (libggml-cpu-<variant>.so) is taken from its log.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pkgDir, modelPath, threadsArg, promptArg, genArg, seedArg, loadArg] = process.argv.slice(2);
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loadStart = loadArg ?? loadavg();
if (!seedArg) {
  console.error("usage: peer-llama-bench.mjs PACKAGE_DIR MODEL THREADS PROMPT GEN SEED");
  process.exit(2);
}
const threads = Number(threadsArg), nPrompt = Number(promptArg), nGen = Number(genArg);
const { getLlama, LlamaLogLevel } =
    await import(pathToFileURL(path.join(pkgDir, "dist", "index.js")).href);

function memory() {  // bytes, from /proc/self/status as `edgemma bench` reads it
  const status = readFileSync("/proc/self/status", "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { vm_rss: field("VmRSS"), vm_hwm: field("VmHWM"), rss_anon: field("RssAnon"),
           rss_file: field("RssFile") };
}
const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const log = [];
const before = memory();
let t = now();
const llama = await getLlama({
  gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.debug,
  logger: (level, message) => { log.push(String(message).trim()); },
});
const libS = now() - t;
t = now();
const model = await llama.loadModel({ modelPath, useMmap: true });
const openS = now() - t;
const afterOpen = memory();
const ctxSize = nPrompt + nGen + 16;
const context = await model.createContext({
  contextSize: ctxSize, batchSize: Math.min(512, ctxSize), threads: { ideal: threads, min: threads },
  flashAttention: true,
});
const sequence = context.getSequence();

// Seeded prompt of ordinary token ids (xorshift32; the ids themselves do not
// matter for speed, only that they are valid and not special).
let state = (Number(seedArg) * 2654435761) >>> 0 || 1;
const nextRandom = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; return (state >>>= 0); };
const nVocab = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length ?? 32000;
const low = Math.min(1000, Math.floor(nVocab / 4));
const prompt = Array.from({ length: nPrompt }, () => low + (nextRandom() % (nVocab - low)));

let cpu = cpuSeconds();
t = now();
await sequence.evaluateWithoutGeneratingNewTokens(prompt);
const prefillS = now() - t;
const prefillCpu = cpuSeconds() - cpu;

const stepS = [];
cpu = cpuSeconds();
t = now();
let last = t;
let generated = 0;
for await (const token of sequence.evaluate([prompt[nPrompt - 1]], { temperature: 0 })) {
  void token;
  const tNow = now();
  stepS.push(tNow - last);
  last = tNow;
  if (++generated >= nGen) break;
}
const decodeS = now() - t;
const decodeCpu = cpuSeconds() - cpu;
const afterRun = memory();
stepS.sort((a, b) => a - b);

const variant = log.map((l) => /libggml-cpu-([a-z0-9_]+)\.so/.exec(l)?.[1]).filter(Boolean);
const repacked = log.filter((l) => /repack tensor/i.test(l)).length;
console.log(JSON.stringify({
  engine: "llama.cpp via node-llama-cpp",
  loadavg_start: loadStart, loadavg_end: loadavg(),
  package_dir: pkgDir,
  model: { path: modelPath },
  threads, flash_attention: true,
  cpu_backend_variant: variant.length ? variant[variant.length - 1] : "unknown",
  tensors_repacked: repacked,
  library_load_s: libS,
  open_s: openS,
  prefill: { tokens: nPrompt, s: prefillS, cpu_s: prefillCpu, tok_s: nPrompt / prefillS },
  decode: { ctx: nPrompt, tokens: generated, s: decodeS, tok_s: generated / decodeS,
            cpu_s_per_token: decodeCpu / generated, median_s_per_token: stepS[stepS.length >> 1] },
  memory: { before_open: before, after_open: afterOpen, after_run: afterRun },
  log_lines: log.filter((l) => !/repack tensor/i.test(l) &&
      /load_backend|system_info|repack|buffer size|llama_context: n_|flash_attn|n_threads/i.test(l)).slice(0, 40),
}, null, 1));
await context.dispose();
await model.dispose();
await llama.dispose();
