// Pretrains the small demo backbone (its vision tower) on generated defects, before AA-CLIP's
// adapters are trained on top of the then-frozen tower. CLIP comes pretrained; the demo model
// cannot ship CLIP, so its tower learns generic "this patch does not belong to its texture"
// features here: a linear head on ln_post(patch tokens) of each AA-CLIP level predicts the
// fraction of defective pixels in the patch, and one on the pooled class token predicts the
// image label (both are discarded afterwards). Deterministic for a given seed.
import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize, matMul2d, mulberry32, normalizeClip } from '@aaclip/core';
import { generateDataset } from '@aaclip/synthetic';
import { makeVisionTrainable, exportVisionWeights } from './trainable-vision.mjs';

const PERMS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/**
 * A whole-image recolouring and a dihedral transform (mask alike), so that the tower sees more
 * textures than the training families offer; a defect stays a deviation from its image.
 */
export function augmentSample(s, rand) {
  const { width: S, data } = s.image;
  const perm = PERMS[Math.floor(rand() * 6)];
  const invert = rand() < 0.3;
  const gray = rand() < 0.15;
  const contrast = 0.8 + 0.5 * rand();
  const shift = (rand() - 0.5) * 60;
  const flipX = rand() < 0.5;
  const flipY = rand() < 0.5;
  const swap = rand() < 0.5;
  const out = new Uint8Array(data.length);
  const mask = s.mask ? new Uint8Array(s.mask.length) : null;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let sx = flipX ? S - 1 - x : x;
      let sy = flipY ? S - 1 - y : y;
      if (swap) [sx, sy] = [sy, sx];
      const si = sy * S + sx;
      const di = y * S + x;
      if (mask) mask[di] = s.mask[si];
      const g = gray ? (data[si * 3] + data[si * 3 + 1] + data[si * 3 + 2]) / 3 : 0;
      for (let c = 0; c < 3; c++) {
        let v = gray ? g : data[si * 3 + perm[c]];
        if (invert) v = 255 - v;
        out[di * 3 + c] = Math.max(0, Math.min(255, Math.round((v - 128) * contrast + 128 + shift)));
      }
    }
  }
  return { ...s, image: { ...s.image, data: out }, mask };
}

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
 * opts: { families, levels, epochs, perFamily: {normal, anomalous}, batchSize, lr, seed, onEpoch,
 *   detWeight (default 0), detBlock (default: the last block), maxWeight (default 0),
 *   augment (default false: recolour, flip and transpose each image at random) }
 * maxWeight > 0 adds, per level, an image-label loss on the maximum of the patch logits, so
 * that the map's maximum (half of AA-CLIP's fused image score) is comparable across images.
 * detWeight > 0 adds an image-label loss on the path AA-CLIP's image score takes: a linear
 * projection of ln_post(patch tokens) of detBlock, L2-normalised per patch, averaged over the
 * patches and compared with one learned direction. The tower then has to make that average
 * carry the image label, i.e. spread a defect's evidence over the whole image.
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
  const detWeight = opts.detWeight ?? 0;
  const maxWeight = opts.maxWeight ?? 0;
  const augment = opts.augment ?? false;
  const detBlock = opts.detBlock ?? clip.config.vision.layers;
  const E = clip.config.embedDim;
  const detHead = {
    w: tf.variable(tf.randomNormal([W, E], 0, 1 / Math.sqrt(W), 'float32', seed + 77)),
    a: tf.variable(tf.randomNormal([E, 1], 0, 1, 'float32', seed + 78)),
    b: tf.variable(tf.scalar(0)),
  };
  const collect = [...new Set([...levels, ...(detWeight > 0 ? [detBlock] : [])])].sort((p, q) => p - q);
  const varList = [...vars.values(), ...heads.flatMap((h) => [h.w, h.b]), imgHead.w, imgHead.b, ...(detWeight > 0 ? [detHead.w, detHead.a, detHead.b] : [])];
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
    const augRand = mulberry32(seed * 7919 + e);
    let total = 0;
    let steps = 0;
    for (let s = 0; s + bs <= data.length; s += bs) {
      const batch = data.slice(s, s + bs);
      const { x, t, y } = batchTensors(augment ? batch.map((b) => augmentSample(b, augRand)) : batch, size, patch);
      const loss = optimizer.minimize(() => {
        const B = x.shape[0];
        const r = clip.encodeImage(x, { collect, pooled: true });
        const seg = levels.map((l, j) => {
          const tok = r.tokens.get(l); // [B, 1+g*g, W]
          const patches = tf.reshape(tf.slice(tok, [0, 1, 0], [B, g * g, W]), [B * g * g, W]); // [B*g*g, W]
          const z = tf.add(matMul2d(clip.visual.ln_post.apply(patches), heads[j].w), heads[j].b); // [B*g*g, 1]
          const patchLoss = bce(z, t, 8);
          if (!(maxWeight > 0)) return patchLoss;
          // the image label from the map's maximum: normal images must stay low everywhere
          return tf.add(patchLoss, tf.mul(maxWeight, bce(tf.max(tf.reshape(z, [B, g * g]), 1, true), y, 1)));
        });
        const img = tf.add(matMul2d(r.pooled, imgHead.w), imgHead.b); // [B, 1]
        let total = tf.add(tf.addN(seg), tf.mul(0.5, bce(img, y, 1)));
        if (detWeight > 0) {
          const tok = r.tokens.get(detBlock);
          const patches = tf.reshape(tf.slice(tok, [0, 1, 0], [B, g * g, W]), [B * g * g, W]);
          const f = tf.reshape(l2Normalize(matMul2d(clip.visual.ln_post.apply(patches), detHead.w)), [B, g * g, E]);
          const det = tf.mean(f, 1); // [B, E], as AAClipModel.detFeatures
          const z = tf.add(tf.mul(10, matMul2d(det, l2Normalize(tf.transpose(detHead.a)).transpose())), detHead.b); // [B, 1]
          total = tf.add(total, tf.mul(detWeight, bce(z, y, 1)));
        }
        return total;
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
  tf.dispose([...heads.flatMap((h) => [h.w, h.b]), imgHead.w, imgHead.b, detHead.w, detHead.a, detHead.b]);
  return { weights, losses };
}
