/*
 * A TrainingPool worker thread (built to dist/train-worker.js): its own tfjs backend and its
 * own copy of the frozen vision tower; each step it takes the adapter weights and a shard of
 * the batch, and returns the shard's stage-2 loss and adapter gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { AAClipModel, ClipModel, randomClipWeights, stage2Gradients } from '@aaclip/core';
import { ensureGradients, useBackend } from '../backend';
import { loadClip } from '../weights-io';
import type { TrainWorkerInit, TrainWorkerReply, TrainWorkerStep } from './protocol';

const port = parentPort;
if (!port) throw new Error('train-worker: must run as a worker thread (use createTrainingPool)');
const init = workerData as TrainWorkerInit;

function post(msg: TrainWorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

async function load(): Promise<AAClipModel> {
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
  const model = AAClipModel.create({ clip, config: init.aaclipConfig });
  post({ type: 'ready' });
  return model;
}

async function step(model: AAClipModel, req: TrainWorkerStep): Promise<void> {
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
    post({ type: 'ok', id: req.id, loss: value, grads: out }, Object.values(out).map((a) => a.buffer as ArrayBuffer));
  } finally {
    tf.dispose([images, masks, ...anchors.values()]);
  }
}

load().then(
  (model) => {
    let chain = Promise.resolve();
    port.on('message', (req: TrainWorkerStep) => {
      chain = chain.then(() => step(model, req).catch((e: unknown) => post({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) })));
    });
  },
  (e: unknown) => post({ type: 'init-error', message: e instanceof Error ? e.message : String(e) }),
);
