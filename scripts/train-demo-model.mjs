// Trains the embedded demo model with this project's own trainer and writes
// packages/backend-node/models/demo.safetensors. Deterministic (seeded); run with
//   npm run build && node scripts/train-demo-model.mjs        (about 5 minutes on one core)
// The model: a small CLIP-shaped network (ViT 128 px, patch 8, width 128, 6 blocks; a 2-block
// text tower over a byte-level tokenizer). Both towers are set analytically and frozen: the
// vision tower computes each patch's log-scale deviation from its own image
// (scripts/lib/analytic-tower.mjs), the text tower is a bag of bytes
// (scripts/lib/bag-of-bytes-text.mjs). AA-CLIP's text adapters (stage 1) and image projections
// (stage 2) are trained on top by this project's trainer, on synthetic textures of
// TRAIN_FAMILIES. It is not CLIP; `aaclip demo` evaluates it on the other texture families,
// which it never saw.
// Environment: OUT (output file), TRAIN_FAMILIES (comma-separated; default stripes, mesh, wood,
// tiles, metal, circuit), STAGE1_EPOCHS / STAGE1_LR (default 4 / 5e-3), STAGE2_EPOCHS (3),
// S2_PER_FAMILY (JSON {normal, anomalous}), LEVELS, ADAPT_UNTIL (JSON), EXPOSE=all (show the
// projections every feature of the analytic tower, not only the scores).
// Earlier designs, kept for comparison (README, "The demo model"): TOWER=random (random vision
// tower but for a hand-set centring block, random text tower), with PRETRAIN_EPOCHS > 0 the
// tower first pretrained on generated defects (scripts/lib/pretrain-backbone.mjs; DET_WEIGHT,
// MAX_WEIGHT, PRE_AUGMENT=1, PRE_LR), WIDTH / LAYERS / HEADS, TOWER_FROM=model.safetensors
// (reuse an earlier model's float16 vision tower), TEXT=random|bytes.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AAClipModel, ClipModel, ByteTokenizer } from '@aaclip/core';
import { randomClipWeights, trainAAClip } from '@aaclip/core/train';
import { readSafetensors, writeSafetensors, CHECKPOINT_FORMAT } from '@aaclip/core/weights';
import { generateDataset } from '@aaclip/synthetic';
import { useBackend, ensureGradients, writeFileAtomic } from '@aaclip/backend-node';
import { pretrainBackbone } from './lib/pretrain-backbone.mjs';
import { buildAnalyticTower } from './lib/analytic-tower.mjs';
import { buildBagOfBytesText } from './lib/bag-of-bytes-text.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT ?? join(here, '..', 'packages', 'backend-node', 'models', 'demo.safetensors');
const PRETRAIN_EPOCHS = Number(process.env.PRETRAIN_EPOCHS ?? 0);
const DET_WEIGHT = Number(process.env.DET_WEIGHT ?? 0);
const MAX_WEIGHT = Number(process.env.MAX_WEIGHT ?? 0);
const PRE_AUGMENT = process.env.PRE_AUGMENT === '1';
const STAGE2_EPOCHS = Number(process.env.STAGE2_EPOCHS ?? 3);
const PRE_LR = Number(process.env.PRE_LR ?? 1e-3);
const TOWER = process.env.TOWER ?? 'analytic';
const TRAIN_FAMILIES = process.env.TRAIN_FAMILIES ? process.env.TRAIN_FAMILIES.split(',') : ['stripes', 'mesh', 'wood', 'tiles', 'metal', 'circuit'];
const SIZE = 128;
const env = (k, d) => (process.env[k] !== undefined ? JSON.parse(process.env[k]) : d);
const cfg = {
  embedDim: 64,
  activation: 'gelu',
  vision: { imageSize: SIZE, patchSize: 8, width: env('WIDTH', TOWER === 'analytic' ? 128 : 96), layers: env('LAYERS', 6), heads: env('HEADS', TOWER === 'analytic' ? 4 : 3) },
  text: { contextLength: 64, vocabSize: 259, width: 64, heads: 2, layers: 2 },
};
const AACLIP = TOWER === 'analytic'
  ? { levels: env('LEVELS', [5]), imageAdaptUntil: env('ADAPT_UNTIL', 0), surgeryFrom: 6, imageAdaptWeight: 0.1 }
  : { levels: env('LEVELS', [2, 3, 5, 6]), imageAdaptUntil: env('ADAPT_UNTIL', 6), surgeryFrom: 2, imageAdaptWeight: 0.1 };
const S2 = env('S2_PER_FAMILY', { normal: 40, anomalous: 80 });
const pretrainOptions = ['PRETRAIN_EPOCHS', 'DET_WEIGHT', 'MAX_WEIGHT', 'PRE_AUGMENT', 'PRE_LR'].filter((k) => process.env[k] !== undefined);
if (TOWER === 'analytic' && pretrainOptions.length > 0) throw new Error(`${pretrainOptions.join(', ')}: tower pretraining applies to TOWER=random only`);

