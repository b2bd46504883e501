// Peak RSS of loading a ViT-L-14-336 (vision tower, fp32, random weights) from .safetensors.
//   node bench/load-memory.mjs make /tmp/vitl.safetensors   (writes the file once)
//   node bench/load-memory.mjs load /tmp/vitl.safetensors   (fresh process: loads, prints peak RSS)
import { statSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { CLIP_PRESETS, randomClipWeights, writeSafetensors, CHECKPOINT_FORMAT } from '@aaclip/core';
import { loadClip, useBackend } from '@aaclip/backend-node';

const [mode, path] = process.argv.slice(2);
const cfg = { ...CLIP_PRESETS['ViT-L-14-336'], text: undefined };
if (mode === 'make') {
  const w = randomClipWeights(cfg, 0, { visionOnly: true });
  const t = new Map([...w].map(([k, v]) => [k, { dtype: 'float32', shape: v.shape, data: v.data }]));
  writeFileSync(path, writeSafetensors(t, { format: CHECKPOINT_FORMAT, clip_config: JSON.stringify(cfg) }));
  console.log(`wrote ${path}: ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB`);
} else {
  await useBackend(process.env.AACLIP_BACKEND ?? 'wasm');
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const { clip } = await loadClip(path);
  const fileMiB = statSync(path).size / 2 ** 20;
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ fileMiB: Math.round(fileMiB), seconds: +((performance.now() - t0) / 1000).toFixed(1), rssBeforeMiB: Math.round(before / 2 ** 20), peakRssMiB: Math.round(peak), tensorMiB: Math.round(tf.memory().numBytes / 2 ** 20), peakOverFile: +(peak / fileMiB).toFixed(2) }));
  clip.dispose();
}
