// 10,000 detections in one process on the demo model: prints tensor count and RSS growth.
//   npm run build && node --expose-gc bench/soak.mjs [N] [size]
import * as tf from '@tensorflow/tfjs-core';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeClip } from '@aaclip/core';
import { addDefect, generateTexture } from '@aaclip/synthetic';
import { loadDetector, useBackend } from '@aaclip/backend-node';

const N = Number(process.argv[2] ?? 10_000);
await useBackend(process.env.AACLIP_BACKEND ?? 'wasm');
const model = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'backend-node', 'models', 'demo.safetensors');
const { detector } = await loadDetector({ model });
const size = Number(process.argv[3] ?? 128);
const input = tf.tensor4d(normalizeClip(addDefect(generateTexture('tiles', size, 1), 'spot', 2).image), [1, size, size, 3]);
const t0 = performance.now();
let base = null;
for (let i = 1; i <= N; i++) {
  await detector.detect(input, { className: 'tiles' });
  if (i === 100 || i % 1000 === 0) {
    global.gc?.();
    const m = { i, tensors: tf.memory().numTensors, rssMiB: process.memoryUsage().rss / 2 ** 20 };
    base ??= m;
    console.log(`${i} detections: tensors ${m.tensors}, RSS ${m.rssMiB.toFixed(1)} MiB (${(((m.rssMiB - base.rssMiB) / base.rssMiB) * 100).toFixed(2)}% since ${base.i}), ${((performance.now() - t0) / i).toFixed(1)} ms/detection`);
  }
}
input.dispose();
detector.dispose();
