/*
 * A TrainingPool worker thread (built to dist/train-worker.js): its own tfjs backend and its
 * own copy of the frozen vision tower; each step it takes the adapter weights and a shard of
 * the batch, and returns the shard's stage-2 loss and adapter gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { workerData } from 'node:worker_threads';
import { AAClipModel, ClipModel } from '@aaclip/core';
import { randomClipWeights, stage2Gradients } from '@aaclip/core/train';
import { ensureGradients, useBackend } from '../backend';
import { loadClip } from '../weights-io';
import { serveRpc, type RpcResult } from '../worker-rpc';
import type { TrainWorkerInit, TrainWorkerResult, TrainWorkerStep } from './protocol';

const init = workerData as TrainWorkerInit;

async function load(): Promise<{ state: AAClipModel; info: null }> {
  await useBackend(init.backend);
  await ensureGradients();
  let clip: ClipModel;
  if ('file' in init.weights) {
    clip = (await loadClip(init.weights.file, { visionOnly: true, activation: init.weights.activation })).clip;
  } else {
    const cfg = { ...init.weights.random.config, text: undefined };
    const w = randomClipWeights(cfg, init.weights.random.seed, { visionOnly: true });
    clip = ClipModel.fromWeights(w, cfg);
    w.clear();
  }
  return { state: AAClipModel.create({ clip, config: init.aaclipConfig }), info: null };
}

async function step(model: AAClipModel, req: TrainWorkerStep): Promise<RpcResult> {
  for (const p of model.trainableAdapters(2)) {
    const w = req.adapters[p.key];
    if (!w) throw new Error(`train-worker: no weights for adapter "${p.key}"`);
    tf.tidy(() => p.weightT.assign(tf.tensor2d(w, [p.inFeatures, p.outFeatures])));
  }
  const anchors = new Map(Object.entries(req.anchors).map(([c, a]) => [c, tf.tensor2d(a.data, a.shape)]));
  const images = tf.tensor4d(req.images, [req.batch, req.size, req.size, 3]);
  const masks = tf.tensor3d(req.masks, [req.batch, req.size, req.size]);
  try {
    const { value, grads } = await stage2Gradients(model, { images, masks, labels: req.labels, classes: req.classes }, anchors, init.checkpoint);
    const out: Record<string, Float32Array> = {};
    for (const [k, g] of grads) out[k] = ((await g.data()) as Float32Array).slice(); // a copy: some backends hand out their own storage
    tf.dispose([...grads.values()]);
    const result: TrainWorkerResult = { loss: value, grads: out };
    return { result, transfer: Object.values(out).map((a) => a.buffer as ArrayBuffer) };
  } finally {
    tf.dispose([images, masks, ...anchors.values()]);
  }
}

serveRpc<TrainWorkerStep & { id: number }, AAClipModel, null>(load, step);
