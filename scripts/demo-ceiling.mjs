// A non-learned reference for the demo's bar: how far plain per-image statistics get on the
// same synthetic images that `aaclip demo` scores (same families, sizes, counts and seed).
//   npm run build && node scripts/demo-ceiling.mjs [families] [perFamily] [seed]
// (default: the demo model's unseen families, 24 + 24 images each, the demo's seed)
// Each 8 x 8 patch becomes 8 statistics (mean and standard deviation of R, G, B; min and max
// luminance); a patch's score is its Mahalanobis distance to the distribution of all patches of
// its own image (mean and full covariance of that image). The image score is the map maximum.
// Nothing is trained and nothing is shared between images; it only measures how separable the
// generated defects are from local statistics, as a yardstick for the demo model.
import { readFileSync } from 'node:fs';
import { binaryMetrics } from '@aaclip/core/metrics';
import { readSafetensors } from '@aaclip/core/weights';
import { generateDataset, TEXTURE_FAMILIES } from '@aaclip/synthetic';

// default: the families the embedded demo model was not trained on, as `aaclip demo` picks them
const demoModel = new URL('../packages/backend-node/models/demo.safetensors', import.meta.url);
const trained = JSON.parse(readSafetensors(readFileSync(demoModel)).metadata.demo_train_families ?? '[]');
const families = process.argv[2] ? process.argv[2].split(',') : TEXTURE_FAMILIES.filter((f) => !trained.includes(f));
const perFamily = Number(process.argv[3] ?? 24);
const seed = Number(process.argv[4] ?? 111 + 2024); // `aaclip demo`'s default: --seed 111, + 2024
const SIZE = 128;
const P = 8;
const G = SIZE / P;

/** [G*G][8] patch statistics of an RGB8 image. */
function patchStats(image) {
  const out = [];
  for (let gy = 0; gy < G; gy++) {
    for (let gx = 0; gx < G; gx++) {
      const sum = [0, 0, 0];
      const sq = [0, 0, 0];
      let lo = Infinity;
      let hi = -Infinity;
      for (let y = 0; y < P; y++) {
        for (let x = 0; x < P; x++) {
          let lum = 0;
          for (let c = 0; c < 3; c++) {
            const v = image.data[((gy * P + y) * SIZE + gx * P + x) * 3 + c] / 255;
            sum[c] += v;
            sq[c] += v * v;
            lum += v / 3;
          }
          lo = Math.min(lo, lum);
          hi = Math.max(hi, lum);
        }
      }
      const n = P * P;
      const mean = sum.map((s) => s / n);
      const sd = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c] ** 2)));
      out.push([...mean, ...sd, lo, hi]);
    }
  }
  return out;
}

/** Inverse of a small symmetric positive-definite matrix (Gauss-Jordan). */
function invert(m) {
  const d = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let i = 0; i < d; i++) {
    const p = a[i][i];
    for (let j = 0; j < 2 * d; j++) a[i][j] /= p;
    for (let k = 0; k < d; k++) {
      if (k === i) continue;
      const f = a[k][i];
      for (let j = 0; j < 2 * d; j++) a[k][j] -= f * a[i][j];
    }
  }
  return a.map((row) => row.slice(d));
}

/** Mahalanobis distance of every patch to its own image's patch distribution. */
function mahalanobis(feats) {
  const d = feats[0].length;
  const mean = new Array(d).fill(0);
  for (const f of feats) for (let i = 0; i < d; i++) mean[i] += f[i] / feats.length;
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1e-4 : 0)));
  for (const f of feats) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i][j] += ((f[i] - mean[i]) * (f[j] - mean[j])) / feats.length;
  const inv = invert(cov);
  return feats.map((f) => {
    let s = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += (f[i] - mean[i]) * inv[i][j] * (f[j] - mean[j]);
    return Math.sqrt(s);
  });
}

const rows = [];
for (const family of families) {
  const samples = generateDataset({ families: [family], size: SIZE, perFamily: { normal: perFamily, anomalous: perFamily }, seed });
  const pixelScores = new Float64Array(samples.length * SIZE * SIZE);
  const pixelLabels = new Uint8Array(samples.length * SIZE * SIZE);
  const imageScores = [];
  const imageLabels = [];
  samples.forEach((s, n) => {
    const score = mahalanobis(patchStats(s.image));
    imageScores.push(Math.max(...score));
    imageLabels.push(s.label);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const k = n * SIZE * SIZE + y * SIZE + x;
        pixelScores[k] = score[Math.floor(y / P) * G + Math.floor(x / P)]; // nearest upsampling
        pixelLabels[k] = s.mask && s.mask[y * SIZE + x] ? 1 : 0;
      }
    }
  });
  rows.push({ family, pixelAuroc: binaryMetrics(pixelScores, pixelLabels).auroc, imageAuroc: binaryMetrics(imageScores, imageLabels).auroc });
}
const avg = (k) => rows.reduce((a, r) => a + r[k], 0) / rows.length;
console.log('family    pixel AUROC  image AUROC');
for (const r of rows) console.log(`${r.family.padEnd(9)} ${(r.pixelAuroc * 100).toFixed(1).padStart(11)}  ${(r.imageAuroc * 100).toFixed(1).padStart(11)}`);
console.log(`average   ${(avg('pixelAuroc') * 100).toFixed(1).padStart(11)}  ${(avg('imageAuroc') * 100).toFixed(1).padStart(11)}`);
