// Pretrains the small demo backbone (its vision tower) on generated defects, before AA-CLIP's
// adapters are trained on top of the then-frozen tower. CLIP comes pretrained; the demo model
// cannot ship CLIP, so its tower learns generic "this patch does not belong to its texture"
// features here: a linear head on ln_post(patch tokens) of each AA-CLIP level predicts the
// fraction of defective pixels in the patch, and one on the pooled class token predicts the
// image label (both are discarded afterwards). Deterministic for a given seed.
import * as tf from '@tensorflow/tfjs-core';
import { generateDataset, matMul2d, normalizeClip } from '@aaclip/core';
import { makeVisionTrainable, exportVisionWeights } from './trainable-vision.mjs';

/** Patch targets [B*g*g, 1] (defective fraction), labels [B, 1] and images [B, S, S, 3]. */
function batchTensors(samples, size, patch) {
  const g = size / patch;
  const x = new Float32Array(samples.length * size * size * 3);
  const t = new Float32Array(samples.length * g * g);
  const y = new Float32Array(samples.length);
  samples.forEach((s, n) => {
    x.set(normalizeClip(s.image), n * size * size * 3);
    y[n] = s.label;
    if (!s.mask) return;
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        if (s.mask[py * size + px]) t[n * g * g + Math.floor(py / patch) * g + Math.floor(px / patch)] += 1 / (patch * patch);
      }
    }
  });
  return { x: tf.tensor4d(x, [samples.length, size, size, 3]), t: tf.tensor2d(t, [samples.length * g * g, 1]), y: tf.tensor2d(y, [samples.length, 1]) };
}

/** mean(pw * t * softplus(-z) + (1 - t) * softplus(z)): BCE with logits, soft targets. */
const bce = (z, t, pw) => tf.mean(tf.add(tf.mul(tf.mul(t, pw), tf.softplus(tf.neg(z))), tf.mul(tf.sub(1, t), tf.softplus(z))));

/**
 * Trains `clip.visual` in place and returns { weights (OpenAI layout, vision keys), losses }.
 * opts: { families, levels, epochs, perFamily: {normal, anomalous}, batchSize, lr, seed, onEpoch }
 */
export function pretrainBackbone(clip, opts) {
  const { imageSize: size, patchSize: patch, width: W } = clip.config.vision;
  const g = size / patch;
  const { families, levels, epochs, perFamily, batchSize: bs, lr, seed } = opts;
  const vars = makeVisionTrainable(clip.visual);
  const heads = levels.map((l, j) => ({
    w: tf.variable(tf.randomNormal([W, 1], 0, 0.02, 'float32', seed + j)),
    b: tf.variable(tf.scalar(-2)),
  }));
  const imgHead = { w: tf.variable(tf.randomNormal([clip.config.embedDim, 1], 0, 0.02, 'float32', seed + 99)), b: tf.variable(tf.scalar(0)) };
  const varList = [...vars.values(), ...heads.flatMap((h) => [h.w, h.b]), imgHead.w, imgHead.b];
  const losses = [];
  // learning rate lr, then lr / 10 for the last quarter of the epochs
  const optimizers = [tf.train.adam(lr), tf.train.adam(lr / 10)];
  for (let e = 0; e < epochs; e++) {
    const optimizer = optimizers[e < Math.ceil(epochs * 0.75) ? 0 : 1];
    const data = generateDataset({ families, size, perFamily, seed: seed + 1000 + e }); // fresh images every epoch
    for (let i = data.length - 1; i > 0; i--) {
      const j = (i * 7919 + e * 31) % (i + 1);
      [data[i], data[j]] = [data[j], data[i]];
    }
    let total = 0;
    let steps = 0;
    for (let s = 0; s + bs <= data.length; s += bs) {
      const { x, t, y } = batchTensors(data.slice(s, s + bs), size, patch);
      const loss = optimizer.minimize(() => {
        const B = x.shape[0];
        const r = clip.encodeImage(x, { collect: levels, pooled: true });
        const seg = levels.map((l, j) => {
          const tok = r.tokens.get(l); // [B, 1+g*g, W]
          const patches = tf.reshape(tf.slice(tok, [0, 1, 0], [B, g * g, W]), [B * g * g, W]); // [B*g*g, W]
          return bce(tf.add(matMul2d(clip.visual.ln_post.apply(patches), heads[j].w), heads[j].b), t, 8);
        });
        const img = tf.add(matMul2d(r.pooled, imgHead.w), imgHead.b); // [B, 1]
        return tf.add(tf.addN(seg), tf.mul(0.5, bce(img, y, 1)));
      }, true, varList);
      total += loss.dataSync()[0];
      steps++;
      tf.dispose([x, t, y, loss]);
    }
    losses.push(total / steps);
    opts.onEpoch?.(e, total / steps);
  }
  for (const o of optimizers) o.dispose();
  const weights = exportVisionWeights(clip.visual);
  tf.dispose([...heads.flatMap((h) => [h.w, h.b]), imgHead.w, imgHead.b]);
  return { weights, losses };
}
