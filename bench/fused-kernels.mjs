// Fused kernels vs the composite tfjs ops they replace, on one backend (default wasm):
//   node bench/fused-kernels.mjs [--backend wasm|cpu] [--tokens 577,1370] [--reps 5] [--block-reps 5] [--no-block] [--no-profile]
// Prints one table: op, shape, composite ms, fused ms, speed-up, max |fused - composite|;
// then one ViT-L-14 residual block (width 1024, 16 heads, GELU) forward, composite vs fused,
// and tf.profile's per-kernel times of that block (composite and fused): the matMuls, which the
// fused kernels leave alone, and everything else, which they replace.
// Times are this process's CPU time (user + system; wasm and cpu run on one thread) and wall
// time, each the minimum over interleaved repetitions: on a shared machine the CPU time is the
// figure that other processes disturb least. Needs `npm run build`.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  ResidualAttentionBlock,
  biasActivation,
  headSlice,
  layerNorm,
  setFusedKernelsEnabled,
} from '@aaclip/core';
import { gaussianSampler } from '@aaclip/core/train';
import { registerFusedKernels } from '@aaclip/kernels/tfjs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    tokens: { type: 'string', default: '577' },
    reps: { type: 'string', default: '5' },
    'block-reps': { type: 'string', default: '5' },
    'no-block': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
});
const tokenList = opt.tokens.split(',').map(Number);
const reps = Number(opt.reps);
const blockReps = Number(opt['block-reps']);
const W = 1024;
const HEADS = 16;
const D = W / HEADS;

await tf.setBackend(opt.backend);
await tf.ready();
const registered = registerFusedKernels();
console.log(`backend ${tf.getBackend()}; fused kernels: ${registered.join(', ') || 'none'}`);

const rand = gaussianSampler(1);
const randn = (shape, std = 1, shift = 0) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = shift + std * rand();
  return tf.tensor(d, shape);
};

/** Runs f (returns a tensor or tensors) and reads its (last) result: CPU and wall ms. */
function measure(f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let out;
  tf.tidy(() => {
    const y = f();
    (Array.isArray(y) ? y.at(-1) : y).dataSync(); // wasm and cpu run synchronously; this waits for all
    out = Array.isArray(y) ? null : tf.keep(y);
  });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { y: out, cpu: (c.user + c.system) / 1000, wall };
}

/** fOff and fOn (default: f with the fused kernels off and on), interleaved: min CPU and wall ms of each, max |diff|. */
function ab(f, n, fOff = f, fOn = f) {
  const run = (on) => {
    setFusedKernelsEnabled(on);
    const r = measure(on ? fOn : fOff);
    setFusedKernelsEnabled(true);
    return r;
  };
  for (const on of [false, true]) run(on).y?.dispose(); // warm-up (kernels, XNNPACK operator caches, wasm tier-up)
  const t = { off: [], on: [], offWall: [], onWall: [] };
  let maxDiff = 0;
  for (let i = 0; i < n; i++) {
    const a = run(false);
    const b = run(true);
    t.off.push(a.cpu);
    t.on.push(b.cpu);
    t.offWall.push(a.wall);
    t.onWall.push(b.wall);
    if (i === 0 && a.y && b.y) maxDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.y, b.y))).dataSync()[0]);
    tf.dispose([a.y, b.y].filter(Boolean));
  }
  const min = (v) => Math.min(...v);
  return { off: min(t.off), on: min(t.on), offWall: min(t.offWall), onWall: min(t.onWall), maxDiff };
}

const rows = [];
function row(op, shape, r) {
  rows.push({ op, shape, ...r });
  const f = (v) => v.toFixed(2).padStart(9);
  console.log(
    `${op.padEnd(38)} ${shape.padEnd(12)} ${f(r.off)} ${f(r.on)} ${((r.off / r.on).toFixed(2) + 'x').padStart(8)}  ${f(r.offWall)} ${f(r.onWall)}   ${r.maxDiff.toExponential(1)}`,
  );
}

