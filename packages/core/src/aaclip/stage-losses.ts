// The two training objectives of AA-CLIP (Ma et al., CVPR 2025, arXiv 2503.06661):
//
//   stage 1 (text adapters)   L_1 = L_align(P_L) + gamma L_dis            (official loop: last level L only)
//   stage 2 (image adapters)  L_2 = L_ce + sum_l L_align(P_l)             (anchors frozen)
//
// with P_l = softmax_c(Up_S(100 F_l A)) the training map of level l (maps.ts), L_align and L_ce of
// losses.ts and L_dis, gamma of disentangle-loss.ts.
import * as tf from '@tensorflow/tfjs-core';
import type { AAClipModel } from './aaclip-model';
import { DISENTANGLE_WEIGHT, disentangleLoss } from './disentangle-loss';
import { detCrossEntropy, segmentationLoss } from './losses';
import { similarity, trainingSoftmaxMap } from './maps';
import type { TokenInput } from '../model/text-transformer';

/** Token ids of one class's normal and abnormal sentences. */
export interface ClassTokens {
  normal: TokenInput;
  abnormal: TokenInput;
}

export interface Stage1Batch {
  /** Per level [B, g*g, E], from `stage1Features` (computed off the tape). */
  features: tf.Tensor3D[];
  grid: number;
  /** [B, S, S] in {0, 1} */
  masks: tf.Tensor3D;
  /** class of each image */
  classes: readonly string[];
}

/**
 * Stage-1 loss: seg loss of the last level (or of every level) + gamma * the disentangle loss of
 * the adapted anchors of the batch's classes (recomputed through the text adapters, with
 * gradient; disentangle-loss.ts). Default is the official loop's: last level only, gamma 0.1.
 */
export function stage1Loss(
  model: AAClipModel,
  batch: Stage1Batch,
  tokens: ReadonlyMap<string, ClassTokens>,
  opts: {
    allLevels?: boolean;
    /** gamma, the weight of the disentangle loss. Default DISENTANGLE_WEIGHT (0.1). */
    disentangleWeight?: number;
    /** @deprecated Renamed `disentangleWeight`; removed in the next release. */
    orthogonalWeight?: number;
  } = {},
): tf.Scalar {
  return tf.tidy(() => {
    const w = opts.disentangleWeight ?? opts.orthogonalWeight ?? DISENTANGLE_WEIGHT;
    const anchorsByClass = new Map<string, tf.Tensor2D>();
    for (const c of new Set(batch.classes)) {
      const t = tokens.get(c);
      if (!t) throw new Error(`stage1Loss: no prompt tokens for class "${c}"`);
      anchorsByClass.set(c, model.anchorsFromTokens(t.normal, t.abnormal));
    }
    const anchors = batch.classes.map((c) => anchorsByClass.get(c)!);
    const size = batch.masks.shape[1];
    const dis = disentangleLoss(anchors);
    const levels = opts.allLevels ? batch.features : [batch.features[batch.features.length - 1]!];
    const terms = levels.map((f) => tf.add(segmentationLoss(trainingSoftmaxMap(similarity(f, anchors), batch.grid, size), batch.masks), tf.mul(dis, w)));
    return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
  });
}

export interface Stage2Batch {
  /** NHWC [B, S, S, 3] */
  images: tf.Tensor4D;
  /** [B, S, S] */
  masks: tf.Tensor3D;
  labels: ArrayLike<number>;
  classes: readonly string[];
}

/** Stage-2 loss parts: ce on the det logits + seg loss summed over levels, against frozen anchors. */
export function stage2Loss(
  model: AAClipModel,
  batch: Stage2Batch,
  anchors: ReadonlyMap<string, tf.Tensor2D>,
): { loss: tf.Scalar; ce: tf.Scalar; seg: tf.Scalar } {
  return tf.tidy(() => stage2LossFromFeatures(model.forward(batch.images), batch, anchors));
}

/** Each image's frozen anchors [E, 2] by its class; an error names a class without anchors. */
export function batchAnchors(classes: readonly string[], anchors: ReadonlyMap<string, tf.Tensor2D>): tf.Tensor2D[] {
  return classes.map((c) => {
    const a = anchors.get(c);
    if (!a) throw new Error(`stage2Loss: no anchors for class "${c}"`);
    return a;
  });
}

/** The stage-2 loss parts from head features already computed (see `AAClipModel.headFeatures`). */
export function stage2LossFromFeatures(
  f: { seg: tf.Tensor3D[]; det: tf.Tensor2D; grid: number },
  batch: Pick<Stage2Batch, 'masks' | 'labels' | 'classes'>,
  anchors: ReadonlyMap<string, tf.Tensor2D>,
): { loss: tf.Scalar; ce: tf.Scalar; seg: tf.Scalar } {
  return tf.tidy(() => {
    const A = batchAnchors(batch.classes, anchors);
    const ce = detCrossEntropy(f.det, A, batch.labels);
    const seg = tf.addN(f.seg.map((s) => stage2SegTerm(s, A, f.grid, batch.masks))) as tf.Scalar;
    return { loss: tf.add(ce, seg) as tf.Scalar, ce, seg };
  });
}

/** A stage-2 level term: focal + dice of the level's softmax map (grid upsampled to the masks); A: each image's anchors. */
export function stage2SegTerm(seg: tf.Tensor3D, A: tf.Tensor2D[], grid: number, masks: tf.Tensor3D): tf.Scalar {
  return segmentationLoss(trainingSoftmaxMap(similarity(seg, A), grid, masks.shape[1]), masks);
}

/**
 * d(loss)/d(adapter weights) for a stage, with the loss value. Gradients are keyed by adapter
 * key in variable layout [in, out].
 * @deprecated as a public name: `stage2Gradients` (@aaclip/core/train) is the one gradient entry
 * point; `adapterGradientsAsync` reads the loss without a synchronous read.
 */
export function adapterGradients(model: AAClipModel, stage: 1 | 2, lossFn: () => tf.Scalar): { value: number; grads: Map<string, tf.Tensor> } {
  const { value, grads } = adapterGradientTensors(model, stage, lossFn);
  const v = value.dataSync()[0]!;
  value.dispose();
  return { value: v, grads };
}

/** A scalar's value, read asynchronously (GPU backends), and the tensor freed. */
export async function takeScalar(t: tf.Scalar): Promise<number> {
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

/**
 * `adapterGradients` with the loss read asynchronously: webgpu in Node has no synchronous
 * read, and in a browser one goes through a canvas that some adapters cannot do.
 */
export async function adapterGradientsAsync(model: AAClipModel, stage: 1 | 2, lossFn: () => tf.Scalar): Promise<{ value: number; grads: Map<string, tf.Tensor> }> {
  const { value, grads } = adapterGradientTensors(model, stage, lossFn);
  return { value: await takeScalar(value), grads };
}

/** `adapterGradients` with the loss left as a tensor. */
export function adapterGradientTensors(model: AAClipModel, stage: 1 | 2, lossFn: () => tf.Scalar): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const params = model.trainableAdapters(stage);
  const { value, grads } = tf.variableGrads(lossFn, params.map((p) => p.weightT));
  const out = new Map<string, tf.Tensor>();
  for (const p of params) {
    const g = grads[p.weightT.name];
    if (!g) {
      tf.dispose([value, ...Object.values(grads)]);
      throw new Error(`no gradient reached adapter "${p.key}"`);
    }
    out.set(p.key, g);
  }
  return { value, grads: out };
}
