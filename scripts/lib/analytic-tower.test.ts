// The demo model's analytic towers compute what their comments say: the vision tower's block
// outputs are checked against the same statistics computed in float64 from its own block-1
// features, and the text tower's pooled embedding against the mean of the byte embeddings.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ClipModel, ByteTokenizer, normalizeClip } from '@aaclip/core';
import { randomClipWeights } from '@aaclip/core/train';
import { generateDataset } from '@aaclip/synthetic';
// @ts-expect-error: plain JavaScript module of the demo scripts
import { buildAnalyticTower, EPS } from './analytic-tower.mjs';
// @ts-expect-error: plain JavaScript module of the demo scripts
import { buildBagOfBytesText } from './bag-of-bytes-text.mjs';

const cfg = {
  embedDim: 64,
  activation: 'gelu' as const,
  vision: { imageSize: 128, patchSize: 8, width: 128, layers: 6, heads: 4 },
  text: { contextLength: 64, vocabSize: 259, width: 64, heads: 2, layers: 2 },
};
const W = cfg.vision.width;

describe('analytic demo towers', () => {
  it('vision: centring, log deviation, its centring, the maximum over features and its propagation', async () => {
    const weights = randomClipWeights(cfg, 1);
    const built = buildAnalyticTower(weights, cfg);
    expect(built.logFitError).toBeLessThan(0.02);
    const L = built.layout;
    const clip = ClipModel.fromWeights(weights, cfg);
    const s = generateDataset({ families: ['noise'], size: 128, perFamily: { normal: 0, anomalous: 1 }, seed: 2135 })[0]!;
    const x = tf.tensor4d(normalizeClip(s.image), [1, 128, 128, 3]);
    const B: Record<number, Float32Array> = {};
    let start = 0;
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) start = tf.memory().numTensors; // after the first pass's caches
      const r = clip.encodeImage(x, { collect: [1, 2, 3, 5, 6], pooled: false });
      for (const [k, v] of r.tokens) B[k] = (await v.data()) as Float32Array;
      tf.dispose([...r.tokens.values()]);
    }
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
    const P = 256;
    const get = (b: number, p: number, d: number): number => B[b]![(1 + p) * W + d]!;
    let errD = 0;
    let errL = 0;
    let errZ = 0;
    let errM = 0;
    let errG = 0;
    for (let i = 0; i < 8; i++) {
      const f = Array.from({ length: P }, (_, p) => get(1, p, L.f[i]));
      const m = f.reduce((a, v) => a + v, 0) / P;
      const l2 = Array.from({ length: P }, (_, p) => get(2, p, L.z[i]));
      const lm = l2.reduce((a, v) => a + v, 0) / P;
      for (let p = 0; p < P; p++) {
        errD = Math.max(errD, Math.abs(get(2, p, L.f[i]) - (f[p]! - m)));
        errL = Math.max(errL, Math.abs(l2[p]! - Math.log(Math.abs(f[p]! - m) + EPS)));
        errZ = Math.max(errZ, Math.abs(get(3, p, L.z[i]) - (l2[p]! - lm)));
      }
    }
    let top = -Infinity;
    for (let p = 0; p < P; p++) {
      const M = Math.max(...L.z.map((d: number) => get(3, p, d)));
      errM = Math.max(errM, Math.abs(get(5, p, L.M) - M));
      top = Math.max(top, get(5, p, L.M));
    }
    for (let p = 0; p < P; p++) errG = Math.max(errG, Math.abs(get(6, p, L.global[0]) - get(6, 0, L.global[0])));
    expect(errD).toBeLessThan(1e-4); // centring (LayerNorm kept an identity)
    expect(errL).toBeLessThan(0.03); // the GELU fit of log(|d| + eps)
    expect(errZ).toBeLessThan(5e-3);
    expect(errM).toBeLessThan(5e-3); // pairwise maxima through GELU pairs
    expect(errG).toBeLessThan(1e-3); // every token holds the same image value (up to LayerNorm's 1e-4 scale noise)
    expect(get(6, 0, L.global[0])).toBeGreaterThan(top - 0.5); // a soft maximum: near the top patch
    expect(get(6, 0, L.global[0])).toBeLessThanOrEqual(top + 1e-3);
    for (let p = 0; p < P; p++) expect(Math.abs(get(6, p, L.M))).toBeLessThan(5e-3); // block 6 drops the patch's own M (values O(1))
    clip.dispose();
  });

  it('text: the pooled token is the projected, normalised mean of the byte embeddings', async () => {
    const weights = randomClipWeights(cfg, 1);
    buildBagOfBytesText(weights, cfg);
    const clip = ClipModel.fromWeights(weights, cfg);
    const tok = new ByteTokenizer({ contextLength: 64 });
    const ids = tok.tokenize(['a photo of a damaged leather', 'a photo of a flawless leather']); // [2 * 64]
    const out = clip.encodeText(ids);
    const emb = (await out.data()) as Float32Array;
    out.dispose();
    const E = cfg.embedDim;
    const Wt = cfg.text.width;
    const table = weights.get('token_embedding.weight')!.data;
    const proj = weights.get('text_projection')!.data;
    for (let b = 0; b < 2; b++) {
      const row = Array.from(ids.subarray(b * 64, (b + 1) * 64));
      const eot = row.indexOf(Math.max(...row));
      // x_eot = e_eot + 4 * mean_{j <= eot} e_j, then ln_final (unit gain, zero bias), then the projection
      const x = new Float64Array(Wt);
      for (let j = 0; j <= eot; j++) for (let d = 0; d < Wt; d++) x[d] += (4 * table[row[j]! * Wt + d]!) / (eot + 1);
      for (let d = 0; d < Wt; d++) x[d] += table[row[eot]! * Wt + d]!;
      const mu = x.reduce((a, v) => a + v, 0) / Wt;
      const sd = Math.sqrt(x.reduce((a, v) => a + (v - mu) ** 2, 0) / Wt + 1e-5);
      for (let e = 0; e < E; e++) {
        let y = 0;
        for (let d = 0; d < Wt; d++) y += ((x[d]! - mu) / sd) * proj[d * E + e]!;
        expect(Math.abs(emb[b * E + e]! - y)).toBeLessThan(1e-4);
      }
    }
    clip.dispose();
  });
});