await useBackend(process.env.AACLIP_BACKEND ?? 'wasm');
await ensureGradients();
const t0 = performance.now();
let pretrainLosses = [];
const tokenizer = new ByteTokenizer({ contextLength: cfg.text.contextLength });
const weights = randomClipWeights(cfg, 1);
if (process.env.TOWER_FROM) {
  // experiments: reuse the vision tower of an earlier model file
  for (const [k, t] of readSafetensors(readFileSync(process.env.TOWER_FROM)).tensors) if (k.startsWith('visual.')) weights.set(k, { shape: t.shape, data: t.data });
} else if (TOWER === 'analytic') {
  buildAnalyticTower(weights, cfg, { expose: process.env.EXPOSE ?? 'score' });
} else {
  // TOWER=random: block 1 set by hand to centre the patch tokens on the image: uniform attention
  // (q = k = 0), V = -I, out_proj = I and no MLP, so x_i <- x_i - mean_j x_j. Anomalies are
  // deviations from an image's own texture; this gives the tower that cue from the start.
  const W = cfg.vision.width;
  const inProj = weights.get('visual.transformer.resblocks.0.attn.in_proj_weight').data;
  inProj.fill(0);
  for (let i = 0; i < W; i++) inProj[(2 * W + i) * W + i] = -1;
  const outProj = weights.get('visual.transformer.resblocks.0.attn.out_proj.weight').data;
  outProj.fill(0);
  for (let i = 0; i < W; i++) outProj[i * W + i] = 1;
  weights.get('visual.transformer.resblocks.0.mlp.c_proj.weight').data.fill(0);
  if (PRETRAIN_EPOCHS > 0) {
    const tower = ClipModel.fromWeights(weights, cfg);
    const pre = pretrainBackbone(tower, {
      families: TRAIN_FAMILIES, levels: AACLIP.levels, epochs: PRETRAIN_EPOCHS, perFamily: { normal: 16, anomalous: 32 },
      batchSize: 8, lr: PRE_LR, seed: 5, detWeight: DET_WEIGHT, maxWeight: MAX_WEIGHT, augment: PRE_AUGMENT,
      onEpoch: (e, loss) => console.log(`pretrain epoch ${e + 1}/${PRETRAIN_EPOCHS} loss ${loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`),
    });
    for (const [k, v] of pre.weights) weights.set(k, v);
    tower.dispose();
    pretrainLosses = pre.losses;
  }
}
if ((process.env.TEXT ?? (TOWER === 'analytic' ? 'bytes' : 'random')) === 'bytes') buildBagOfBytesText(weights, cfg);
const clip = ClipModel.fromWeights(weights, cfg);
const model = AAClipModel.create({ clip, seed: 2, config: AACLIP });
const train = generateDataset({ families: TRAIN_FAMILIES, size: SIZE, perFamily: S2, seed: 7 });
const source = { length: train.length, get: (i) => ({ image: train[i].image, mask: train[i].mask, label: train[i].label, className: train[i].family }) };
let last = 0;
const res = await trainAAClip(model, source, {
  classes: TRAIN_FAMILIES,
  tokenizer,
  seed: 3,
  prompts: { onWarning: () => undefined },
  stage1: { epochs: Number(process.env.STAGE1_EPOCHS ?? (TOWER === 'analytic' ? 4 : 1)), batchSize: 16, lr: Number(process.env.STAGE1_LR ?? (TOWER === 'analytic' ? 5e-3 : 1e-3)) },
  stage2: { epochs: STAGE2_EPOCHS, batchSize: 8, lr: 1e-3 },
  onStep: (s) => {
    if (performance.now() - last > 10_000) {
      last = performance.now();
      console.log(`stage ${s.stage} epoch ${s.epoch + 1}/${s.epochs} step ${s.step + 1}/${s.stepsPerEpoch} loss ${s.loss.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  },
});
// one file: CLIP weights (OpenAI layout), adapters, anchors of the training families, configs
const tensors = new Map();
// the analytic tower's weights span 1e-4..1e4 and cancel precisely: keep them in float32
for (const [k, t] of weights) if (k !== 'logit_scale') tensors.set(k, { dtype: TOWER === 'analytic' && k.startsWith('visual.') ? 'float32' : 'float16', shape: t.shape, data: t.data });
for (const [k, a] of res.checkpoint.adapters) tensors.set(k, { dtype: 'float32', shape: a.shape, data: a.data });
for (const [c, a] of res.checkpoint.anchors) tensors.set(`anchors.${c}`, { dtype: 'float32', shape: a.shape, data: a.data });
const bytes = writeSafetensors(tensors, {
  format: CHECKPOINT_FORMAT,
  clip_config: JSON.stringify(cfg),
  aaclip_config: JSON.stringify(model.config),
  tokenizer: JSON.stringify(tokenizer.toConfig()),
  anchor_classes: JSON.stringify([...res.checkpoint.anchors.keys()]),
  demo_train_families: JSON.stringify(TRAIN_FAMILIES),
  description: TOWER === 'analytic'
    ? 'AA-CLIP demo model: small CLIP-shaped network whose frozen towers are set analytically (vision: per-patch log-scale deviation from its own image; text: bag of bytes), with AA-CLIP text adapters and image projections trained on synthetic textures by scripts/train-demo-model.mjs. Not OpenAI CLIP.'
    : 'AA-CLIP demo model: small CLIP-shaped network with a frozen, mostly random vision tower and AA-CLIP adapters trained on synthetic textures by scripts/train-demo-model.mjs. Not OpenAI CLIP.',
  pretrain_losses: JSON.stringify(pretrainLosses),
  stage1_losses: JSON.stringify(res.stage1?.epochLosses ?? []),
  stage2_losses: JSON.stringify(res.stage2?.epochLosses ?? []),
});
mkdirSync(dirname(OUT), { recursive: true });
await writeFileAtomic(OUT, bytes);
console.log(`wrote ${OUT} (${(bytes.length / 2 ** 20).toFixed(2)} MiB) in ${((performance.now() - t0) / 1000).toFixed(0)} s; losses`, res.stage1?.epochLosses, res.stage2?.epochLosses);
model.dispose();
clip.dispose();
