// AA-CLIP detection of one batch on a worker pool, in its own process (peak RSS = the whole
// process: main thread + every worker's wasm heap):
//   node bench/pool-forward.mjs --file /tmp/aaclip-bench-vitl.safetensors --size 518 --batch 8 --workers 2 [--repeat 1] [--max-batch 1]
// The file comes from bench/make-bench-model.mjs (random weights, anchors stored: no text tower).
import { statSync } from 'node:fs';
import { createDetectorPool } from '@aaclip/backend-node';
import { gaussianSampler } from '@aaclip/core/train';
import { aaclipFlops, best, emit, parseArgs, peakRssMiB } from './lib.mjs';

const args = parseArgs();
if (!args.file) throw new Error('--file MODEL.safetensors is required (bench/make-bench-model.mjs writes one)');
const size = Number(args.size ?? 336);
const batch = Number(args.batch ?? 8);
const workers = Number(args.workers ?? 2);
const repeat = Number(args.repeat ?? 1);
const t0 = performance.now();
const pool = await createDetectorPool({ model: args.file, workers, backend: args.backend ?? 'wasm', maxBatch: args['max-batch'] ? Number(args['max-batch']) : undefined });
const loadSeconds = (performance.now() - t0) / 1000;
const rssAfterLoad = peakRssMiB();
const rand = gaussianSampler(1);
const images = Array.from({ length: batch }, () => {
  const a = new Float32Array(size * size * 3);
  for (let i = 0; i < a.length; i++) a[i] = rand();
  return a;
});
const className = pool.storedClasses[0] ?? 'object';
const times = [];
const cpu0 = process.cpuUsage();
for (let r = 0; r < repeat; r++) {
  const t = performance.now();
  const out = await pool.detect(images, className);
  times.push((performance.now() - t) / 1000);
  if (out.length !== batch || !Number.isFinite(out[0].score)) throw new Error('bad pool output');
}
const cpu = process.cpuUsage(cpu0);
const cfg = pool.config;
const flops = batch * aaclipFlops(cfg, size);
const seconds = best(times);
emit({
  case: `${cfg.vision.width === 1024 && cfg.vision.layers === 24 ? 'ViT-L-14-336' : `ViT w${cfg.vision.width} x${cfg.vision.layers}`} AA-CLIP detect, pool`,
  backend: pool.backend,
  size,
  batch,
  workers: pool.size,
  seconds,
  times,
  secondsPerImage: seconds / batch,
  imagesPerSecond: batch / seconds,
  // CPU time of the whole process (every thread) per image: equal to the single-thread
  // seconds per image when the workers run at full speed; wall time above it means waiting
  cpuSecondsPerImage: (cpu.user + cpu.system) / 1e6 / (batch * repeat),
  gflops: flops / 1e9,
  gflopsPerSecond: flops / 1e9 / seconds,
  peakRssMiB: peakRssMiB(),
  rssAfterLoadMiB: rssAfterLoad,
  fileMiB: statSync(args.file).size / 2 ** 20,
  loadSeconds,
  workerLoadSeconds: pool.loadSeconds,
});
await pool.dispose();
