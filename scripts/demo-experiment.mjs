// Experiment: train a small AA-CLIP on synthetic families, evaluate on unseen ones.
import * as tf from '@tensorflow/tfjs-core';
import {
  AAClipModel, ClipModel, ByteTokenizer, randomClipWeights, generateDataset, normalizeClip, trainAAClip,
  createDetector, pixelMetrics, binaryMetrics, officialMetricsEval, TEXTURE_FAMILIES,
} from '@aaclip/core';
import { useBackend, ensureGradients } from '@aaclip/backend-node';

const arg = (k, d) => { const i = process.argv.indexOf('--' + k); return i >= 0 ? process.argv[i + 1] : d; };
await useBackend('wasm');
await ensureGradients();
const SIZE = Number(arg('size', 128));
const PATCH = Number(arg('patch', 8));
const WIDTH = Number(arg('width', 96));
const LAYERS = Number(arg('layers', 6));
const trainFamilies = arg('train', 'stripes,mesh,wood,leather,tiles,metal').split(',');
const testFamilies = TEXTURE_FAMILIES.filter((f) => !trainFamilies.includes(f));
const cfg = {
  embedDim: 64, activation: 'gelu',
  vision: { imageSize: SIZE, patchSize: PATCH, width: WIDTH, layers: LAYERS, heads: WIDTH / 32 },
  text: { contextLength: 64, vocabSize: 259, width: 64, heads: 2, layers: 2 },
};
const tokenizer = new ByteTokenizer({ contextLength: 64 });
const weights = randomClipWeights(cfg, Number(arg('seed', 1)));
if (arg('center', '0') === '1') {
  // block 0: uniform attention with V = -I, out_proj = I, no MLP: x_i <- x_i - mean_j x_j
  const W = WIDTH;
  const inp = weights.get('visual.transformer.resblocks.0.attn.in_proj_weight').data;
  inp.fill(0);
  for (let i = 0; i < W; i++) inp[(2 * W + i) * W + i] = -1;
  const out = weights.get('visual.transformer.resblocks.0.attn.out_proj.weight').data;
  out.fill(0);
  for (let i = 0; i < W; i++) out[i * W + i] = 1;
  weights.get('visual.transformer.resblocks.0.mlp.c_proj.weight').data.fill(0);
}
const clip = ClipModel.fromWeights(weights, cfg);
const levels = Array.from({ length: 4 }, (_, k) => Math.round(((k + 1) * LAYERS) / 4));
const model = AAClipModel.create({ clip, seed: 2, config: { levels, imageAdaptUntil: Number(arg('adapt', LAYERS)), surgeryFrom: levels[0], imageAdaptWeight: Number(arg('aw', 0.1)) } });
const train = generateDataset({ families: trainFamilies, size: SIZE, perFamily: { normal: Number(arg('nn', 40)), anomalous: Number(arg('na', 60)) }, seed: 7 });
const source = { length: train.length, get: (i) => ({ image: train[i].image, mask: train[i].mask, label: train[i].label, className: train[i].family }) };
let t0 = performance.now();
let last = 0;
const res = await trainAAClip(model, source, {
  classes: trainFamilies, tokenizer, seed: 3,
  stage1: { epochs: Number(arg('e1', 1)), batchSize: 16, lr: Number(arg('lr1', 1e-3)) },
  stage2: { epochs: Number(arg('e2', 3)), batchSize: Number(arg('bs', 8)), lr: Number(arg('lr2', 1e-3)) },
  onStep: (s) => { if (performance.now() - last > 5000) { last = performance.now(); console.log(`stage ${s.stage} epoch ${s.epoch} step ${s.step}/${s.stepsPerEpoch} loss ${s.loss.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`); } },
});
console.log('train seconds', ((performance.now() - t0) / 1000).toFixed(1), 'stage losses', res.stage1?.epochLosses, res.stage2?.epochLosses);
// evaluate on unseen families
const det = createDetector({ clip, adapters: res.checkpoint.adapters, tokenizer, ownsClip: false, config: model.config });
const evalSet = (families) => {
  const out = [];
  for (const f of families) {
    const ds = generateDataset({ families: [f], size: SIZE, perFamily: { normal: 10, anomalous: 10 }, seed: 99 });
    out.push([f, ds]);
  }
  return out;
};
t0 = performance.now();
for (const [name, fams] of [['unseen', testFamilies], ['seen', trainFamilies]]) {
  const rows = [];
  for (const [f, ds] of evalSet(fams)) {
    const maps = []; const masks = []; const preds = []; const labels = [];
    for (let i = 0; i < ds.length; i += 10) {
      const chunk = ds.slice(i, i + 10);
      const x = tf.tensor4d(Float32Array.from(chunk.flatMap((s) => Array.from(normalizeClip({ ...s.image })))), [chunk.length, SIZE, SIZE, 3]);
      const r = await det.detect(x, { className: f });
      x.dispose();
      r.forEach((d, j) => { maps.push(d.anomalyMap); masks.push(chunk[j].mask ?? new Uint8Array(SIZE * SIZE)); preds.push(d.imageScore); labels.push(chunk[j].label); });
    }
    const flatMaps = new Float32Array(maps.length * SIZE * SIZE); maps.forEach((m, i) => flatMaps.set(m, i * SIZE * SIZE));
    const flatMasks = new Float32Array(masks.length * SIZE * SIZE); masks.forEach((m, i) => flatMasks.set(m, i * SIZE * SIZE));
    const off = officialMetricsEval({ pixelPreds: flatMaps, pixelLabels: flatMasks, imagePreds: Float32Array.from(preds), imageLabels: Float32Array.from(labels), shape: [maps.length, SIZE, SIZE] }, 'industrial');
    rows.push([f, off]);
    console.log(name, f.padEnd(8), JSON.stringify(off));
  }
  const avg = (k) => rows.reduce((s, [, o]) => s + o[k], 0) / rows.length;
  console.log(name, 'AVERAGE pixel AUC', avg('pixel AUC').toFixed(1), 'image AUC', avg('image AUC').toFixed(1));
}
console.log('eval seconds', ((performance.now() - t0) / 1000).toFixed(1));
