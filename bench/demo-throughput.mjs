// Images per second of the demo model (packages/backend-node/models/demo.safetensors, 128 px),
// one detector on one thread vs a worker pool:
//   node bench/demo-throughput.mjs --images 64 --workers 2 [--size 128] [--backend wasm] [--model FILE]
// (--workers 0: one thread only, no pool)
import * as tf from '@tensorflow/tfjs-core';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeClip } from '@aaclip/core';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { createDetectorPool, loadDetector, useBackend } from '@aaclip/backend-node';
import { emit, parseArgs, peakRssMiB } from './lib.mjs';

const args = parseArgs();
const count = Number(args.images ?? 64);
const size = Number(args.size ?? 128);
const workers = Number(args.workers ?? 2);
const backend = args.backend ?? 'wasm';
const model = args.model ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'backend-node', 'models', 'demo.safetensors');
const report = await useBackend(backend);
const families = ['noise', 'carpet', 'circuit', 'dots'];
const images = Array.from({ length: count }, (_, i) => normalizeClip(addDefect(generateTexture(families[i % 4], size, i + 1), 'spot', i + 2).image));
const className = 'tiles';

// one thread, one image per call (a service answering requests), after a warm-up call
const { detector } = await loadDetector({ model });
const one = (i) => tf.tensor4d(images[i], [1, size, size, 3]);
{
  const t = one(0);
  await detector.detect(t, { className });
  t.dispose();
}
let c0 = process.cpuUsage();
let t0 = performance.now();
for (let i = 0; i < count; i++) {
  const t = one(i);
  await detector.detect(t, { className });
  t.dispose();
}
const singleSeconds = (performance.now() - t0) / 1000;
const cpuSeconds = (c) => (c.user + c.system) / 1e6;
const singleCpu = cpuSeconds(process.cpuUsage(c0));
// one thread, the whole set as batches of 8
t0 = performance.now();
for (let b0 = 0; b0 < count; b0 += 8) {
  const m = Math.min(8, count - b0);
  const all = new Float32Array(m * size * size * 3);
  for (let k = 0; k < m; k++) all.set(images[b0 + k], k * size * size * 3);
  const t = tf.tensor4d(all, [m, size, size, 3]);
  await detector.detect(t, { className });
  t.dispose();
}
const singleBatchSeconds = (performance.now() - t0) / 1000;
detector.dispose();

let poolSeconds = NaN;
let poolCpu = NaN;
if (workers > 0) {
  const pool = await createDetectorPool({ model, workers, backend });
  await pool.detect(images.slice(0, workers), className); // warm-up
  c0 = process.cpuUsage();
  t0 = performance.now();
  await pool.detect(images, className);
  poolSeconds = (performance.now() - t0) / 1000;
  poolCpu = cpuSeconds(process.cpuUsage(c0));
  await pool.dispose();
}
emit({
  case: `demo model detect (${size} px)`,
  backend,
  ...(report.adapter ? { adapter: report.adapter } : {}),
  images: count,
  size,
  workers,
  singleImagesPerSecond: count / singleSeconds,
  singleBatch8ImagesPerSecond: count / singleBatchSeconds,
  poolImagesPerSecond: workers > 0 ? count / poolSeconds : null,
  speedup: workers > 0 ? singleSeconds / poolSeconds : null,
  // CPU time (all threads) per image: the pool's should be close to one thread's; on an idle
  // machine the wall-time speedup is then close to the worker count
  singleCpuMsPerImage: (singleCpu / count) * 1000,
  poolCpuMsPerImage: workers > 0 ? (poolCpu / count) * 1000 : null,
  peakRssMiB: peakRssMiB(),
});
