// The GEMM engine against tfjs-wasm's XNNPACK matMul, and this machine's wasm SIMD peak:
//   node [--experimental-wasm-relaxed-simd] bench/gemm.mjs [--shapes 1370x1024x4096,577x1024x3072]
//        [--threads 1,2] [--repeat 5] [--xnnpack false] [--mr 6 --nr 8 --kc 256 --mc 96 --ncp 32]
// One JSON line per case (peak loop, each shape x engine x threads), plus the copy costs of the
// tfjs provider path (activations in, results out).
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createGemmEngine, peakModuleBytes, relaxedSimdSupported } from '@aaclip/kernels/node';
import { parseArgs } from './lib.mjs';

const args = parseArgs();
const shapes = String(args.shapes ?? '1370x1024x4096,577x1024x3072').split(',').map((s) => s.split('x').map(Number));
const threadList = String(args.threads ?? `1,${os.availableParallelism()}`).split(',').map(Number);
const repeat = Number(args.repeat ?? 5);
const num = (k) => (args[k] !== undefined ? Number(args[k]) : undefined);
const shape = Object.fromEntries(Object.entries({ mr: num('mr'), nr: num('nr'), unroll: num('unroll') }).filter(([, v]) => v !== undefined));
if (args.fma !== undefined) shape.fma = args.fma === 'true';
const blocking = Object.fromEntries(Object.entries({ mc: num('mc'), ncp: num('ncp'), kc: num('kc') }).filter(([, v]) => v !== undefined));
const node = process.version;
const emit = (o) => console.log(JSON.stringify({ node, ...o }));

// best wall time of `repeat` runs, and the least process CPU time of one run (all threads): on a
// machine shared with other work, flops / CPU time is the speed while the threads ran
let lastCpu = 0;
const timeBest = (fn) => {
  fn();
  const times = [];
  const cpus = [];
  for (let i = 0; i < repeat; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1e6);
  }
  lastCpu = Math.min(...cpus);
  return Math.min(...times) / 1000;
};

// ---- peak: pure multiply-add loops, 12 independent v128 accumulators, no memory traffic
if (args.peak !== 'false') {
  for (const fma of relaxedSimdSupported() ? [false, true] : [false]) {
    const peak = new WebAssembly.Instance(new WebAssembly.Module(peakModuleBytes(fma, 12))).exports.peak;
    const iters = 2e7;
    const s = timeBest(() => peak(iters));
    emit({ case: 'wasm SIMD peak (1 thread)', op: fma ? 'f32x4.relaxed_madd' : 'f32x4.mul + f32x4.add', gflopsPerSecond: (iters * 12 * 8) / s / 1e9, gflopsPerCpuSecond: (iters * 12 * 8) / lastCpu / 1e9 });
  }
}

const rand = (n, seed) => {
  let x = seed;
  return Float32Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5);
};

for (const [m, k, n] of shapes) {
  const flops = 2 * m * k * n;
  const a = rand(m * k, 1);
  const b = rand(k * n, 2);
  if (args.xnnpack !== 'false') {
    await tf.setBackend('wasm');
    const ta = tf.tensor2d(a, [m, k]);
    const tb = tf.tensor2d(b, [k, n]);
    const s = timeBest(() => tf.matMul(ta, tb).dispose());
    emit({ case: 'GEMM', shape: `${m}x${k}x${n}`, engine: 'xnnpack (tfjs-wasm)', threads: 1, seconds: s, gflopsPerSecond: flops / s / 1e9, gflopsPerCpuSecond: flops / lastCpu / 1e9 });
    tf.dispose([ta, tb]);
  }
  let one = null;
  for (const threads of threadList) {
    const eng = createGemmEngine({ threads, shape, blocking });
    const packed = eng.pack(b, k, n); // a weight: packed once
    // the product alone, on operands already in the engine's memory
    const job = { m, n, k, a: eng.alloc(m * k * 4, 'A'), lda: k * 4, b: packed, c: eng.alloc(m * n * 4, 'C'), ldc: n * 4 };
    eng.f32().set(a, job.a / 4);
    const s = timeBest(() => eng.run(job));
    const cpu = lastCpu;
    one ??= s;
    // copies of the provider path: A in from another heap, C out to another heap
    const heap = new Float32Array(m * k + m * n);
    const copyIn = timeBest(() => eng.f32().set(heap.subarray(0, m * k), job.a / 4));
    const copyOut = timeBest(() => heap.set(eng.f32().subarray(job.c / 4, job.c / 4 + m * n), m * k));
    emit({
      case: 'GEMM', shape: `${m}x${k}x${n}`, engine: `own (${eng.shape.mr}x${eng.shape.nr}, ${eng.shape.fma ? 'relaxed FMA' : 'mul+add'})`, threads: eng.threads,
      seconds: s, gflopsPerSecond: flops / s / 1e9, gflopsPerThread: flops / s / 1e9 / eng.threads, gflopsPerCpuSecond: flops / cpu / 1e9, scaling: one / s,
      copyInMs: copyIn * 1000, copyOutMs: copyOut * 1000, blocking: eng.blocking,
    });
    eng.dispose();
  }
}
