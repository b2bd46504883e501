// The tensor outputs of the parity check: CLIP vision towers, stage 1 (text adapters) and
// stage 2 (image adapters) losses, gradients and one Adam step, and the test maps.
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../aaclip/adam';
import type { AAClipConfig } from '../aaclip/aaclip-config';
import type { AAClipModel } from '../aaclip/aaclip-model';
import { anomalyMaps } from '../aaclip/anomaly-map';
import { disentangleLoss } from '../aaclip/disentangle-loss';
import { similarity, trainingSoftmaxMap } from '../aaclip/maps';
import { imageScore } from '../aaclip/score';
import { adapterGradientsAsync, stage1Loss, stage2Loss, type ClassTokens } from '../aaclip/stage-losses';
import type { ClipModel } from '../model/clip-model';
import { transpose2d } from '../model/weight-source';
import type { WritableTensor } from '../weights/safetensors-writer';
import type { ParityExpectedJson } from './parity-types';

/** A tensor's values as a float32 output (read asynchronously: GPU backends stay responsive). */
export async function readOutput(t: tf.Tensor, shape?: number[]): Promise<WritableTensor> {
  return { dtype: 'float32', shape: shape ?? [...t.shape], data: Float32Array.from(await t.data()) };
}

/** What the stages share. The caller owns every tensor here. */
export interface ParityStageContext {
  clip: ClipModel;
  model: AAClipModel;
  cfg: AAClipConfig;
  ej: ParityExpectedJson;
  /** [B, S, S, 3] normalised images (NHWC). */
  images: tf.Tensor4D;
  /** [B, S, S] masks. */
  masks: tf.Tensor3D;
  labels: number[];
  tokensByClass: Map<string, ClassTokens>;
  /** Adapted anchors [E, 2] per class. */
  anchors: Map<string, tf.Tensor2D>;
  outputs: Map<string, WritableTensor>;
}

/** Gradients of the adapters as outputs in the checkpoint layout [out, in]. */
async function gradOutputs(ctx: ParityStageContext, stage: 1 | 2, grads: Map<string, tf.Tensor>): Promise<void> {
  for (const p of ctx.model.trainableAdapters(stage)) {
    const g = (await grads.get(p.key)!.data()) as Float32Array;
    ctx.outputs.set(`stage${stage}.grad.${p.key}`, { dtype: 'float32', shape: [p.outFeatures, p.inFeatures], data: transpose2d(g, p.inFeatures, p.outFeatures) });
  }
}

/** One Adam step from the gradients; the adapter weights after it become `stageN.adam1.*`. */
async function adamOutputs(ctx: ParityStageContext, stage: 1 | 2, grads: Map<string, tf.Tensor>, lr: number): Promise<void> {
  const a = ctx.ej.aaclip;
  const opt = new Adam(ctx.model.trainableAdapters(stage), { lr, betas: a.adam_betas, eps: a.adam_eps });
  try {
    opt.applyGradients(grads);
    for (const p of ctx.model.trainableAdapters(stage)) {
      ctx.outputs.set(`stage${stage}.adam1.${p.key}`, { dtype: 'float32', shape: [p.outFeatures, p.inFeatures], data: await p.exportWeightAsync() });
    }
  } finally {
    opt.dispose();
  }
}

/** `image.pooled`, `image.tokens.L*` (plain CLIP) and `surgery.tokens.L*`. */
export async function parityVision(ctx: ParityStageContext, want: (name: string) => boolean): Promise<void> {
  const levels = ctx.cfg.levels;
  if (want('image.')) {
    const r = ctx.clip.encodeImage(ctx.images, { collect: levels });
    try {
      ctx.outputs.set('image.pooled', await readOutput(r.pooled!));
      for (const l of levels) ctx.outputs.set(`image.tokens.L${l}`, await readOutput(r.tokens.get(l)!));
    } finally {
      tf.dispose([r.pooled!, ...r.tokens.values()]);
    }
  }
  if (want('surgery.')) {
    const r = ctx.clip.encodeImage(ctx.images, { collect: levels, surgery: { from: ctx.cfg.surgeryFrom }, pooled: false });
    try {
      for (const l of levels) ctx.outputs.set(`surgery.tokens.L${l}`, await readOutput(r.tokens.get(l)!));
    } finally {
      tf.dispose([...r.tokens.values()]);
    }
  }
}

/**
 * Stage 1: patch features, both loss variants, the disentangle loss, the text adapters'
 * gradients and one Adam step (the weights are restored afterwards).
 */
