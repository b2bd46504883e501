import * as tf from '@tensorflow/tfjs-core';
import { normalizeClip } from '../image/normalize';
import type { AAClipModel } from './aaclip-model';
import { exportAdapterWeightsAsync } from './aaclip-adapters';
import { Adam, multiStepLr } from './adam';
import { augmentPair, stageAugmentOptions, type AugmentImage, type AugmentOptions } from './augment';
import { mulberry32 } from './aaclip-model';
import type { TrainingCheckpoint } from './checkpoint';
import { stage2GradientTensorsCheckpointed } from './checkpointed-gradients';
import { adapterGradientsAsync, adapterGradientTensors, stage1Loss, stage2Loss, takeScalar, type ClassTokens, type Stage2Batch } from './stage-losses';

/** One training sample at the training size. */
export interface TrainingSample {
  /** HWC uint8 RGB, already resized to the training size. */
  image: AugmentImage;
  /** 0/1 per pixel (same size), or null for an image without defects. */
  mask: Uint8Array | null;
  label: 0 | 1;
  className: string;
}

/** Random-access, streamed training data: samples are fetched batch by batch. */
export interface TrainingSource {
  readonly length: number;
  get(index: number): TrainingSample | Promise<TrainingSample>;
}

export interface StageOptions {
  stage: 1 | 2;
  /** Defaults: 5 epochs for stage 1, 20 for stage 2 (the official script). */
  epochs?: number;
  /** Defaults: 16 for stage 1, 2 for stage 2. */
  batchSize?: number;
  /** Defaults: 1e-5 for stage 1, 5e-4 for stage 2. */
  lr?: number;
  /** MultiStepLR milestones in optimiser steps. Defaults: none for stage 1, [16000, 32000] for stage 2. */
  milestones?: number[];
  /** MultiStepLR factor. Default 0.5. */
  gamma?: number;
  betas?: [number, number];
  eps?: number;
  seed?: number;
  /** true (default) = the stage's official augmentation; false = none; or explicit options. */
  augment?: boolean | AugmentOptions;
  /** Stage 1: seg loss over every level instead of the last only (official: last only). */
  allLevels?: boolean;
  /** Stage 1: prompt token ids per class. */
  classTokens?: ReadonlyMap<string, ClassTokens>;
  /** Stage 2: frozen stage-1 anchors per class ([E, 2]). */
  anchors?: ReadonlyMap<string, tf.Tensor2D>;
  /**
   * Stage 2: recompute the vision blocks one at a time in the backward pass instead of keeping
   * the whole forward on the tape (`stage2GradientsCheckpointed`; one extra forward, a fraction
   * of the memory). 'auto' (default) does so when the plain tape would exceed about 1 GiB,
   * e.g. ViT-L at 336 px and up, which otherwise cannot fit a 4 GiB wasm heap.
   */
  checkpoint?: boolean | 'auto';
  /**
   * Stage 2: computes the loss and the adapter gradients of a batch elsewhere, e.g. split
   * across worker threads (backend-node's `createTrainingPool`). Gradients are keyed by adapter
   * key in variable layout [in, out] and must equal the local computation's (the losses are
   * per-image means, so a split batch's gradient is the size-weighted mean of its parts).
   */
  stage2Gradients?: (model: AAClipModel, batch: Stage2Batch, anchors: ReadonlyMap<string, tf.Tensor2D>) => Promise<{ value: number; grads: Map<string, tf.Tensor> }>;
  /** Emit a checkpoint every N optimiser steps (and always at the end of each epoch). */
  checkpointEvery?: number;
  onCheckpoint?: (ckpt: TrainingCheckpoint, reason: 'interval' | 'epoch' | 'stop') => void | Promise<void>;
  onStep?: (info: { epoch: number; step: number; stepsPerEpoch: number; loss: number; lr: number }) => void;
  /** Continue from a checkpoint of the same stage. */
  resume?: TrainingCheckpoint;
  /** Polled after every step: true stops training after a final checkpoint ('stop'). */
  shouldStop?: () => boolean;
}

export interface StageResult {
  epochLosses: number[];
  steps: number;
  stopped: boolean;
}

/**
 * Whether a stage-2 step should recompute blocks: the plain tape holds, per block and image,
 * the attention maps (heads x N^2) and about 16 sequence-sized tensors (N x W), float32.
 */
export function recomputeBlocks(model: AAClipModel, imageShape: readonly number[], mode: boolean | 'auto'): boolean {
  if (mode !== 'auto') return mode;
  const v = model.clip.config.vision;
  const g = Math.floor(imageShape[1]! / v.patchSize);
  const N = 1 + g * g;
  const tapeBytes = v.layers * imageShape[0]! * (v.heads * N * N + 16 * N * v.width) * 4;
  return tapeBytes > 2 ** 30;
}

