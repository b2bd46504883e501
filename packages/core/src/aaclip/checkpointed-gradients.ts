import * as tf from '@tensorflow/tfjs-core';
import type { AAClipModel } from './aaclip-model';
import type { AdapterLinear } from './aaclip-adapters';
import { detCrossEntropy } from './losses';
import { batchAnchors, stage2SegTerm, type Stage2Batch } from './stage-losses';

/**
 * Stage-2 loss and adapter gradients with block-wise recomputation (gradient checkpointing).
 *
 * tfjs keeps every intermediate of a forward pass on the tape until the gradients are done; for
 * ViT-L at 518 px that is ~6 GB per image pair (16 attention maps of 1370 x 1370 per block),
 * beyond the 4 GiB a wasm heap can hold. Here the forward runs off the tape and keeps only each
 * block's input sequence ([B*N, W] per block); the head's gradient is taken against the
 * collected sequences, and then the blocks are walked back one at a time: each is recomputed on
 * the tape and its vector-Jacobian product with the incoming gradient gives the gradient of its
 * input and of its image adapter. Peak memory is the sequences plus one block's tape; the cost
 * is one extra forward. Gradients equal `adapterGradients(model, 2, () => stage2Loss(...))` up
 * to float32 summation order.
 */
export function stage2GradientsCheckpointed(
  model: AAClipModel,
  batch: Stage2Batch,
  anchors: ReadonlyMap<string, tf.Tensor2D>,
): { value: number; grads: Map<string, tf.Tensor> } {
  const { value, grads } = stage2GradientTensorsCheckpointed(model, batch, anchors);
  const v = value.dataSync()[0]!;
  value.dispose();
  return { value: v, grads };
}

/** `stage2GradientsCheckpointed` with the loss left as a tensor (read it asynchronously on GPU backends). */
export function stage2GradientTensorsCheckpointed(
  model: AAClipModel,
  batch: Stage2Batch,
  anchors: ReadonlyMap<string, tf.Tensor2D>,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const visual = model.clip.visual;
  const L = visual.resblocks.length;
  const B = batch.images.shape[0];
  const W = visual.config.width;
  const until = Math.min(model.config.imageAdaptUntil, L);
  const adapters = model.imageAdapters;
  const grads = new Map<string, tf.Tensor>();
  // forward off the tape: seqs[i] = input of block i + 1 ([B*N, W]); seqs[L] = the last output
  const { x: x0, grid } = visual.embed(batch.images);
  const N = 1 + grid * grid;
  const step = (i: number, x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => model.adaptBlock(i, visual.resblocks[i - 1]!.apply(x, B, N)));
  const seqs: tf.Tensor2D[] = [x0];
  let value: tf.Scalar | null = null;
  const seqGrads = new Map<number, tf.Tensor2D>();
  try {
    for (let i = 1; i <= L; i++) seqs.push(step(i, seqs[i - 1]!));
    // the head, one loss term at a time (each term's tape alone: at 518 px one level's
    // full-size maps and losses hold ~250 MB): gradients w.r.t. its sequence and projection
    const A = batchAnchors(batch.classes, anchors);
    const as3d = (x: tf.Tensor): tf.Tensor3D => tf.reshape(x, [B, N, W]) as tf.Tensor3D; // [B, N, W]
    const terms: Array<{ block: number; param: AdapterLinear; loss: (seq: tf.Tensor) => tf.Scalar }> = [
      { block: L, param: adapters.detProj, loss: (x) => detCrossEntropy(model.detFeatures(as3d(x)), A, batch.labels) },
      ...model.config.levels.map((l, j) => ({
        block: l,
        param: adapters.segProj[j]!,
        loss: (x: tf.Tensor) => stage2SegTerm(model.segFeatures(j, as3d(x)), A, grid, batch.masks),
      })),
    ];
    for (const t of terms) {
      const r = tf.valueAndGrads((x: tf.Tensor) => t.loss(x))([seqs[t.block]!, t.param.weightT]);
      const sum: tf.Scalar = value ? tf.add(value, r.value) : r.value;
      if (value) tf.dispose([value, r.value]);
      value = sum;
      const [gx, gw] = r.grads as [tf.Tensor2D, tf.Tensor];
      grads.set(t.param.key, gw);
      accumulate(seqGrads, t.block, gx as tf.Tensor2D);
    }
    // walk the blocks back: dL/d(input of block i) and dL/d(adapter i), one image at a time
    // (the vision blocks never mix images, so each image's rows are recomputed and
    // back-propagated alone: one block's tape for one image, not for the batch)
    let g = seqGrads.get(L)!;
    seqGrads.delete(L);
    for (let i = L; i >= 1; i--) {
      const adapter = i <= until ? adapters.layers[i - 1]! : null;
      const needInput = i > 1;
      const xin = seqs[i - 1]!;
      const dxParts: tf.Tensor2D[] = [];
      for (let b = 0; b < B && (adapter || needInput); b++) {
        const gr = tf.tidy(() => {
          const xb = tf.slice(xin, [b * N, 0], [N, W]) as tf.Tensor2D; // [N, W]
          const gb = tf.slice(g, [b * N, 0], [N, W]) as tf.Tensor2D; // [N, W]
          const wrt: tf.Tensor[] = [...(needInput ? [xb] : []), ...(adapter ? [adapter.weightT] : [])];
          return tf.grads(() => model.adaptBlock(i, visual.resblocks[i - 1]!.apply(xb, 1, N)))(wrt, gb);
        });
        if (needInput) dxParts.push(gr.shift() as tf.Tensor2D);
        if (adapter) accumulate(grads, adapter.key, gr[0]!);
      }
      g.dispose();
      seqs[i]!.dispose(); // block i's output is no longer needed
      if (!needInput) break;
      const dx = dxParts.length === 1 ? dxParts[0]! : (tf.concat(dxParts, 0) as tf.Tensor2D); // [B*N, W]
      if (dxParts.length > 1) tf.dispose(dxParts);
      const fromHead = seqGrads.get(i - 1);
      g = fromHead ? (tf.add(dx, fromHead) as tf.Tensor2D) : dx;
      if (fromHead) {
        tf.dispose([dx, fromHead]);
        seqGrads.delete(i - 1);
      }
    }
  } catch (err) {
    tf.dispose([...grads.values()]);
    value?.dispose();
    throw err;
  } finally {
    for (const t of seqs) if (!t.isDisposed) t.dispose();
    for (const t of seqGrads.values()) if (!t.isDisposed) t.dispose();
  }
  for (const p of model.trainableAdapters(2)) {
    if (!grads.has(p.key)) {
      tf.dispose([...grads.values(), value!]);
      throw new Error(`stage2GradientsCheckpointed: no gradient reached adapter "${p.key}"`);
    }
  }
  return { value: value!, grads };
}

/** map[key] += t (t is consumed). */
function accumulate<K, T extends tf.Tensor>(map: Map<K, T>, key: K, t: T): void {
  const prev = map.get(key);
  if (!prev) {
    map.set(key, t);
    return;
  }
  map.set(key, tf.add(prev, t) as T);
  tf.dispose([prev, t]);
}
