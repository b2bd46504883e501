// Where a demo model's figures come from: per unseen family, the pixel AUROC of each AA-CLIP
// level's map and of their sum (the official map), and the image AUROC of the map maximum, of
// the image score (det) and of the official fusion of the two (min-max normalised per family,
// 0.5 / 0.5). Same images as `aaclip demo` (same families, counts and seed).
//   npm run build && node scripts/demo-breakdown.mjs [model.safetensors] [perFamily]
import * as tf from '@tensorflow/tfjs-core';
import { binaryMetrics } from '@aaclip/core/metrics';
import { normalizeClip } from '@aaclip/core';
import { generateDataset, TEXTURE_FAMILIES } from '@aaclip/synthetic';
import { useBackend, createDetector } from '@aaclip/backend-node';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const model = process.argv[2] ?? join(here, '..', 'packages', 'backend-node', 'models', 'demo.safetensors');
const perFamily = Number(process.argv[3] ?? 24);
await useBackend(process.env.AACLIP_BACKEND ?? 'wasm');
const detector = await createDetector({ model, domain: 'industrial' });
const trained = JSON.parse(detector.metadata.demo_train_families ?? '[]');
const families = process.env.FAMILIES ? process.env.FAMILIES.split(',') : TEXTURE_FAMILIES.filter((f) => !trained.includes(f));
const S = detector.config.vision.imageSize;
const pct = (x) => (x * 100).toFixed(1).padStart(5);
const norm = (a) => {
  const lo = Math.min(...a);
  const hi = Math.max(...a);
  return a.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
};
const rows = [];
for (const family of families) {
  const samples = generateDataset({ families: [family], size: S, perFamily: { normal: perFamily, anomalous: perFamily }, seed: 111 + 2024 });
  const dets = [];
  for (let i = 0; i < samples.length; i += 8) {
    const batch = samples.slice(i, i + 8);
    const x = new Float32Array(batch.length * S * S * 3);
    batch.forEach((s, k) => x.set(normalizeClip(s.image), k * S * S * 3));
    const images = tf.tensor4d(x, [batch.length, S, S, 3]);
    dets.push(...(await detector.detect(images, { className: family, levelMaps: true })));
    images.dispose();
  }
  const labels = samples.map((s) => s.label);
  const L = dets[0].levelMaps.length;
  const n = samples.length * S * S;
  const pixLabels = new Uint8Array(n);
  samples.forEach((s, k) => s.mask && pixLabels.set(s.mask, k * S * S));
  const pix = (get) => {
    const p = new Float32Array(n);
    dets.forEach((d, k) => p.set(get(d), k * S * S));
    return binaryMetrics(p, pixLabels).auroc;
  };
  const levelPix = Array.from({ length: L }, (_, l) => pix((d) => d.levelMaps[l]));
  const mapMax = dets.map((d) => Math.max(...d.anomalyMap));
  const det = dets.map((d) => d.imageScore);
  const nm = norm(mapMax);
  const nd = norm(det);
  const fused = nm.map((v, i) => 0.5 * v + 0.5 * nd[i]);
  rows.push({ family, pixel: pix((d) => d.anomalyMap), levelPix, mapMax: binaryMetrics(mapMax, labels).auroc, det: binaryMetrics(det, labels).auroc, fused: binaryMetrics(fused, labels).auroc });
}
console.log(`model ${model}`);
console.log(`family   pixel | levels pixel            | image: mapMax   det  fused`);
for (const r of rows) console.log(`${r.family.padEnd(8)} ${pct(r.pixel)} | ${r.levelPix.map(pct).join(' ')} |        ${pct(r.mapMax)} ${pct(r.det)} ${pct(r.fused)}`);
const avg = (f) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
console.log(`average  ${pct(avg((r) => r.pixel))} | ${rows[0].levelPix.map((_, l) => pct(avg((r) => r.levelPix[l]))).join(' ')} |        ${pct(avg((r) => r.mapMax))} ${pct(avg((r) => r.det))} ${pct(avg((r) => r.fused))}`);
await detector.dispose();