/**
 * One stage-2 batch's loss and adapter gradients (keyed by adapter key, layout [in, out]), on
 * this thread: the plain tape, or block recomputation (`recomputeBlocks`). Values are read
 * asynchronously (GPU backends).
 */
export async function stage2Gradients(
  model: AAClipModel,
  batch: Stage2Batch,
  anchors: ReadonlyMap<string, tf.Tensor2D>,
  checkpoint: boolean | 'auto' = 'auto',
): Promise<{ value: number; grads: Map<string, tf.Tensor> }> {
  const { value, grads } = recomputeBlocks(model, batch.images.shape, checkpoint)
    ? stage2GradientTensorsCheckpointed(model, batch, anchors)
    : adapterGradientTensors(model, 2, () => stage2Loss(model, batch, anchors).loss);
  return { value: await takeScalar(value), grads };
}

/** Deterministic sub-seed from (seed, a, b). */
function subSeed(seed: number, a: number, b: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [a, b]) {
    h = Math.imul(h ^ (v + 0x7f4a7c15), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h;
}

/** The sample order of an epoch: a Fisher-Yates shuffle seeded by (seed, epoch). */
export function epochOrder(length: number, seed: number, epoch: number): number[] {
  const rand = mulberry32(subSeed(seed, epoch, 0xabc));
  const idx = Array.from({ length }, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

async function loadBatch(
  source: TrainingSource,
  indices: number[],
  augment: AugmentOptions | null,
  seed: number,
  epoch: number,
): Promise<{ images: tf.Tensor4D; masks: tf.Tensor3D; labels: number[]; classes: string[] }> {
  const samples = await Promise.all(indices.map((i) => source.get(i)));
  const size = samples[0]!.image.width;
  const imgs = new Float32Array(samples.length * size * size * 3);
  const masks = new Float32Array(samples.length * size * size);
  samples.forEach((s, b) => {
    if (s.image.width !== size || s.image.height !== size) {
      throw new Error(`training sample ${indices[b]} is ${s.image.width}x${s.image.height}, expected ${size}x${size}`);
    }
    let image = s.image;
    let mask = s.mask;
    if (augment) {
      const r = augmentPair(image, mask, mulberry32(subSeed(seed, epoch, indices[b]! + 1)), augment);
      image = r.image;
      mask = r.mask;
    }
    imgs.set(normalizeClip({ width: size, height: size, channels: 3, data: image.data }), b * size * size * 3);
    if (mask) for (let i = 0; i < size * size; i++) masks[b * size * size + i] = mask[i] ? 1 : 0;
  });
  return {
    images: tf.tensor4d(imgs, [samples.length, size, size, 3]),
    masks: tf.tensor3d(masks, [samples.length, size, size]),
    labels: samples.map((s) => s.label),
    classes: samples.map((s) => s.className),
  };
}

/**
 * Trains one stage of AA-CLIP: stage 1 the text adapters (surgery features, seg loss + 0.1 x the
 * disentangle loss), stage 2 the image adapters (ce + seg loss over levels) against frozen anchors.
 * Batches are streamed from `source`; the sample order and augmentation are functions of
 * (seed, epoch, index) only, so resuming from a checkpoint continues the exact same run.
 *
 * @example
 * await trainStage(model, source, { stage: 1, classTokens, epochs: 5, onCheckpoint: save });
 */
export async function trainStage(model: AAClipModel, source: TrainingSource, opts: StageOptions): Promise<StageResult> {
  const stage = opts.stage;
  if (stage !== 1 && stage !== 2) throw new Error(`trainStage: stage must be 1 or 2, got ${String(stage)}`);
  if (source.length === 0) throw new Error('trainStage: the training source is empty');
  const epochs = opts.epochs ?? (stage === 1 ? 5 : 20);
  const batchSize = opts.batchSize ?? (stage === 1 ? 16 : 2);
  const baseLr = opts.lr ?? (stage === 1 ? 1e-5 : 5e-4);
  const milestones = opts.milestones ?? (stage === 1 ? [] : [16000, 32000]);
  const gamma = opts.gamma ?? 0.5;
  const seed = opts.seed ?? 111;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`trainStage: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`trainStage: batchSize must be a positive integer, got ${batchSize}`);
  if (stage === 1 && !opts.classTokens) throw new Error('trainStage: stage 1 needs classTokens');
  if (stage === 2 && !opts.anchors) throw new Error('trainStage: stage 2 needs anchors');
  const augment = opts.augment === false ? null : opts.augment === true || opts.augment === undefined ? stageAugmentOptions(stage) : opts.augment;

  const params = model.trainableAdapters(stage);
  const optimizer = new Adam(params, { lr: baseLr, betas: opts.betas, eps: opts.eps });
  let startEpoch = 0;
  let startStep = 0;
  let globalStep = 0;
  const epochLosses: number[] = [];
  let running = { sum: 0, count: 0 };
  if (opts.resume) {
    const r = opts.resume;
    if (r.stage !== stage) throw new Error(`trainStage: cannot resume a stage-${r.stage} checkpoint in stage ${stage}`);
    if (r.seed !== seed) throw new Error(`trainStage: checkpoint seed ${r.seed} differs from seed ${seed}`);
    for (const p of params) {
      const w = r.adapters.get(p.key);
      if (!w || w.data.length !== p.inFeatures * p.outFeatures) throw new Error(`trainStage: resume checkpoint lacks "${p.key}" [${p.outFeatures}, ${p.inFeatures}]`);
      tf.tidy(() => p.weightT.assign(tf.transpose(tf.tensor2d(w.data, [p.outFeatures, p.inFeatures]))));
    }
    optimizer.setState(r.optimizer);
    startEpoch = r.epoch;
    startStep = r.step;
    globalStep = r.globalStep;
    epochLosses.push(...r.epochLosses);
    running = { ...r.runningLoss };
  }
  const stepsPerEpoch = Math.ceil(source.length / batchSize);
  // read asynchronously: webgpu in Node has no synchronous read
  const snapshot = async (epoch: number, step: number): Promise<TrainingCheckpoint> => ({
    stage,
    epoch,
    step,
    globalStep,
    seed,
    adapters: await exportAdapterWeightsAsync(params),
    optimizer: { ...(await optimizer.getStateAsync()), lr: optimizer.lr, betas: optimizer.betas, eps: optimizer.eps },
    epochLosses: [...epochLosses],
    runningLoss: { ...running },
  });

  try {
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      const order = epochOrder(source.length, seed, epoch);
      for (let step = epoch === startEpoch ? startStep : 0; step < stepsPerEpoch; step++) {
        const idx = order.slice(step * batchSize, (step + 1) * batchSize);
        // yield to the event loop once per step (keeps a UI, a worker's RPC or a signal handler responsive)
        await new Promise<void>((r) => setTimeout(r, 0));
        const batch = await loadBatch(source, idx, augment, seed, epoch);
        optimizer.lr = multiStepLr(baseLr, milestones, gamma, globalStep);
        let lossValue: number;
        try {
          if (stage === 1) {
            const feats = model.stage1Features(batch.images);
            try {
              const { value, grads } = await adapterGradientsAsync(model, 1, () =>
                stage1Loss(model, { features: feats.levels, grid: feats.grid, masks: batch.masks, classes: batch.classes }, opts.classTokens!, { allLevels: opts.allLevels }),
              );
              optimizer.applyGradients(grads);
              tf.dispose([...grads.values()]);
              lossValue = value;
            } finally {
              tf.dispose(feats.levels);
            }
          } else {
            const grad = opts.stage2Gradients ?? ((m, b, a) => stage2Gradients(m, b, a, opts.checkpoint ?? 'auto'));
            const { value, grads } = await grad(model, batch, opts.anchors!);
            optimizer.applyGradients(grads);
            tf.dispose([...grads.values()]);
            lossValue = value;
          }
        } finally {
          tf.dispose([batch.images, batch.masks]);
        }
        if (!Number.isFinite(lossValue)) throw new Error(`trainStage: the loss became ${lossValue} at epoch ${epoch}, step ${step}`);
        globalStep++;
        running.sum += lossValue;
        running.count++;
        opts.onStep?.({ epoch, step, stepsPerEpoch, loss: lossValue, lr: optimizer.lr });
        const last = step === stepsPerEpoch - 1;
        if (last) {
          epochLosses.push(running.sum / running.count);
          running = { sum: 0, count: 0 };
          await opts.onCheckpoint?.(await snapshot(epoch + 1, 0), 'epoch');
        } else if (opts.checkpointEvery && globalStep % opts.checkpointEvery === 0) {
          await opts.onCheckpoint?.(await snapshot(epoch, step + 1), 'interval');
        }
        if (opts.shouldStop?.()) {
          if (!last) await opts.onCheckpoint?.(await snapshot(epoch, step + 1), 'stop');
          return { epochLosses, steps: globalStep, stopped: true };
        }
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { epochLosses, steps: globalStep, stopped: false };
}