export async function parityStage1(ctx: ParityStageContext): Promise<void> {
  const { model, ej, outputs } = ctx;
  const feats = model.stage1Features(ctx.images);
  const held: tf.Tensor[] = [...feats.levels];
  try {
    for (const [j, l] of ctx.cfg.levels.entries()) outputs.set(`stage1.patch.L${l}`, await readOutput(feats.levels[j]!));
    const batch = { features: feats.levels, grid: feats.grid, masks: ctx.masks, classes: ej.batch_classes };
    const w = ej.aaclip.text_norm_weight;
    const all = stage1Loss(model, batch, ctx.tokensByClass, { allLevels: true, disentangleWeight: w });
    held.push(all);
    outputs.set('stage1.loss_all_levels', await readOutput(all, [1]));
    const dis = disentangleLoss(ej.batch_classes.map((c) => ctx.anchors.get(c)!));
    held.push(dis);
    outputs.set('stage1.orthogonal', await readOutput(dis, [1]));
    const { value, grads } = await adapterGradientsAsync(model, 1, () => stage1Loss(model, batch, ctx.tokensByClass, { disentangleWeight: w }));
    held.push(...grads.values());
    outputs.set('stage1.loss', { dtype: 'float32', shape: [1], data: Float32Array.of(value) });
    await gradOutputs(ctx, 1, grads);
    const saved = model.trainableAdapters(1).map((p) => tf.keep(p.weightT.clone()));
    held.push(...saved);
    await adamOutputs(ctx, 1, grads, ej.aaclip.stage1_lr_in_fixture);
    model.trainableAdapters(1).forEach((p, i) => p.weightT.assign(saved[i]!));
  } finally {
    tf.dispose(held);
  }
}

/**
 * Stage 2: seg/det features, the training softmax map, the losses, the image adapters'
 * gradients, the test maps (before the Adam step) and one Adam step.
 */
export async function parityStage2(ctx: ParityStageContext): Promise<void> {
  const { model, ej, outputs } = ctx;
  const levels = ctx.cfg.levels;
  const S = ctx.images.shape[1];
  const f = model.forward(ctx.images);
  const held: tf.Tensor[] = [...f.seg, f.det];
  try {
    const A = ej.batch_classes.map((c) => ctx.anchors.get(c)!);
    for (const [j, l] of levels.entries()) outputs.set(`stage2.seg.L${l}`, await readOutput(f.seg[j]!));
    outputs.set('stage2.det', await readOutput(f.det));
    const sm = tf.tidy(() => trainingSoftmaxMap(similarity(f.seg[f.seg.length - 1]!, A), f.grid, S));
    held.push(sm);
    outputs.set(`stage2.softmax_map.L${levels[levels.length - 1]!}`, await readOutput(sm));
    const batch = { images: ctx.images, masks: ctx.masks, labels: ctx.labels, classes: ej.batch_classes };
    const parts = stage2Loss(model, batch, ctx.anchors);
    held.push(parts.ce, parts.seg, parts.loss);
    outputs.set('stage2.ce', await readOutput(parts.ce, [1]));
    outputs.set('stage2.seg_loss', await readOutput(parts.seg, [1]));
    const { value, grads } = await adapterGradientsAsync(model, 2, () => stage2Loss(model, batch, ctx.anchors).loss);
    held.push(...grads.values());
    outputs.set('stage2.loss', { dtype: 'float32', shape: [1], data: Float32Array.of(value) });
    await gradOutputs(ctx, 2, grads);
    // inference (before the Adam step changes the weights): anchors of classes[0] for every image
    const A0 = ctx.anchors.get(ej.classes[0]!)!;
    const maps = tf.tidy(() => {
      const ind = anomalyMaps(f.seg, A0, f.grid, S, 'industrial'); // levels [B, S, S] each, their sum
      const med = anomalyMaps(f.seg, A0, f.grid, S, 'medical');
      return { level: tf.stack(ind.levels, 1), ind: ind.anomaly, med: med.anomaly, pred: imageScore(f.det, A0) }; // level [B, L, S, S]
    });
    held.push(maps.level, maps.ind, maps.med, maps.pred);
    outputs.set('test.level_maps.industrial', await readOutput(maps.level));
    outputs.set('test.anomaly_map.industrial', await readOutput(maps.ind));
    outputs.set('test.anomaly_map.medical', await readOutput(maps.med));
    outputs.set('test.image_pred', await readOutput(maps.pred));
    await adamOutputs(ctx, 2, grads, ej.aaclip.stage2_lr_in_fixture);
  } finally {
    tf.dispose(held);
  }
}