console.log(`\n${''.padEnd(38)} ${''.padEnd(12)} ${'--- CPU time -------------'.padStart(28)}  ${'--- wall time ------'.padStart(19)}`);
console.log(`${'op'.padEnd(38)} ${'shape'.padEnd(12)} ${'comp. ms'.padStart(9)} ${'fused ms'.padStart(9)} ${'speed-up'.padStart(8)}  ${'comp. ms'.padStart(9)} ${'fused ms'.padStart(9)}   max|diff|`);
for (const N of tokenList) {
  const x = randn([N, W], 1, 0.3);
  const g = randn([W], 0.1, 1);
  const b = randn([W], 0.1);
  const h = randn([N, 4 * W], 1.5);
  const hb = randn([4 * W], 0.1);
  const qkv = randn([N, 3 * W]);
  const qkvBias = randn([3 * W], 0.1);
  row('LayerNorm', `[${N},${W}]`, ab(() => layerNorm(x, g, b), reps));
  row('GELU (+ c_fc bias)', `[${N},${4 * W}]`, ab(() => biasActivation('gelu', h, hb), reps));
  row('QuickGELU (+ c_fc bias)', `[${N},${4 * W}]`, ab(() => biasActivation('quick_gelu', h, hb), reps));
  // one image's attention inputs: q (bias, scale), kᵀ (bias), v (bias) of all 16 heads
  const heads = () =>
    tf.tidy(() => {
      const parts = [];
      for (let hh = 0; hh < HEADS; hh++) {
        parts.push(headSlice(qkv, qkvBias, { row: 0, rows: N, col: hh * D, cols: D, scale: 1 / Math.sqrt(D) }));
        parts.push(tf.transpose(headSlice(qkv, qkvBias, { row: 0, rows: N, col: W + hh * D, cols: D, transpose: true })));
        parts.push(headSlice(qkv, qkvBias, { row: 0, rows: N, col: 2 * W + hh * D, cols: D }));
      }
      return tf.concat(parts.map((p) => tf.reshape(p, [-1])));
    });
  // the composite counterpart is attention.ts's own: bias add, q slice * scale, k slice + transpose, 48 per-head slices
  const headsComposite = () =>
    tf.tidy(() => {
      const full = tf.add(qkv, qkvBias);
      const q = tf.mul(tf.slice(full, [0, 0], [N, W]), 1 / Math.sqrt(D));
      const kT = tf.transpose(tf.slice(full, [0, W], [N, W]));
      const v = tf.slice(full, [0, 2 * W], [N, W]);
      const parts = [];
      for (let hh = 0; hh < HEADS; hh++) {
        parts.push(tf.slice(q, [0, hh * D], [N, D]));
        parts.push(tf.transpose(tf.slice(kT, [hh * D, 0], [D, N])));
        parts.push(tf.slice(v, [0, hh * D], [N, D]));
      }
      return tf.concat(parts.map((p) => tf.reshape(p, [-1])));
    });
  // timed without the reshape/concat above (used only to compare values)
  const fusedOnly = () => {
    const out = [];
    for (let hh = 0; hh < HEADS; hh++) {
      out.push(headSlice(qkv, qkvBias, { row: 0, rows: N, col: hh * D, cols: D, scale: 1 / Math.sqrt(D) }));
      out.push(headSlice(qkv, qkvBias, { row: 0, rows: N, col: W + hh * D, cols: D, transpose: true }));
      out.push(headSlice(qkv, qkvBias, { row: 0, rows: N, col: 2 * W + hh * D, cols: D }));
    }
    return out;
  };
  const compositeOnly = () => {
    const full = tf.add(qkv, qkvBias);
    const q = tf.mul(tf.slice(full, [0, 0], [N, W]), 1 / Math.sqrt(D));
    const kT = tf.transpose(tf.slice(full, [0, W], [N, W]));
    const v = tf.slice(full, [0, 2 * W], [N, W]);
    const out = [];
    for (let hh = 0; hh < HEADS; hh++) out.push(tf.slice(q, [0, hh * D], [N, D]), tf.slice(kT, [hh * D, 0], [D, N]), tf.slice(v, [0, hh * D], [N, D]));
    return out;
  };
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(heads(), headsComposite()))).dataSync()[0]);
  row('attention q/kT/v, 16 heads (+bias)', `[${N},${3 * W}]`, { ...ab(null, reps, compositeOnly, fusedOnly), maxDiff: diff });
  tf.dispose([x, g, b, h, hb, qkv, qkvBias]);
}

