// Text anchors of one class in its own process: the adapted text tower (text adapters after the
// first blocks, the projection adapter) over the class's normal and abnormal sentences, each
// state L2-normalised, averaged, L2-normalised: [E, 2]. Random weights, real shapes; the token
// ids are synthetic sentences of the official lengths (SOT, 4-7 word tokens, EOT), generated
// exactly as bench/pytorch/aaclip_bench.py does (no vocabulary file needed).
//   node bench/text-anchors.mjs --model ViT-L-14-336 --normal 6 --abnormal 10 --repeat 3
import * as tf from '@tensorflow/tfjs-core';
import { AAClipModel, ClipModel } from '@aaclip/core';
import { randomClipWeights } from '@aaclip/core/train';
import { useBackend } from '@aaclip/backend-node';
import { best, emit, parseArgs, peakRssMiB, presetConfig, textFlops } from './lib.mjs';

/** Sentence k: SOT, 4 + (k % 4) ids from a fixed LCG, EOT, zero padding. */
export function syntheticTokens(count, offset, ctx, vocab) {
  const out = new Int32Array(count * ctx);
  let s = 12345 + offset;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648);
  for (let k = 0; k < count; k++) {
    const n = 4 + ((k + offset) % 4);
    out[k * ctx] = vocab - 2; // SOT
    for (let t = 1; t <= n; t++) out[k * ctx + t] = 1 + (next() % (vocab - 3));
    out[k * ctx + n + 1] = vocab - 1; // EOT: the largest id
  }
  return out;
}

const args = parseArgs();
const modelName = args.model ?? 'ViT-L-14-336';
const nNormal = Number(args.normal ?? 6);
const nAbnormal = Number(args.abnormal ?? 10);
const repeat = Number(args.repeat ?? 3);
const report = await useBackend(args.backend ?? 'wasm');
// a text tower and a tiny vision tower (anchors never touch the images)
const full = presetConfig(modelName);
const cfg = { ...full, vision: { ...full.vision, layers: 4, width: 64, heads: 1, imageSize: 32, patchSize: 16 } };
const weights = randomClipWeights(cfg, 0);
const clip = ClipModel.fromWeights(weights, cfg);
weights.clear();
const model = AAClipModel.create({ clip, seed: 0 });
const { contextLength: ctx, vocabSize } = cfg.text;
const normal = syntheticTokens(nNormal, 0, ctx, vocabSize);
const abnormal = syntheticTokens(nAbnormal, 1000, ctx, vocabSize);
const times = [];
for (let r = 0; r < repeat; r++) {
  const t = performance.now();
  const a = model.anchorsFromTokens(normal, abnormal);
  await a.data();
  a.dispose();
  times.push((performance.now() - t) / 1000);
}
const flops = textFlops(cfg, nNormal + nAbnormal);
emit({
  case: `${modelName} text anchors, one class`,
  backend: report.active,
  sentences: nNormal + nAbnormal,
  seconds: best(times),
  times,
  gflopsFullContext: flops / 1e9,
  peakRssMiB: peakRssMiB(),
});
model.dispose();
clip.dispose();
