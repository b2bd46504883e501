import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { stage2Gradients, type Stage2Batch } from '@aaclip/core/train';
import { type AAClipModel } from '@aaclip/core';
import type { NodeBackendName } from '../backend';
import type { AnchorData } from '../pool/protocol';
import { builtWorkerScript, WorkerRpc } from '../worker-rpc';
import type { TrainWorkerInit, TrainWorkerResult, TrainWorkerStep, TrainWorkerWeights } from './protocol';

export interface TrainingPoolOptions {
  /** The frozen CLIP of the model being trained: its weights file (or random weights, for benchmarks). */
  weights: TrainWorkerWeights;
  /** The model trained on this thread (its adapters are the ones the optimiser steps). */
  model: AAClipModel;
  /** Worker threads besides this one (default 1: two cores). */
  workers?: number;
  /** The workers' tfjs backend (default 'wasm'). */
  backend?: NodeBackendName;
  /** Block recomputation, as `trainStage`'s `checkpoint` (default 'auto'). */
  checkpoint?: boolean | 'auto';
  /** The worker script; default `train-worker.js` next to this package's `dist/index.js`. */
  workerFile?: string;
}

function defaultWorkerFile(): string {
  return builtWorkerScript('train-worker', 'createTrainingPool');
}

/**
 * Data-parallel stage-2 training on several threads: this thread and N workers each compute
 * the loss and adapter gradients of their share of a batch (each worker holds its own copy of
 * the frozen vision tower and its own wasm instance), and the shares are combined as the
 * size-weighted mean, which equals the whole batch's gradient (every stage-2 loss term is a
 * mean over images). Pass `stage2Gradients` to `trainStage`; the optimiser still runs here.
 *
 * @example
 * const pool = await createTrainingPool({ weights: { file: 'ViT-L-14-336.safetensors' }, model });
 * await trainStage(model, source, { stage: 2, anchors, stage2Gradients: pool.stage2Gradients });
 * await pool.dispose();
 */
export class TrainingPool {
  private disposed = false;

  private constructor(
    private readonly rpc: WorkerRpc<TrainWorkerStep, null> | null,
    private readonly opts: TrainingPoolOptions,
  ) {}

  /** Threads that share each batch (this one included). */
  get threads(): number {
    return (this.rpc?.size ?? 0) + 1;
  }

  static async create(opts: TrainingPoolOptions): Promise<TrainingPool> {
    const n = opts.workers ?? 1;
    if (!Number.isInteger(n) || n < 0) throw new Error(`createTrainingPool: workers must be a non-negative integer, got ${String(opts.workers)}`);
    if ('file' in opts.weights && !existsSync(opts.weights.file)) throw new Error(`createTrainingPool: weights file not found: ${opts.weights.file}`);
    const init: TrainWorkerInit = { weights: opts.weights, aaclipConfig: opts.model.config, backend: opts.backend ?? 'wasm', checkpoint: opts.checkpoint ?? 'auto' };
    const rpc =
      n === 0
        ? null
        : await WorkerRpc.start<TrainWorkerStep, null>({
            file: opts.workerFile ?? defaultWorkerFile(),
            count: n,
            name: 'TrainingPool',
            weightsFile: 'file' in opts.weights ? opts.weights.file : undefined,
            workerData: () => init,
          });
    return new TrainingPool(rpc, opts);
  }

  /**
   * A stage-2 batch's loss and adapter gradients, its images split across this thread and the
   * workers (images [0, k) here, the rest in order). `trainStage`'s `stage2Gradients` option.
   */
  readonly stage2Gradients = async (
    model: AAClipModel,
    batch: Stage2Batch,
    anchors: ReadonlyMap<string, tf.Tensor2D>,
  ): Promise<{ value: number; grads: Map<string, tf.Tensor> }> => {
    if (this.disposed) throw new Error('TrainingPool: disposed');
    if (model !== this.opts.model) throw new Error('TrainingPool: created for another model');
    const [B, S] = batch.images.shape;
    const parts = Math.min(this.threads, B);
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * B) / parts)); // [0, ..., B]
    if (parts === 1) return stage2Gradients(model, batch, anchors, this.opts.checkpoint ?? 'auto');
    const params = model.trainableAdapters(2);
    const weights: Record<string, Float32Array> = {};
    for (const p of params) weights[p.key] = (await p.weightT.data()) as Float32Array;
    const anchorData: Record<string, AnchorData> = {};
    for (const c of new Set(batch.classes)) {
      const a = anchors.get(c);
      if (!a) throw new Error(`TrainingPool: no anchors for class "${c}"`);
      anchorData[c] = { shape: [a.shape[0], a.shape[1]], data: (await a.data()) as Float32Array };
    }
    const images = (await batch.images.data()) as Float32Array;
    const masks = (await batch.masks.data()) as Float32Array;
    const labels = Array.from(batch.labels);
    // the workers' shares go out first, then this thread computes its own
    const remote = Array.from({ length: parts - 1 }, (_, w) => {
      const [from, to] = [bounds[w + 1]!, bounds[w + 2]!];
      const req: TrainWorkerStep = {
        type: 'step',
        adapters: weights,
        images: images.slice(from * S * S * 3, to * S * S * 3), // [to - from, S, S, 3]
        masks: masks.slice(from * S * S, to * S * S), // [to - from, S, S]
        batch: to - from,
        size: S,
        labels: labels.slice(from, to),
        classes: batch.classes.slice(from, to),
        anchors: anchorData,
      };
      return this.rpc!.call<TrainWorkerResult>(() => ({ req, transfer: [req.images.buffer as ArrayBuffer, req.masks.buffer as ArrayBuffer] }), w);
    });
    const k = bounds[1]!;
    const local = tf.tidy(() => ({
      images: tf.slice(batch.images, [0, 0, 0, 0], [k, S, S, 3]) as tf.Tensor4D,
      masks: tf.slice(batch.masks, [0, 0, 0], [k, S, S]) as tf.Tensor3D,
    }));
    let mine: { value: number; grads: Map<string, tf.Tensor> };
    try {
      mine = await stage2Gradients(model, { images: local.images, masks: local.masks, labels: labels.slice(0, k), classes: batch.classes.slice(0, k) }, anchors, this.opts.checkpoint ?? 'auto');
    } finally {
      tf.dispose([local.images, local.masks]);
    }
    let others: TrainWorkerResult[];
    try {
      others = await Promise.all(remote);
    } catch (e) {
      tf.dispose([...mine.grads.values()]);
      throw e;
    }
    // size-weighted mean of the shares
    const grads = new Map<string, tf.Tensor>();
    for (const p of params) {
      const g = mine.grads.get(p.key)!;
      grads.set(
        p.key,
        tf.tidy(() => {
          let sum = tf.mul(g, k / B);
          others.forEach((o, w) => {
            const n = bounds[w + 2]! - bounds[w + 1]!;
            sum = tf.add(sum, tf.mul(tf.tensor(o.grads[p.key]!, g.shape), n / B));
          });
          return sum;
        }),
      );
    }
    tf.dispose([...mine.grads.values()]);
    const value = (mine.value * k + others.reduce((s, o, w) => s + o.loss * (bounds[w + 2]! - bounds[w + 1]!), 0)) / B;
    return { value, grads };
  };

  /** Stops the workers. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.rpc?.dispose();
  }
}

/** Starts a {@link TrainingPool} and waits until every worker has its weights. */
export function createTrainingPool(opts: TrainingPoolOptions): Promise<TrainingPool> {
  return TrainingPool.create(opts);
}