function makeBlock() {
  const wm = new Map();
  const normal = (k, s, std, shift = 0) => {
    const n = s.reduce((a, c) => a * c, 1);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = shift + rand() * std;
    wm.set(k, { shape: s, data: d });
  };
  const p = 'b.';
  normal(`${p}ln_1.weight`, [W], 0.1, 1);
  normal(`${p}ln_1.bias`, [W], 0.1);
  normal(`${p}ln_2.weight`, [W], 0.1, 1);
  normal(`${p}ln_2.bias`, [W], 0.1);
  normal(`${p}attn.in_proj_weight`, [3 * W, W], W ** -0.5);
  normal(`${p}attn.in_proj_bias`, [3 * W], 0.02);
  normal(`${p}attn.out_proj.weight`, [W, W], W ** -0.5);
  normal(`${p}attn.out_proj.bias`, [W], 0.02);
  normal(`${p}mlp.c_fc.weight`, [4 * W, W], W ** -0.5);
  normal(`${p}mlp.c_fc.bias`, [4 * W], 0.02);
  normal(`${p}mlp.c_proj.weight`, [W, 4 * W], (4 * W) ** -0.5);
  normal(`${p}mlp.c_proj.bias`, [W], 0.02);
  return new ResidualAttentionBlock(wm, p, W, HEADS, 'gelu');
}

/**
 * Kernel ms of one block forward by kernel name (tf.profile; customGrad scopes left out: their
 * kernels are listed too); per name the minimum over `runs` forwards (a preempted kernel on a
 * shared machine shows up as a spike in one run).
 */
async function profileBlock(block, x, N, on, runs = 3) {
  setFusedKernelsEnabled(on);
  const by = new Map();
  for (let r = 0; r < runs; r++) {
    const info = await tf.profile(() => block.apply(x, 1, N));
    const run = new Map();
    for (const k of info.kernels) {
      if (k.name === 'unnamed scope') continue;
      const e = run.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += k.kernelTimeMs;
      e.n++;
      run.set(k.name, e);
    }
    for (const [name, e] of run) {
      const prev = by.get(name);
      if (!prev || e.ms < prev.ms) by.set(name, e);
    }
  }
  setFusedKernelsEnabled(true);
  return by;
}

function printProfile(N, label, by) {
  const total = [...by.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`  ${label}, ${N} tokens: ${total.toFixed(0)} kernel ms`);
  for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`    ${name.padEnd(18)} ${String(e.n).padStart(4)} calls ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`);
  }
  const mm = by.get('BatchMatMul')?.ms ?? 0;
  return { mm, rest: total - mm };
}

if (!opt['no-block']) {
  const block = makeBlock();
  for (const N of tokenList) {
    const x = randn([N, W]);
    row('ViT-L-14 block forward (GELU)', `[${N},${W}]`, ab(() => block.apply(x, 1, N), blockReps));
    if (!opt['no-profile']) {
      console.log(`\ntf.profile of one block (kernel times, min of 3 forwards per kernel; BatchMatMul is the 2-D matMuls, untouched by the fused kernels)`);
      const c = printProfile(N, 'composite', await profileBlock(block, x, N, false));
      const f = printProfile(N, 'fused', await profileBlock(block, x, N, true));
      const mm = Math.min(c.mm, f.mm);
      console.log(
        `  non-matMul kernels: composite ${c.rest.toFixed(0)} ms -> fused ${f.rest.toFixed(0)} ms; with the same matMul time (${mm.toFixed(0)} ms) ` +
          `the block is ${((100 * c.rest) / (mm + c.rest)).toFixed(1)}% vs ${((100 * f.rest) / (mm + f.rest)).toFixed(1)}% non-matMul: ` +
          `speed-up ${((mm + c.rest) / (mm + f.rest)).toFixed(3)}x\n`,
      );
    }
    x.dispose();
  }
  block.dispose();
}
