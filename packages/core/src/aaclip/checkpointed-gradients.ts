import * as tf from '@tensorflow/tfjs-core';
import type { AAClipModel } from './aaclip-model';
import { stage2LossFromFeatures, type Stage2Batch } from './stage-losses';

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
  const visual = model.clip.visual;
  const L = visual.resblocks.length;
  const B = batch.images.shape[0];
  const W = visual.config.width;
  const collected = model.collectedBlocks();
  const until = Math.min(model.config.imageAdaptUntil, L);
  const adapters = model.imageAdapters;
  const grads = new Map<string, tf.Tensor>();
  // forward off the tape: seqs[i] = input of block i + 1 ([B*N, W]); seqs[L] = the last output
  const { x: x0, grid } = visual.embed(batch.images);
  const N = 1 + grid * grid;
  const step = (i: number, x: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => model.adaptBlock(i, visual.resblocks[i - 1]!.apply(x, B, N)));
  const seqs: tf.Tensor2D[] = [x0];
  let value: number;
  const seqGrads = new Map<number, tf.Tensor2D>();
  try {
    for (let i = 1; i <= L; i++) seqs.push(step(i, seqs[i - 1]!));
    // the head: gradients w.r.t. the collected sequences and the seg/det projections
    const head = [...adapters.segProj, adapters.detProj];
    const inputs = [...collected.map((b) => seqs[b]!), ...head.map((p) => p.weightT)];
    const r = tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const tokens = new Map<number, tf.Tensor3D>();
      collected.forEach((b, k) => tokens.set(b, tf.reshape(xs[k]!, [B, N, W]) as tf.Tensor3D)); // [B, N, W]
      const f = model.headFeatures(tokens);
      return stage2LossFromFeatures({ ...f, grid }, batch, anchors).loss;
    })(inputs);
    value = r.value.dataSync()[0]!;
    r.value.dispose();
    collected.forEach((b, k) => seqGrads.set(b, r.grads[k] as tf.Tensor2D));
    head.forEach((p, k) => grads.set(p.key, r.grads[collected.length + k]!));
    // walk the blocks back: dL/d(input of block i) and dL/d(adapter i)
    let g = seqGrads.get(L)!;
    seqGrads.delete(L);
    for (let i = L; i >= 1; i--) {
      const adapter = i <= until ? adapters.layers[i - 1]! : null;
      if (i === 1 && !adapter) {
        g.dispose();
        break;
      }
      const xin = seqs[i - 1]!;
      const wrt: tf.Tensor[] = i > 1 ? [xin] : [];
      if (adapter) wrt.push(adapter.weightT);
      const gr = tf.grads(() => step(i, xin))(wrt, g);
      g.dispose();
      seqs[i]!.dispose(); // block i's output is no longer needed
      if (adapter) grads.set(adapter.key, gr.pop()!);
      if (i === 1) break;
      const gx = gr[0] as tf.Tensor2D;
      const fromHead = seqGrads.get(i - 1);
      if (fromHead) {
        g = tf.add(gx, fromHead) as tf.Tensor2D;
        tf.dispose([gx, fromHead]);
        seqGrads.delete(i - 1);
      } else {
        g = gx;
      }
    }
  } catch (err) {
    tf.dispose([...grads.values()]);
    throw err;
  } finally {
    for (const t of seqs) if (!t.isDisposed) t.dispose();
    for (const t of seqGrads.values()) if (!t.isDisposed) t.dispose();
  }
  for (const p of model.trainableAdapters(2)) {
    if (!grads.has(p.key)) throw new Error(`stage2GradientsCheckpointed: no gradient reached adapter "${p.key}"`);
  }
  return { value, grads };
}
